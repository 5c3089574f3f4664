using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>
/// The operation parameters of one call with the typed readers the handlers use. Names are
/// case-sensitive as on the wire; an empty value counts as absent. Malformed values are rejected
/// with <c>InvalidParameter</c>, absent required ones with <c>MissingParameter</c>.
/// </summary>
internal sealed partial class ApiParameters(IReadOnlyDictionary<string, string> values)
{
    public IReadOnlyDictionary<string, string> Values { get; } = values;

    public string? Get(string name) => Values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public string Required(string name) => Get(name) ?? throw CloudErrors.MissingParameter(name);

    public int? Int(string name, int min, int max)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        {
            throw CloudErrors.InvalidParameter(name, $"It must be an integer from {min} to {max}.");
        }

        return v;
    }

    /// <summary>An integer without range check beyond being a valid 32-bit number (for clamped values like MaxResults).</summary>
    public int? RawInt(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw CloudErrors.InvalidParameter(name, "It must be an integer.");
    }

    public bool? Bool(string name)
    {
        var text = Get(name);
        return text switch
        {
            null => null,
            _ when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            _ when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw CloudErrors.InvalidParameter(name, "It must be true or false."),
        };
    }

    /// <summary>One of <paramref name="allowed"/> (exact spelling), or null.</summary>
    public string? OneOf(string name, params string[] allowed)
    {
        var text = Get(name);
        if (text is null || allowed.Contains(text, StringComparer.Ordinal))
        {
            return text;
        }

        throw CloudErrors.InvalidParameter(name, "Allowed values: " + string.Join(", ", allowed) + ".");
    }

    /// <summary>A repeated parameter <c>Name.N</c> (N from 1 to <paramref name="maxN"/>), ordered by N.</summary>
    public IReadOnlyList<string> List(string name, int maxN)
    {
        var found = new SortedDictionary<int, string>();
        var prefix = name + ".";
        foreach (var (key, value) in Values)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var suffix = key[prefix.Length..];
            if (!int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || suffix[0] == '0')
            {
                continue;
            }

            if (n < 1 || n > maxN)
            {
                throw CloudErrors.InvalidParameter(key, $"N must be from 1 to {maxN}.");
            }

            if (value.Length > 0)
            {
                found[n] = value;
            }
        }

        return found.Values.ToList();
    }

    /// <summary>
    /// <c>Tag.N.Key</c>/<c>Tag.N.Value</c> pairs ordered by N; a value without a key is malformed.
    /// A null value means the value was not given.
    /// </summary>
    public IReadOnlyList<(int N, string Key, string? Value)> Tags(string name = "Tag")
    {
        var keys = new SortedDictionary<int, (string? Key, string? Value)>();
        foreach (var (key, value) in Values)
        {
            var m = TagPattern().Match(key);
            if (!m.Success || m.Groups[1].Value != name)
            {
                continue;
            }

            var n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            keys.TryGetValue(n, out var entry);
            keys[n] = m.Groups[3].Value == "Key" ? (value, entry.Value) : (entry.Key, value);
        }

        var result = new List<(int, string, string?)>();
        foreach (var (n, (key, value)) in keys)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw CloudErrors.InvalidTagKey(key ?? string.Empty);
            }

            result.Add((n, key, value));
        }

        return result;
    }

    /// <summary>A parameter holding a JSON array of strings (DescribeInstances <c>InstanceIds</c>).</summary>
    public IReadOnlyList<string> JsonStringArray(string name, int max)
    {
        var text = Get(name);
        if (text is null)
        {
            return [];
        }

        try
        {
            var items = JsonSerializer.Deserialize<List<string>>(text);
            if (items is null || items.Count > max || items.Any(string.IsNullOrEmpty))
            {
                throw CloudErrors.InvalidParameter(name, $"It must be a JSON array of at most {max} strings.");
            }

            return items;
        }
        catch (JsonException)
        {
            throw CloudErrors.InvalidParameter(name, "It must be a JSON array of strings, e.g. [\"i-a\",\"i-b\"].");
        }
    }

    /// <summary>
    /// The request's identity for idempotency: every parameter except <c>ClientToken</c>, sorted.
    /// Two calls with one token are "the same request" when these are equal.
    /// </summary>
    public string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in Values.Where(p => p.Key != "ClientToken").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(k).Append('=').Append(v).Append('\n');
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"^(\w+)\.([1-9][0-9]*)\.(Key|Value)$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
