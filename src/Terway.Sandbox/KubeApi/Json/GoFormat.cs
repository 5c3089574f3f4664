using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.KubeApi.Json;

/// <summary>
/// Renders values the way Go's fmt renders them in apimachinery field errors
/// (<c>%q</c> for strings, <c>%v</c> for numbers and bools, <c>%#v</c> for maps and slices
/// decoded from JSON), so error messages read like the real server's.
/// </summary>
internal static class GoFormat
{
    public static string Value(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        JsonNode n => Node(n, top: true),
        _ => value.ToString() ?? "null",
    };

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var r in s.EnumerateRunes())
        {
            switch (r.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (r.Value < 0x20 || r.Value == 0x7f)
                    {
                        sb.Append("\\x").Append(r.Value.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(r.ToString());
                    }

                    break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }

    private static string Float(double d)
    {
        if (d == Math.Floor(d) && Math.Abs(d) < 1e21)
        {
            return d.ToString("0", CultureInfo.InvariantCulture);
        }

        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    private static string Node(JsonNode? n, bool top)
    {
        switch (n)
        {
            case null:
                return top ? "null" : "interface {}(nil)";
            case JsonObject o:
                {
                    var keys = o.Select(p => p.Key).OrderBy(k => k, StringComparer.Ordinal);
                    return "map[string]interface {}{" + string.Join(", ", keys.Select(k => Quote(k) + ":" + Node(o[k], false))) + "}";
                }

            case JsonArray a:
                return "[]interface {}{" + string.Join(", ", a.Select(x => Node(x, false))) + "}";
            default:
                var v = n.AsValue();
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String: return Quote(v.GetValue<string>());
                    case JsonValueKind.True: return "true";
                    case JsonValueKind.False: return "false";
                    case JsonValueKind.Number:
                        {
                            if (JsonUtil.TryGetLong(v, out var l))
                            {
                                return top ? l.ToString(CultureInfo.InvariantCulture) : "int64(" + l.ToString(CultureInfo.InvariantCulture) + ")";
                            }

                            var d = JsonUtil.GetDouble(v);
                            return top ? Float(d) : "float64(" + Float(d) + ")";
                        }

                    default: return "null";
                }
        }
    }
}
