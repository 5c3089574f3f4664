using System.Security.Cryptography;
using System.Text;

namespace Terway.Sandbox.Cloud.Signing;

/// <summary>
/// The V3 signature (<c>ACS3-HMAC-SHA256</c>) as the server recomputes it from the request line,
/// the query, the headers the client lists in <c>SignedHeaders</c> and the payload hash.
/// </summary>
internal static class AcsV3Signature
{
    /// <summary>The algorithm name that starts the <c>Authorization</c> header and the string to sign.</summary>
    public const string Algorithm = "ACS3-HMAC-SHA256";

    /// <summary>SHA-256 of the empty body, lowercase hex.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Builds the canonical request. <paramref name="headers"/> maps a header name (any case) to its
    /// values; only the names in <paramref name="signedHeaders"/> (lowercase) are included, values
    /// trimmed, several values of one header sorted and joined by a comma.
    /// </summary>
    public static string CanonicalRequest(
        string httpMethod,
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> headers,
        IReadOnlyList<string> signedHeaders,
        string payloadHash)
    {
        var sb = new StringBuilder();
        sb.Append(httpMethod).Append('\n');
        sb.Append(string.IsNullOrEmpty(path) ? "/" : path).Append('\n');
        sb.Append(CanonicalQuery(query)).Append('\n');

        var merged = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in headers)
        {
            var lower = name.ToLowerInvariant();
            if (!merged.TryGetValue(lower, out var list))
            {
                list = [];
                merged[lower] = list;
            }

            list.AddRange(values.Select(v => v.Trim()));
        }

        foreach (var name in signedHeaders.OrderBy(n => n, StringComparer.Ordinal))
        {
            merged.TryGetValue(name, out var values);
            var joined = values is null ? string.Empty : string.Join(',', values.OrderBy(v => v, StringComparer.Ordinal));
            sb.Append(name).Append(':').Append(joined).Append('\n');
        }

        sb.Append('\n');
        sb.Append(string.Join(';', signedHeaders.OrderBy(n => n, StringComparer.Ordinal))).Append('\n');
        sb.Append(payloadHash);
        return sb.ToString();
    }

    /// <summary>Every query parameter, name and value percent-encoded, sorted by name ordinally.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .Select((p, i) => (Name: PercentEncoding.Encode(p.Key), Value: PercentEncoding.Encode(p.Value), i))
            .OrderBy(x => x.Name, StringComparer.Ordinal)
            .ThenBy(x => x.i)
            .Select(x => x.Name + "=" + x.Value));

    /// <summary><c>ACS3-HMAC-SHA256\n</c> + hex(SHA-256(canonical request)).</summary>
    public static string StringToSign(string canonicalRequest) =>
        Algorithm + "\n" + HexSha256(Encoding.UTF8.GetBytes(canonicalRequest));

    /// <summary>Lowercase hex HMAC-SHA256 keyed with the bare secret.</summary>
    public static string Sign(string stringToSign, string accessKeySecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Lowercase hex SHA-256.</summary>
    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Constant-time comparison; hex case is not significant.</summary>
    public static bool Matches(string expected, string provided) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(expected.ToLowerInvariant()),
            Encoding.ASCII.GetBytes(provided.ToLowerInvariant()));

    /// <summary>
    /// Parses <c>ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex</c>. Returns false
    /// when the header does not have exactly that shape.
    /// </summary>
    public static bool TryParseAuthorization(string header, out V3Authorization authorization)
    {
        authorization = default;
        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return false;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[(Algorithm.Length + 1)..].Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return false;
            }

            var key = part[..eq];
            var value = part[(eq + 1)..];
            switch (key)
            {
                case "Credential" when credential is null:
                    credential = value;
                    break;
                case "SignedHeaders" when signedHeaders is null:
                    signedHeaders = value;
                    break;
                case "Signature" when signature is null:
                    signature = value;
                    break;
                default:
                    return false;
            }
        }

        if (string.IsNullOrEmpty(credential) || string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var names = signedHeaders.Split(';');
        if (names.Any(n => n.Length == 0 || n.Any(char.IsUpper) || n.Any(char.IsWhiteSpace)))
        {
            return false;
        }

        authorization = new V3Authorization(credential, names, signature);
        return true;
    }
}

/// <summary>The three fields of a V3 <c>Authorization</c> header.</summary>
internal readonly record struct V3Authorization(string AccessKeyId, IReadOnlyList<string> SignedHeaders, string Signature);
