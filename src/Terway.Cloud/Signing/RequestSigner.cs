using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Terway.Cloud.Credentials;

namespace Terway.Cloud.Signing;

/// <summary>Turns operation parameters into a signed HTTP request; every call gets a fresh nonce and timestamp.</summary>
internal static class RequestSigner
{
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Builds <c>POST /?...</c> with all parameters in the query and an empty body, as both official SDKs send RPC-style calls.</summary>
    public static HttpRequestMessage Build(
        SignatureAlgorithm algorithm,
        Uri endpoint,
        string action,
        string version,
        IReadOnlyList<KeyValuePair<string, string>> parameters,
        CloudCredential credential,
        DateTimeOffset now,
        string nonce)
    {
        return algorithm == SignatureAlgorithm.RpcHmacSha1
            ? BuildRpc(endpoint, action, version, parameters, credential, now, nonce)
            : BuildV3(endpoint, action, version, parameters, credential, now, nonce);
    }

    private static HttpRequestMessage BuildRpc(Uri endpoint, string action, string version, IReadOnlyList<KeyValuePair<string, string>> parameters, CloudCredential credential, DateTimeOffset now, string nonce)
    {
        var all = new List<KeyValuePair<string, string>>(parameters.Count + 10);
        all.AddRange(parameters);
        all.Add(new("Action", action));
        all.Add(new("Version", version));
        all.Add(new("Format", "JSON"));
        all.Add(new("AccessKeyId", credential.AccessKeyId));
        all.Add(new("SignatureMethod", RpcSignature.Method));
        all.Add(new("SignatureVersion", RpcSignature.Version));
        all.Add(new("SignatureNonce", nonce));
        all.Add(new("Timestamp", FormatTimestamp(now)));
        if (credential.SecurityToken is { } token)
        {
            all.Add(new("SecurityToken", token));
        }

        var canonical = RpcSignature.CanonicalQuery(all);
        var signature = RpcSignature.Sign(RpcSignature.StringToSign("POST", canonical), credential.AccessKeySecret);
        var query = canonical + "&Signature=" + PercentEncoder.Encode(signature);
        return new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, "/?" + query))
        {
            Content = new ByteArrayContent([]),
        };
    }

    private static HttpRequestMessage BuildV3(Uri endpoint, string action, string version, IReadOnlyList<KeyValuePair<string, string>> parameters, CloudCredential credential, DateTimeOffset now, string nonce)
    {
        var headers = new List<KeyValuePair<string, string>>(8)
        {
            new("host", endpoint.Authority),
            new("x-acs-action", action),
            new("x-acs-version", version),
            new("x-acs-date", FormatTimestamp(now)),
            new("x-acs-signature-nonce", nonce),
            new("x-acs-content-sha256", V3Signature.EmptyPayloadHash),
        };
        if (credential.SecurityToken is { } token)
        {
            headers.Add(new("x-acs-security-token", token));
            headers.Add(new("x-acs-accesskey-id", credential.AccessKeyId));
        }

        var (canonicalRequest, signedHeaders) = V3Signature.CanonicalRequest("POST", "/", parameters, headers, V3Signature.EmptyPayloadHash);
        var signature = V3Signature.Sign(V3Signature.StringToSign(canonicalRequest), credential.AccessKeySecret);
        var query = QueryParameters.Canonicalize(parameters);
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, query.Length == 0 ? "/" : "/?" + query))
        {
            Content = new ByteArrayContent([]),
        };
        foreach (var (name, value) in headers)
        {
            if (name != "host")
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        message.Headers.TryAddWithoutValidation("Authorization", V3Signature.Authorization(credential.AccessKeyId, signedHeaders, signature));
        return message;
    }

    /// <summary>Encodes form fields as <c>application/x-www-form-urlencoded</c> with the signing percent-encoding.</summary>
    public static string FormBody(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(PercentEncoder.Encode(name)).Append('=').Append(PercentEncoder.Encode(value));
        }

        return builder.ToString();
    }
}
