using System.Security.Cryptography;
using System.Text;

namespace Terway.Cloud.Signing;

/// <summary>V3 signature, <c>ACS3-HMAC-SHA256</c> (reference §1b).</summary>
internal static class V3Signature
{
    public const string Algorithm = "ACS3-HMAC-SHA256";

    /// <summary>Hex SHA-256 of the empty body, the payload hash of every RPC-style call we make.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The canonical request and the semicolon-joined signed header names.</summary>
    public static (string CanonicalRequest, string SignedHeaders) CanonicalRequest(
        string httpMethod,
        string path,
        IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash)
    {
        // Signed headers: host, content-type and every x-acs-*; one entry per lowercase name,
        // repeated spellings merged with their values sorted and joined by ",".
        var merged = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            var lower = name.ToLowerInvariant();
            if (lower != "host" && lower != "content-type" && !lower.StartsWith("x-acs-", StringComparison.Ordinal))
            {
                continue;
            }

            if (!merged.TryGetValue(lower, out var values))
            {
                values = [];
                merged[lower] = values;
            }

            values.Add((value ?? string.Empty).Trim());
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var (name, values) in merged)
        {
            values.Sort(StringComparer.Ordinal);
            canonicalHeaders.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        }

        var signedHeaders = string.Join(';', merged.Keys);
        var canonicalQuery = QueryParameters.Canonicalize(query);
        var request = new StringBuilder(512)
            .Append(httpMethod.ToUpperInvariant()).Append('\n')
            .Append(string.IsNullOrEmpty(path) ? "/" : path).Append('\n')
            .Append(canonicalQuery).Append('\n')
            .Append(canonicalHeaders).Append('\n')
            .Append(signedHeaders).Append('\n')
            .Append(payloadHash)
            .ToString();
        return (request, signedHeaders);
    }

    public static string HashHex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string HashHex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string StringToSign(string canonicalRequest) => Algorithm + "\n" + HashHex(canonicalRequest);

    /// <summary>Lowercase hex HMAC-SHA256 keyed with the bare secret (no "&amp;").</summary>
    public static string Sign(string stringToSign, string accessKeySecret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKeySecret), Encoding.UTF8.GetBytes(stringToSign)));

    public static string Authorization(string accessKeyId, string signedHeaders, string signature) =>
        Algorithm + " Credential=" + accessKeyId + ",SignedHeaders=" + signedHeaders + ",Signature=" + signature;
}
