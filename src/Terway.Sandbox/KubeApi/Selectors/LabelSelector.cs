using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Selectors;

/// <summary>Label selector operators (apimachinery <c>selection.Operator</c>).</summary>
internal enum SelectorOp
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// <summary>One requirement of a label selector.</summary>
internal sealed record LabelRequirement(string Key, SelectorOp Op, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var v);
        return Op switch
        {
            SelectorOp.Equals or SelectorOp.In => has && Values.Contains(v!),
            SelectorOp.NotEquals or SelectorOp.NotIn => !has || !Values.Contains(v!),
            SelectorOp.Exists => has,
            SelectorOp.DoesNotExist => !has,
            SelectorOp.GreaterThan => has && long.TryParse(v, out var a) && a > long.Parse(Values[0], CultureInfo.InvariantCulture),
            SelectorOp.LessThan => has && long.TryParse(v, out var b) && b < long.Parse(Values[0], CultureInfo.InvariantCulture),
            _ => false,
        };
    }
}

/// <summary>A parsed label selector (string form, as in <c>?labelSelector=</c>, or a LabelSelector object).</summary>
internal sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    private LabelSelector(IReadOnlyList<LabelRequirement> requirements) => Requirements = requirements;

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var r in Requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses the string syntax; throws <see cref="FormatException"/> with apimachinery's wording.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var p = new Parser(text);
        var reqs = p.ParseAll();
        reqs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new LabelSelector(reqs);
    }

    /// <summary>
    /// Builds a selector from a <c>metav1.LabelSelector</c> object; null selects nothing, empty selects everything.
    /// </summary>
    public static LabelSelector? FromObject(JsonObject? sel)
    {
        if (sel == null)
        {
            return null;
        }

        var reqs = new List<LabelRequirement>();
        if (sel["matchLabels"] is JsonObject ml)
        {
            foreach (var (k, v) in ml)
            {
                reqs.Add(new LabelRequirement(k, SelectorOp.Equals, [JsonUtil.AsString(v) ?? ""]));
            }
        }

        if (sel["matchExpressions"] is JsonArray me)
        {
            foreach (var e in me.OfType<JsonObject>())
            {
                var key = JsonUtil.Str(e, "key") ?? "";
                var values = (JsonUtil.Arr(e, "values") ?? []).Select(x => JsonUtil.AsString(x) ?? "").ToList();
                var op = JsonUtil.Str(e, "operator") switch
                {
                    "In" => SelectorOp.In,
                    "NotIn" => SelectorOp.NotIn,
                    "Exists" => SelectorOp.Exists,
                    "DoesNotExist" => SelectorOp.DoesNotExist,
                    var other => throw new FormatException($"{Quote(other ?? "")} is not a valid label selector operator"),
                };
                reqs.Add(new LabelRequirement(key, op, values));
            }
        }

        return new LabelSelector(reqs);
    }

    private static string Quote(string s) => "\"" + s + "\"";

    public override string ToString() => string.Join(",", Requirements.Select(r => r.Op switch
    {
        SelectorOp.Equals => r.Key + "=" + r.Values[0],
        SelectorOp.NotEquals => r.Key + "!=" + r.Values[0],
        SelectorOp.In => r.Key + " in (" + string.Join(",", r.Values) + ")",
        SelectorOp.NotIn => r.Key + " notin (" + string.Join(",", r.Values) + ")",
        SelectorOp.Exists => r.Key,
        SelectorOp.DoesNotExist => "!" + r.Key,
        SelectorOp.GreaterThan => r.Key + ">" + r.Values[0],
        _ => r.Key + "<" + r.Values[0],
    }));

    private sealed class Parser(string text)
    {
        private int _pos;

        private enum Tok { End, Ident, Comma, Open, Close, Not, Eq, DoubleEq, NotEq, In, NotIn, Gt, Lt }

        public List<LabelRequirement> ParseAll()
        {
            var reqs = new List<LabelRequirement>();
            while (true)
            {
                var (t, lit) = Peek();
                if (t == Tok.End)
                {
                    if (reqs.Count == 0)
                    {
                        return reqs;
                    }

                    throw new FormatException("found '', expected: identifier");
                }

                reqs.Add(ParseRequirement());
                (t, lit) = Next();
                if (t == Tok.End)
                {
                    return reqs;
                }

                if (t != Tok.Comma)
                {
                    throw new FormatException($"found '{lit}', expected: ',' or 'end of string'");
                }
            }
        }

        private LabelRequirement ParseRequirement()
        {
            var (t, lit) = Next();
            if (t == Tok.Not)
            {
                var (t2, key2) = Next();
                if (t2 != Tok.Ident)
                {
                    throw new FormatException($"found '{key2}', expected: identifier after '!'");
                }

                ValidateKey(key2);
                var (t3, lit3) = Peek();
                if (t3 is not (Tok.End or Tok.Comma))
                {
                    throw new FormatException($"found '{lit3}', expected: ',' or 'end of string'");
                }

                return new LabelRequirement(key2, SelectorOp.DoesNotExist, []);
            }

            if (t != Tok.Ident)
            {
                throw new FormatException($"found '{lit}', expected: !, identifier, or 'end of string'");
            }

            var key = lit;
            ValidateKey(key);
            var (op, opLit) = Peek();
            if (op is Tok.End or Tok.Comma)
            {
                return new LabelRequirement(key, SelectorOp.Exists, []);
            }

            Next();
            switch (op)
            {
                case Tok.Eq or Tok.DoubleEq or Tok.NotEq:
                    {
                        var (vt, v) = Peek();
                        string value = "";
                        if (vt == Tok.Ident)
                        {
                            Next();
                            value = v;
                        }
                        else if (vt is not (Tok.End or Tok.Comma))
                        {
                            throw new FormatException($"found '{v}', expected: identifier");
                        }

                        ValidateValue(value);
                        return new LabelRequirement(key, op == Tok.NotEq ? SelectorOp.NotEquals : SelectorOp.Equals, [value]);
                    }

                case Tok.Gt or Tok.Lt:
                    {
                        var (vt, v) = Next();
                        if (vt != Tok.Ident || !long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                        {
                            throw new FormatException($"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
                        }

                        return new LabelRequirement(key, op == Tok.Gt ? SelectorOp.GreaterThan : SelectorOp.LessThan, [v]);
                    }

                case Tok.In or Tok.NotIn:
                    {
                        var (ot, olit) = Next();
                        if (ot != Tok.Open)
                        {
                            throw new FormatException($"found '{olit}', expected: '('");
                        }

                        var values = new List<string>();
                        while (true)
                        {
                            var (vt, v) = Next();
                            if (vt == Tok.Close && values.Count == 0)
                            {
                                break;
                            }

                            if (vt == Tok.Ident)
                            {
                                ValidateValue(v);
                                values.Add(v);
                                (vt, v) = Next();
                            }
                            else if (vt is Tok.Comma or Tok.Close)
                            {
                                values.Add("");
                            }
                            else
                            {
                                throw new FormatException($"found '{v}', expected: ',', ')' or identifier");
                            }

                            if (vt == Tok.Close)
                            {
                                break;
                            }

                            if (vt != Tok.Comma)
                            {
                                throw new FormatException($"found '{v}', expected: ',' or ')'");
                            }
                        }

                        if (values.Count == 0)
                        {
                            throw new FormatException("for 'in', 'notin' operators, values set can't be empty");
                        }

                        return new LabelRequirement(key, op == Tok.In ? SelectorOp.In : SelectorOp.NotIn, values.Distinct().OrderBy(x => x, StringComparer.Ordinal).ToList());
                    }

                default:
                    throw new FormatException($"found '{opLit}', expected: in, notin, =, ==, !=, gt, lt");
            }
        }

        private static void ValidateKey(string key)
        {
            var err = NameRules.QualifiedNameError(key);
            if (err != null)
            {
                throw new FormatException($"unable to parse requirement: key: Invalid value: {GoFormat.Quote(key)}: {err}");
            }
        }

        private static void ValidateValue(string v)
        {
            var err = NameRules.LabelValueError(v);
            if (err != null)
            {
                throw new FormatException($"unable to parse requirement: values[0][key]: Invalid value: {GoFormat.Quote(v)}: {err}");
            }
        }

        private (Tok, string) Peek()
        {
            var save = _pos;
            var r = Next();
            _pos = save;
            return r;
        }

        private (Tok, string) Next()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
            {
                _pos++;
            }

            if (_pos >= text.Length)
            {
                return (Tok.End, "");
            }

            var c = text[_pos];
            switch (c)
            {
                case ',': _pos++; return (Tok.Comma, ",");
                case '(': _pos++; return (Tok.Open, "(");
                case ')': _pos++; return (Tok.Close, ")");
                case '>': _pos++; return (Tok.Gt, ">");
                case '<': _pos++; return (Tok.Lt, "<");
                case '!':
                    if (_pos + 1 < text.Length && text[_pos + 1] == '=')
                    {
                        _pos += 2;
                        return (Tok.NotEq, "!=");
                    }

                    _pos++;
                    return (Tok.Not, "!");
                case '=':
                    if (_pos + 1 < text.Length && text[_pos + 1] == '=')
                    {
                        _pos += 2;
                        return (Tok.DoubleEq, "==");
                    }

                    _pos++;
                    return (Tok.Eq, "=");
            }

            var sb = new StringBuilder();
            while (_pos < text.Length && !char.IsWhiteSpace(text[_pos]) && text[_pos] is not (',' or '(' or ')' or '!' or '=' or '<' or '>'))
            {
                sb.Append(text[_pos++]);
            }

            var word = sb.ToString();
            return word switch
            {
                "in" => (Tok.In, word),
                "notin" => (Tok.NotIn, word),
                _ => (Tok.Ident, word),
            };
        }
    }
}
