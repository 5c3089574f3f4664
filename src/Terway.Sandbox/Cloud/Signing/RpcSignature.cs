using System.Security.Cryptography;
using System.Text;

namespace Terway.Sandbox.Cloud.Signing;

/// <summary>
/// The RPC signature (<c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c>) as the server
/// recomputes it: every query and form parameter except <c>Signature</c>, percent-encoded, sorted
/// by encoded name in ordinal order, joined, encoded a second time into the string to sign.
/// </summary>
internal static class RpcSignature
{
    /// <summary>The canonicalized query string: <c>name=value</c> pairs sorted ordinally, joined by <c>&amp;</c>.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var encoded = new List<(string Name, string Value)>();
        foreach (var (name, value) in parameters)
        {
            if (name == "Signature")
            {
                continue;
            }

            encoded.Add((PercentEncoding.Encode(name), PercentEncoding.Encode(value)));
        }

        // Stable ordinal sort on the encoded name; repeated names keep their arrival order.
        var ordered = encoded
            .Select((p, i) => (p, i))
            .OrderBy(x => x.p.Name, StringComparer.Ordinal)
            .ThenBy(x => x.i)
            .Select(x => x.p.Name + "=" + x.p.Value);
        return string.Join('&', ordered);
    }

    /// <summary><c>METHOD&amp;%2F&amp;percentEncode(canonicalQuery)</c>.</summary>
    public static string StringToSign(string httpMethod, IEnumerable<KeyValuePair<string, string>> parameters) =>
        httpMethod + "&" + PercentEncoding.Encode("/") + "&" + PercentEncoding.Encode(CanonicalQuery(parameters));

    /// <summary>Base64(HMAC-SHA1(secret + "&amp;", stringToSign)).</summary>
    public static string Sign(string stringToSign, string accessKeySecret)
    {
        var key = Encoding.UTF8.GetBytes(accessKeySecret + "&");
#pragma warning disable CA5350 // The wire protocol (SignatureMethod=HMAC-SHA1) mandates SHA-1; this verifies it.
        var mac = HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(stringToSign));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    /// <summary>Constant-time comparison of the signature the client sent with the expected one.</summary>
    public static bool Matches(string expected, string provided) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(provided));
}
