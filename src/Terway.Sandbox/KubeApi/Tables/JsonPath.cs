using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Tables;

/// <summary>
/// The JSONPath subset CRD printer columns use: fields, quoted keys, indexes, <c>[*]</c>,
/// and filters such as <c>[?(@.type=="Ready")]</c> with <c>==</c>/<c>!=</c> or existence.
/// </summary>
internal sealed class JsonPath
{
    private readonly List<Step> _steps;

    private JsonPath(List<Step> steps) => _steps = steps;

    private abstract record Step;
    private sealed record FieldStep(string Name) : Step;
    private sealed record IndexStep(int Index) : Step;
    private sealed record WildcardStep : Step;
    private sealed record FilterStep(List<string> Path, string? Op, JsonNode? Literal) : Step;

    public static JsonPath Parse(string expr)
    {
        var s = expr.Trim();
        if (s.StartsWith('{') && s.EndsWith('}'))
        {
            s = s[1..^1];
        }

        if (s.StartsWith('$'))
        {
            s = s[1..];
        }

        var steps = new List<Step>();
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] == '.')
            {
                i++;
                var start = i;
                while (i < s.Length && s[i] != '.' && s[i] != '[')
                {
                    i++;
                }

                var name = s[start..i];
                if (name.Length > 0)
                {
                    steps.Add(name == "*" ? new WildcardStep() : new FieldStep(name));
                }
            }
            else if (s[i] == '[')
            {
                var end = FindClose(s, i);
                var inner = s[(i + 1)..end].Trim();
                i = end + 1;
                if (inner == "*")
                {
                    steps.Add(new WildcardStep());
                }
                else if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
                {
                    steps.Add(ParseFilter(inner[2..^1].Trim()));
                }
                else if (inner.Length >= 2 && (inner[0] is '\'' or '"') && inner[^1] == inner[0])
                {
                    steps.Add(new FieldStep(inner[1..^1]));
                }
                else if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var idx))
                {
                    steps.Add(new IndexStep(idx));
                }
                else
                {
                    throw new FormatException($"unrecognized identifier {inner}");
                }
            }
            else
            {
                var start = i;
                while (i < s.Length && s[i] != '.' && s[i] != '[')
                {
                    i++;
                }

                steps.Add(new FieldStep(s[start..i]));
            }
        }

        return new JsonPath(steps);
    }

    private static int FindClose(string s, int open)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (quote != null)
            {
                if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        throw new FormatException("unclosed array expect ]");
    }

    private static FilterStep ParseFilter(string f)
    {
        foreach (var op in new[] { "==", "!=" })
        {
            var idx = f.IndexOf(op, StringComparison.Ordinal);
            if (idx > 0)
            {
                var lhs = f[..idx].Trim();
                var rhs = f[(idx + op.Length)..].Trim();
                return new FilterStep(FilterPath(lhs), op, Literal(rhs));
            }
        }

        return new FilterStep(FilterPath(f), null, null);
    }

    private static List<string> FilterPath(string lhs)
    {
        if (!lhs.StartsWith('@'))
        {
            throw new FormatException($"unrecognized filter {lhs}");
        }

        return lhs[1..].Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static JsonValue? Literal(string rhs)
    {
        if (rhs.Length >= 2 && (rhs[0] is '"' or '\'') && rhs[^1] == rhs[0])
        {
            return JsonValue.Create(rhs[1..^1]);
        }

        if (long.TryParse(rhs, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(rhs, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return rhs switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ => JsonValue.Create(rhs),
        };
    }

    /// <summary>All nodes the path selects, in document order.</summary>
    public List<JsonNode?> Evaluate(JsonNode? root)
    {
        var current = new List<JsonNode?> { root };
        foreach (var step in _steps)
        {
            var next = new List<JsonNode?>();
            foreach (var n in current)
            {
                switch (step)
                {
                    case FieldStep f when n is JsonObject o && o.TryGetPropertyValue(f.Name, out var v):
                        next.Add(v);
                        break;
                    case IndexStep ix when n is JsonArray a:
                        var i = ix.Index < 0 ? a.Count + ix.Index : ix.Index;
                        if (i >= 0 && i < a.Count)
                        {
                            next.Add(a[i]);
                        }

                        break;
                    case WildcardStep when n is JsonArray a2:
                        next.AddRange(a2);
                        break;
                    case WildcardStep when n is JsonObject o2:
                        next.AddRange(o2.Select(p => p.Value));
                        break;
                    case FilterStep flt when n is JsonArray a3:
                        foreach (var item in a3)
                        {
                            if (FilterMatches(flt, item))
                            {
                                next.Add(item);
                            }
                        }

                        break;
                }
            }

            current = next;
        }

        return current;
    }

    private static bool FilterMatches(FilterStep f, JsonNode? item)
    {
        JsonNode? v = item;
        foreach (var p in f.Path)
        {
            if (v is JsonObject o && o.TryGetPropertyValue(p, out var c))
            {
                v = c;
            }
            else
            {
                return f.Op == "!=";
            }
        }

        if (f.Op == null)
        {
            return v != null;
        }

        var eq = JsonUtil.DeepEquals(v, f.Literal) ||
                 (JsonUtil.IsNumber(v) && JsonUtil.IsNumber(f.Literal) && JsonUtil.GetDouble(v!.AsValue()) == JsonUtil.GetDouble(f.Literal!.AsValue()));
        return f.Op == "==" ? eq : !eq;
    }

    /// <summary>Renders a selected value as kubectl's JSONPath printer prints it.</summary>
    public static string Print(JsonNode? n)
    {
        if (n is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            return v.GetValue<string>();
        }

        if (n is JsonObject or JsonArray)
        {
            return JsonUtil.ToText(n);
        }

        return n == null ? "" : JsonUtil.ToText(n);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in _steps)
        {
            sb.Append(s switch
            {
                FieldStep f => "." + f.Name,
                IndexStep i => "[" + i.Index + "]",
                WildcardStep => "[*]",
                _ => "[?()]",
            });
        }

        return sb.ToString();
    }
}
