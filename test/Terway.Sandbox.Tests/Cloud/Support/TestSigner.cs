using System.Security.Cryptography;
using System.Text;

namespace Terway.Sandbox.Tests.Cloud.Support;

/// <summary>
/// A small signer for tests, written separately from the simulator's verifier (it encodes with
/// <see cref="Uri.EscapeDataString(string)"/>, which keeps exactly the RFC 3986 unreserved set), so
/// HTTP tests do not check the verifier against itself.
/// </summary>
internal static class TestSigner
{
    public static string Encode(string value) => Uri.EscapeDataString(value);

    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join("&", parameters
            .Select(p => (Name: Encode(p.Key), Value: Encode(p.Value)))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));

    public static string RpcSignature(string method, IEnumerable<KeyValuePair<string, string>> parameters, string secret)
    {
        var stringToSign = method + "&%2F&" + Encode(CanonicalQuery(parameters.Where(p => p.Key != "Signature")));
#pragma warning disable CA5350 // the protocol under test is HMAC-SHA1
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(secret + "&"));
#pragma warning restore CA5350
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
    }

    /// <summary>V3: returns the Authorization header for the given request pieces.</summary>
    public static string V3Authorization(
        string method,
        IEnumerable<KeyValuePair<string, string>> query,
        IReadOnlyDictionary<string, string> signedHeaders,
        string payloadHashHex,
        string accessKeyId,
        string secret)
    {
        var names = signedHeaders.Keys.Select(k => k.ToLowerInvariant()).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var lookup = signedHeaders.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value.Trim());
        var canonical = new StringBuilder()
            .Append(method).Append('\n')
            .Append('/').Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var n in names)
        {
            canonical.Append(n).Append(':').Append(lookup[n]).Append('\n');
        }

        canonical.Append('\n').Append(string.Join(";", names)).Append('\n').Append(payloadHashHex);
        var hashed = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))).ToLowerInvariant();
        var stringToSign = "ACS3-HMAC-SHA256\n" + hashed;
        var signature = Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(stringToSign))).ToLowerInvariant();
        return $"ACS3-HMAC-SHA256 Credential={accessKeyId},SignedHeaders={string.Join(";", names)},Signature={signature}";
    }

    public static string Sha256Hex(byte[] body) => Convert.ToHexString(SHA256.HashData(body)).ToLowerInvariant();
}
