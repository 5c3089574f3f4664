using System.Security.Cryptography;
using System.Text;

namespace Terway.Cloud.Signing;

/// <summary>
/// RPC signature, <c>SignatureMethod=HMAC-SHA1</c>, <c>SignatureVersion=1.0</c> (reference §1a).
/// </summary>
internal static class RpcSignature
{
    public const string Method = "HMAC-SHA1";
    public const string Version = "1.0";

    /// <summary>The canonicalized query string over all query and form parameters except <c>Signature</c>.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters) =>
        QueryParameters.Canonicalize(parameters.Where(p => !string.Equals(p.Key, "Signature", StringComparison.Ordinal)));

    /// <summary><c>METHOD&amp;%2F&amp;encode(canonical)</c>: the canonical string is encoded a second time.</summary>
    public static string StringToSign(string httpMethod, string canonicalQuery) =>
        httpMethod + "&" + PercentEncoder.Encode("/") + "&" + PercentEncoder.Encode(canonicalQuery);

    /// <summary>Base64(HMAC-SHA1(secret + "&amp;", stringToSign)).</summary>
    public static string Sign(string stringToSign, string accessKeySecret)
    {
        var key = Encoding.UTF8.GetBytes(accessKeySecret + "&");
#pragma warning disable CA5350 // HMAC-SHA1 is mandated by the RPC signature protocol, not chosen by us.
        var mac = HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(stringToSign));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }
}
