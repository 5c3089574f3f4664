using System.Text;

namespace Terway.Sandbox.KubeApi.Selectors;

/// <summary>One <c>field=value</c> or <c>field!=value</c> term of a field selector.</summary>
internal sealed record FieldRequirement(string Field, bool Equal, string Value);

/// <summary>A parsed field selector (<c>?fieldSelector=</c>), checked against the fields a resource supports.</summary>
internal sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    private FieldSelector(IReadOnlyList<FieldRequirement> reqs) => Requirements = reqs;

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var r in Requirements)
        {
            fields.TryGetValue(r.Field, out var v);
            v ??= "";
            if ((v == r.Value) != r.Equal)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value the selector pins a field to with <c>=</c>, if any.</summary>
    public string? EqualValue(string field) => Requirements.FirstOrDefault(r => r.Field == field && r.Equal)?.Value;

    /// <summary>Parses the selector; throws <see cref="FormatException"/> with the real server's wording.</summary>
    public static FieldSelector Parse(string? text, Func<string, string?> normalizeField)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        var reqs = new List<FieldRequirement>();
        foreach (var part in SplitTerms(text))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var (lhs, op, rhs) = SplitTerm(part) ?? throw new FormatException($"invalid selector: '{text}'; can't understand '{part}'");
            var field = normalizeField(lhs) ?? throw new FormatException($"field label not supported: {lhs}");
            reqs.Add(new FieldRequirement(field, op != "!=", Unescape(rhs)));
        }

        return new FieldSelector(reqs);
    }

    private static IEnumerable<string> SplitTerms(string s)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                sb.Append(s[i]).Append(s[i + 1]);
                i++;
                continue;
            }

            if (s[i] == ',')
            {
                yield return sb.ToString();
                sb.Clear();
                continue;
            }

            sb.Append(s[i]);
        }

        yield return sb.ToString();
    }

    private static (string, string, string)? SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\')
            {
                i++;
                continue;
            }

            foreach (var op in new[] { "!=", "==", "=" })
            {
                if (string.CompareOrdinal(term, i, op, 0, op.Length) == 0)
                {
                    return (term[..i], op, term[(i + op.Length)..]);
                }
            }
        }

        return null;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
        }

        return sb.ToString();
    }
}
