using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Schema;

namespace Terway.Sandbox.KubeApi.Cel;

/// <summary>A CEL type value (what <c>type(x)</c> returns).</summary>
internal sealed record CelTypeValue(string Name);

/// <summary>
/// Evaluates the CEL subset the emulator supports over values converted from JSON with their
/// schema (so <c>date-time</c> strings are timestamps and <c>number</c> fields are doubles, as
/// in Kubernetes). Anything outside the subset raises <see cref="CelUnsupportedException"/>.
/// </summary>
internal sealed class CelEvaluator
{
    private readonly Dictionary<string, object?> _vars;

    public CelEvaluator(Dictionary<string, object?> vars) => _vars = vars;

    public object? Eval(CelExpr e) => e switch
    {
        CelLiteral l => l.Value,
        CelIdent id => _vars.TryGetValue(id.Name, out var v) ? v : throw new CelUnsupportedException($"undeclared reference to '{id.Name}'"),
        CelSelect s => Select(Eval(s.Operand), s.Field),
        CelHas h => Has(Eval(h.Operand), h.Field),
        CelIndex ix => Index(Eval(ix.Operand), Eval(ix.Index)),
        CelUnary u => Unary(u),
        CelBinary b => Binary(b),
        CelConditional c => Truth(Eval(c.Condition), "?:") ? Eval(c.Then) : Eval(c.Else),
        CelList l => l.Items.Select(Eval).ToList(),
        CelMap m => MapLiteral(m),
        CelMacro mac => Macro(mac),
        CelCall call => Call(call),
        _ => throw new CelUnsupportedException("unsupported expression"),
    };

    private Dictionary<object, object?> MapLiteral(CelMap m)
    {
        var d = new Dictionary<object, object?>(CelKeyComparer.Instance);
        foreach (var (k, v) in m.Entries)
        {
            d[Eval(k) ?? throw new CelEvalException("unsupported key type")] = Eval(v);
        }

        return d;
    }

    private static object? Select(object? target, string field)
    {
        if (target is Dictionary<object, object?> map)
        {
            return map.TryGetValue(field, out var v) ? v : throw new CelEvalException($"no such key: {field}");
        }

        throw new CelEvalException($"no such overload: select '{field}' on {TypeName(target)}");
    }

    private static bool Has(object? target, string field) => target switch
    {
        Dictionary<object, object?> map => map.ContainsKey(field),
        null => throw new CelEvalException($"no such key: {field}"),
        _ => throw new CelEvalException($"invalid type for field selection."),
    };

    private static object? Index(object? target, object? index)
    {
        switch (target)
        {
            case List<object?> list:
                {
                    var i = index switch
                    {
                        long l => l,
                        ulong u => (long)u,
                        double d when d == Math.Floor(d) => (long)d,
                        _ => throw new CelEvalException($"no such overload: index {TypeName(index)}"),
                    };
                    if (i < 0 || i >= list.Count)
                    {
                        throw new CelEvalException($"index out of bounds: {i}");
                    }

                    return list[(int)i];
                }

            case Dictionary<object, object?> map:
                return map.TryGetValue(index ?? throw new CelEvalException("no such key: null"), out var v) ? v : throw new CelEvalException($"no such key: {Format(index)}");
            default:
                throw new CelEvalException($"no such overload: index on {TypeName(target)}");
        }
    }

    private object? Unary(CelUnary u)
    {
        var v = Eval(u.Operand);
        return u.Op switch
        {
            "!" => v is bool b ? !b : throw new CelEvalException($"no such overload: !{TypeName(v)}"),
            "-" => v switch
            {
                long l => checked(-l),
                double d => -d,
                TimeSpan t => -t,
                _ => throw new CelEvalException($"no such overload: -{TypeName(v)}"),
            },
            _ => throw new CelUnsupportedException("operator " + u.Op),
        };
    }

    private object? Binary(CelBinary b)
    {
        if (b.Op is "&&" or "||")
        {
            var shortValue = b.Op == "||";
            object? left;
            Exception? leftError = null;
            try
            {
                left = Eval(b.Left);
            }
            catch (CelEvalException ex)
            {
                left = null;
                leftError = ex;
            }

            if (leftError == null && left is bool lb && lb == shortValue)
            {
                return shortValue;
            }

            var right = Eval(b.Right);
            if (right is bool rb && rb == shortValue)
            {
                return shortValue;
            }

            if (leftError != null)
            {
                throw leftError;
            }

            if (left is not bool || right is not bool)
            {
                throw new CelEvalException($"no such overload: {TypeName(left)} {b.Op} {TypeName(right)}");
            }

            return !shortValue;
        }

        var l = Eval(b.Left);
        var r = Eval(b.Right);
        switch (b.Op)
        {
            case "==": return CelEquals(l, r);
            case "!=": return !CelEquals(l, r);
            case "<": return Compare(l, r) < 0;
            case "<=": return Compare(l, r) <= 0;
            case ">": return Compare(l, r) > 0;
            case ">=": return Compare(l, r) >= 0;
            case "in":
                return r switch
                {
                    List<object?> list => list.Any(x => CelEquals(x, l)),
                    Dictionary<object, object?> map => l != null && map.ContainsKey(l),
                    _ => throw new CelEvalException($"no such overload: in {TypeName(r)}"),
                };
            case "+":
                return (l, r) switch
                {
                    (long a, long c) => checked(a + c),
                    (ulong a, ulong c) => checked(a + c),
                    (double a, double c) => a + c,
                    (string a, string c) => a + c,
                    (List<object?> a, List<object?> c) => a.Concat(c).ToList(),
                    (TimeSpan a, TimeSpan c) => a + c,
                    (DateTimeOffset a, TimeSpan c) => a + c,
                    (TimeSpan a, DateTimeOffset c) => c + a,
                    (byte[] a, byte[] c) => a.Concat(c).ToArray(),
                    _ => throw new CelEvalException($"no such overload: {TypeName(l)} + {TypeName(r)}"),
                };
            case "-":
                return (l, r) switch
                {
                    (long a, long c) => checked(a - c),
                    (ulong a, ulong c) => checked(a - c),
                    (double a, double c) => a - c,
                    (TimeSpan a, TimeSpan c) => a - c,
                    (DateTimeOffset a, TimeSpan c) => a - c,
                    (DateTimeOffset a, DateTimeOffset c) => a - c,
                    _ => throw new CelEvalException($"no such overload: {TypeName(l)} - {TypeName(r)}"),
                };
            case "*":
                return (l, r) switch
                {
                    (long a, long c) => checked(a * c),
                    (ulong a, ulong c) => checked(a * c),
                    (double a, double c) => a * c,
                    _ => throw new CelEvalException($"no such overload: {TypeName(l)} * {TypeName(r)}"),
                };
            case "/":
                return (l, r) switch
                {
                    (long, 0L) => throw new CelEvalException("division by zero"),
                    (long a, long c) => a / c,
                    (ulong, 0UL) => throw new CelEvalException("division by zero"),
                    (ulong a, ulong c) => a / c,
                    (double a, double c) => a / c,
                    _ => throw new CelEvalException($"no such overload: {TypeName(l)} / {TypeName(r)}"),
                };
            case "%":
                return (l, r) switch
                {
                    (long, 0L) => throw new CelEvalException("modulus by zero"),
                    (long a, long c) => a % c,
                    (ulong, 0UL) => throw new CelEvalException("modulus by zero"),
                    (ulong a, ulong c) => a % c,
                    _ => throw new CelEvalException($"no such overload: {TypeName(l)} % {TypeName(r)}"),
                };
            default:
                throw new CelUnsupportedException("operator " + b.Op);
        }
    }

    private object? Macro(CelMacro m)
    {
        var range = Eval(m.Range);
        IEnumerable<object?> items = range switch
        {
            List<object?> list => list,
            Dictionary<object, object?> map => map.Keys,
            _ => throw new CelEvalException($"no such overload: {m.Kind} on {TypeName(range)}"),
        };
        var had = _vars.TryGetValue(m.Var, out var saved);
        try
        {
            switch (m.Kind)
            {
                case "all":
                    {
                        CelEvalException? err = null;
                        foreach (var it in items)
                        {
                            _vars[m.Var] = it;
                            try
                            {
                                if (!Truth(Eval(m.Body), "all"))
                                {
                                    return false;
                                }
                            }
                            catch (CelEvalException ex)
                            {
                                err ??= ex;
                            }
                        }

                        return err == null ? true : throw err;
                    }

                case "exists":
                    {
                        CelEvalException? err = null;
                        foreach (var it in items)
                        {
                            _vars[m.Var] = it;
                            try
                            {
                                if (Truth(Eval(m.Body), "exists"))
                                {
                                    return true;
                                }
                            }
                            catch (CelEvalException ex)
                            {
                                err ??= ex;
                            }
                        }

                        return err == null ? false : throw err;
                    }

                case "exists_one":
                    {
                        var n = 0;
                        foreach (var it in items)
                        {
                            _vars[m.Var] = it;
                            if (Truth(Eval(m.Body), "exists_one"))
                            {
                                n++;
                            }
                        }

                        return n == 1;
                    }

                case "filter":
                    {
                        var result = new List<object?>();
                        foreach (var it in items)
                        {
                            _vars[m.Var] = it;
                            if (Truth(Eval(m.Body), "filter"))
                            {
                                result.Add(it);
                            }
                        }

                        return result;
                    }

                default:
                    {
                        var result = new List<object?>();
                        foreach (var it in items)
                        {
                            _vars[m.Var] = it;
                            if (m.Filter != null && !Truth(Eval(m.Filter), "map"))
                            {
                                continue;
                            }

                            result.Add(Eval(m.Body));
                        }

                        return result;
                    }
            }
        }
        finally
        {
            if (had)
            {
                _vars[m.Var] = saved;
            }
            else
            {
                _vars.Remove(m.Var);
            }
        }
    }

    private object? Call(CelCall c)
    {
        var target = c.Target == null ? null : Eval(c.Target);
        var args = c.Args.Select(Eval).ToList();
        if (c.Target == null)
        {
            return GlobalCall(c.Function, args);
        }

        return (c.Function, target, args.Count) switch
        {
            ("size", _, 0) => Size(target),
            ("contains", string s, 1) => s.Contains(Str(args[0]), StringComparison.Ordinal),
            ("startsWith", string s, 1) => s.StartsWith(Str(args[0]), StringComparison.Ordinal),
            ("endsWith", string s, 1) => s.EndsWith(Str(args[0]), StringComparison.Ordinal),
            ("matches", string s, 1) => Matches(s, Str(args[0])),
            ("lowerAscii", string s, 0) => s.ToLowerInvariant(),
            ("upperAscii", string s, 0) => s.ToUpperInvariant(),
            ("trim", string s, 0) => s.Trim(),
            ("split", string s, 1) => s.Split(Str(args[0])).Select(x => (object?)x).ToList(),
            ("indexOf", string s, 1) => (long)s.IndexOf(Str(args[0]), StringComparison.Ordinal),
            ("lastIndexOf", string s, 1) => (long)s.LastIndexOf(Str(args[0]), StringComparison.Ordinal),
            ("replace", string s, 2) => s.Replace(Str(args[0]), Str(args[1]), StringComparison.Ordinal),
            ("substring", string s, 1) => Substring(s, Int(args[0]), null),
            ("substring", string s, 2) => Substring(s, Int(args[0]), Int(args[1])),
            ("join", List<object?> l, 0) => string.Join("", l.Select(x => Str(x))),
            ("join", List<object?> l, 1) => string.Join(Str(args[0]), l.Select(x => Str(x))),
            ("isSorted", List<object?> l, 0) => l.Zip(l.Skip(1)).All(p => Compare(p.First, p.Second) <= 0),
            ("sum", List<object?> l, 0) => l.Aggregate((object?)0L, (a, x) => Add(a, x)),
            ("min", List<object?> l, 0) => l.Count == 0 ? throw new CelEvalException("min called on empty list") : l.Aggregate((a, x) => Compare(x, a) < 0 ? x : a),
            ("max", List<object?> l, 0) => l.Count == 0 ? throw new CelEvalException("max called on empty list") : l.Aggregate((a, x) => Compare(x, a) > 0 ? x : a),
            ("indexOf", List<object?> l, 1) => (long)l.FindIndex(x => CelEquals(x, args[0])),
            ("getSeconds", TimeSpan t, 0) => (long)t.TotalSeconds,
            ("getMinutes", TimeSpan t, 0) => (long)t.TotalMinutes,
            ("getHours", TimeSpan t, 0) => (long)t.TotalHours,
            ("getMilliseconds", TimeSpan t, 0) => (long)t.TotalMilliseconds,
            ("getFullYear", DateTimeOffset t, 0) => (long)t.UtcDateTime.Year,
            _ => throw new CelUnsupportedException($"function '{c.Function}' on {TypeName(target)} is not supported"),
        };
    }

    private static readonly Func<object?, object?, object?> Add = (a, b) => (a, b) switch
    {
        (long x, long y) => (object)checked(x + y),
        (long x, double y) => x + y,
        (double x, double y) => x + y,
        (double x, long y) => x + y,
        _ => throw new CelEvalException("no such overload: sum"),
    };

    private static string Substring(string s, long start, long? end)
    {
        var runes = s.EnumerateRunes().ToArray();
        var e = end ?? runes.Length;
        if (start < 0 || e > runes.Length || start > e)
        {
            throw new CelEvalException($"index out of range: {start}");
        }

        return string.Concat(runes[(int)start..(int)e].Select(r => r.ToString()));
    }

    private static object? GlobalCall(string fn, List<object?> args)
    {
        switch (fn, args.Count)
        {
            case ("size", 1): return Size(args[0]);
            case ("int", 1):
                return args[0] switch
                {
                    long l => l,
                    ulong u => checked((long)u),
                    double d => checked((long)Math.Truncate(d)),
                    string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new CelEvalException($"cannot convert '{s}' to int"),
                    DateTimeOffset t => t.ToUnixTimeSeconds(),
                    TimeSpan ts => (long)ts.TotalSeconds,
                    _ => throw new CelEvalException($"no such overload: int({TypeName(args[0])})"),
                };
            case ("uint", 1):
                return args[0] switch
                {
                    long l => checked((ulong)l),
                    ulong u => u,
                    double d => checked((ulong)Math.Truncate(d)),
                    string s => ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new CelEvalException($"cannot convert '{s}' to uint"),
                    _ => throw new CelEvalException($"no such overload: uint({TypeName(args[0])})"),
                };
            case ("double", 1):
                return args[0] switch
                {
                    long l => (double)l,
                    ulong u => (double)u,
                    double d => d,
                    string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new CelEvalException($"cannot convert '{s}' to double"),
                    _ => throw new CelEvalException($"no such overload: double({TypeName(args[0])})"),
                };
            case ("string", 1): return Str(args[0], convert: true);
            case ("bool", 1):
                return args[0] switch
                {
                    bool b => b,
                    string s when s is "true" or "True" or "TRUE" or "t" or "1" => true,
                    string s when s is "false" or "False" or "FALSE" or "f" or "0" => false,
                    _ => throw new CelEvalException($"no such overload: bool({TypeName(args[0])})"),
                };
            case ("dyn", 1): return args[0];
            case ("type", 1): return new CelTypeValue(TypeName(args[0]));
            case ("duration", 1):
                return args[0] is string ds ? ParseDuration(ds) ?? throw new CelEvalException($"invalid duration '{ds}'") : throw new CelEvalException("no such overload: duration");
            case ("timestamp", 1):
                return args[0] is string tsText && JsonUtil.TryParseTime(tsText, out var parsed) ? parsed : throw new CelEvalException($"invalid timestamp '{args[0]}'");
            case ("matches", 2): return Matches(Str(args[0]), Str(args[1]));
            default:
                throw new CelUnsupportedException($"function '{fn}' is not supported");
        }
    }

    private static bool Matches(string s, string pattern)
    {
        try
        {
            return Regex.IsMatch(s, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new CelEvalException($"invalid regular expression '{pattern}': {e.Message}");
        }
    }

    private static long Size(object? v) => v switch
    {
        string s => s.EnumerateRunes().Count(),
        byte[] b => b.Length,
        List<object?> l => l.Count,
        Dictionary<object, object?> m => m.Count,
        _ => throw new CelEvalException($"no such overload: size({TypeName(v)})"),
    };

    private static long Int(object? v) => v is long l ? l : throw new CelEvalException($"expected int, got {TypeName(v)}");

    private static string Str(object? v, bool convert = false) => v switch
    {
        string s => s,
        _ when !convert => throw new CelEvalException($"expected string, got {TypeName(v)}"),
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        TimeSpan t => FormatDuration(t),
        DateTimeOffset t => JsonUtil.Rfc3339(t),
        _ => throw new CelEvalException($"no such overload: string({TypeName(v)})"),
    };

    private static string FormatDuration(TimeSpan t) => t.TotalSeconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";

    /// <summary>Go's <c>time.ParseDuration</c> syntax: <c>1h30m</c>, <c>5m0s</c>, <c>300ms</c>, <c>-1.5h</c>.</summary>
    public static TimeSpan? ParseDuration(string s)
    {
        if (s == "0")
        {
            return TimeSpan.Zero;
        }

        var m = Regex.Match(s, @"^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$");
        if (!m.Success)
        {
            return null;
        }

        double ticks = 0;
        foreach (Match part in Regex.Matches(s, @"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)"))
        {
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += part.Groups[2].Value switch
            {
                "ns" => n / 100,
                "us" or "µs" => n * 10,
                "ms" => n * TimeSpan.TicksPerMillisecond,
                "s" => n * TimeSpan.TicksPerSecond,
                "m" => n * TimeSpan.TicksPerMinute,
                _ => n * TimeSpan.TicksPerHour,
            };
        }

        var span = TimeSpan.FromTicks((long)ticks);
        return m.Groups[1].Value == "-" ? -span : span;
    }

    private static bool Truth(object? v, string ctx) => v is bool b ? b : throw new CelEvalException($"no such overload: {ctx} expects bool, got {TypeName(v)}");

    public static bool CelEquals(object? a, object? b)
    {
        switch (a, b)
        {
            case (null, null): return true;
            case (null, _) or (_, null): return false;
            case (long x, long y): return x == y;
            case (long x, ulong y): return x >= 0 && (ulong)x == y;
            case (ulong x, long y): return y >= 0 && (ulong)y == x;
            case (long x, double y): return x == y;
            case (double x, long y): return x == y;
            case (ulong x, double y): return x == y;
            case (double x, ulong y): return x == y;
            case (List<object?> x, List<object?> y): return x.Count == y.Count && x.Zip(y).All(p => CelEquals(p.First, p.Second));
            case (Dictionary<object, object?> x, Dictionary<object, object?> y):
                return x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && CelEquals(p.Value, v));
            case (byte[] x, byte[] y): return x.AsSpan().SequenceEqual(y);
            default: return a.Equals(b);
        }
    }

    public static int Compare(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (ulong x, ulong y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        (long x, double y) => ((double)x).CompareTo(y),
        (double x, long y) => x.CompareTo(y),
        (long x, ulong y) => x < 0 ? -1 : ((ulong)x).CompareTo(y),
        (ulong x, long y) => y < 0 ? 1 : x.CompareTo((ulong)y),
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        (TimeSpan x, TimeSpan y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        _ => throw new CelEvalException($"no such overload: compare {TypeName(a)} and {TypeName(b)}"),
    };

    public static string TypeName(object? v) => v switch
    {
        null => "null_type",
        bool => "bool",
        long => "int",
        ulong => "uint",
        double => "double",
        string => "string",
        byte[] => "bytes",
        List<object?> => "list",
        Dictionary<object, object?> => "map",
        TimeSpan => "google.protobuf.Duration",
        DateTimeOffset => "google.protobuf.Timestamp",
        CelTypeValue => "type",
        _ => v.GetType().Name,
    };

    private static string Format(object? v) => v switch
    {
        string s => s,
        null => "null",
        _ => Str(v, convert: true),
    };

    /// <summary>Converts a JSON value to its CEL value under <paramref name="schema"/>.</summary>
    public static object? FromJson(JsonNode? n, StructuralSchema? schema)
    {
        switch (n)
        {
            case null:
                return null;
            case JsonObject o:
                {
                    var d = new Dictionary<object, object?>(CelKeyComparer.Instance);
                    foreach (var (k, v) in o)
                    {
                        var child = schema?.Property(k) ?? schema?.AdditionalProperties;
                        d[k] = FromJson(v, child);
                    }

                    return d;
                }

            case JsonArray a:
                return a.Select(x => FromJson(x, schema?.Items)).ToList();
            default:
                var jv = n.AsValue();
                switch (jv.GetValueKind())
                {
                    case JsonValueKind.String:
                        {
                            var s = jv.GetValue<string>();
                            if (schema?.Format == "date-time" && JsonUtil.TryParseTime(s, out var t))
                            {
                                return t;
                            }

                            if (schema?.Format == "duration" && ParseDuration(s) is { } dur)
                            {
                                return dur;
                            }

                            if (schema?.Format == "byte")
                            {
                                try
                                {
                                    return Convert.FromBase64String(s);
                                }
                                catch (FormatException)
                                {
                                    return s;
                                }
                            }

                            return s;
                        }

                    case JsonValueKind.True: return true;
                    case JsonValueKind.False: return false;
                    case JsonValueKind.Number:
                        if (schema?.Type == "number")
                        {
                            return JsonUtil.GetDouble(jv);
                        }

                        return JsonUtil.TryGetLong(jv, out var l) ? (object)l : JsonUtil.GetDouble(jv);
                    default:
                        return null;
                }
        }
    }

    /// <summary>Map keys compare by CEL value equality (so <c>1</c> and <c>1u</c> are one key).</summary>
    private sealed class CelKeyComparer : IEqualityComparer<object>
    {
        public static readonly CelKeyComparer Instance = new();

        public new bool Equals(object? x, object? y) => CelEquals(x, y);

        public int GetHashCode(object obj) => obj switch
        {
            long l => l.GetHashCode(),
            ulong u => ((long)u).GetHashCode(),
            double d when d == Math.Floor(d) => ((long)d).GetHashCode(),
            _ => obj.GetHashCode(),
        };
    }
}
