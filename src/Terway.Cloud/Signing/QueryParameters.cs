using System.Text;

namespace Terway.Cloud.Signing;

/// <summary>Builds canonical and wire query strings from name/value pairs.</summary>
internal static class QueryParameters
{
    /// <summary>
    /// Sorts by percent-encoded name in ordinal (byte) order and joins <c>name=value</c> with <c>&amp;</c>.
    /// The same canonical form serves the RPC string-to-sign and the V3 canonical query string.
    /// </summary>
    public static string Canonicalize(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var encoded = new List<(string Name, string Value)>();
        foreach (var (name, value) in parameters)
        {
            encoded.Add((PercentEncoder.Encode(name), PercentEncoder.Encode(value ?? string.Empty)));
        }

        // Stable ordinal sort: parameter names are unique in practice; ties keep insertion order.
        var sorted = encoded
            .Select((p, i) => (p.Name, p.Value, i))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.i);
        var builder = new StringBuilder(256);
        foreach (var (name, value, _) in sorted)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(name).Append('=').Append(value);
        }

        return builder.ToString();
    }
}
