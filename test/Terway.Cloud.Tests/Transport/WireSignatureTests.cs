using System.Security.Cryptography;
using System.Text;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Transport;

/// <summary>
/// Checks what goes on the wire the way a server would: rebuild the string-to-sign from the received
/// request (decoded query and headers) with a small verifier written here, not with the client's signer.
/// </summary>
[TestFixture]
public sealed class WireSignatureTests
{
    private static string Enc(string s) => Uri.EscapeDataString(s).Replace("!", "%21", StringComparison.Ordinal).Replace("'", "%27", StringComparison.Ordinal)
        .Replace("(", "%28", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal).Replace("*", "%2A", StringComparison.Ordinal);

    private static string Canonical(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join("&", query.Select(p => (Enc(p.Key), Enc(p.Value))).OrderBy(p => p.Item1, StringComparer.Ordinal).Select(p => p.Item1 + "=" + p.Item2));

    private static readonly CreateNetworkInterfaceRequest Request = new()
    {
        VSwitchId = "vsw-1",
        SecurityGroupIds = ["sg-1", "sg-2"],
        Description = "interface create by terway (pod ns/name*!)",
        Tags = [new("k8s.aliyun.com/pod", "ns/name with space"), new("é", "~")],
        ClientToken = "t",
    };

    [Test]
    public async Task V3Request_ServerSideRecomputation_MatchesAuthorization()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1"}"""));
        using var client = Harness.Client(handler, o => o.EcsEndpoint = new Uri("http://127.0.0.1:8080/"), credentials: CloudCredentialProviders.Static("STS.id", "sts-secret", "sts-token"));

        await client.Ecs.CreateNetworkInterfaceAsync(Request);

        var r = handler.Requests.Single();
        Assert.That(r.Method, Is.EqualTo("POST"));
        Assert.That(r.Uri.AbsolutePath, Is.EqualTo("/"));
        Assert.That(r.Body, Is.Empty);
        var auth = r.Headers["authorization"];
        Assert.That(auth, Does.Match("^ACS3-HMAC-SHA256 Credential=STS\\.id,SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$"));
        var signedHeaders = auth.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        Assert.That(signedHeaders, Is.EquivalentTo(new[] { "host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-security-token", "x-acs-accesskey-id" }));
        Assert.That(r.Headers["x-acs-date"], Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        Assert.That(r.Headers["x-acs-signature-nonce"], Does.Match("^[0-9a-f]{32}$"));

        var headerValue = new Dictionary<string, string>(r.Headers) { ["host"] = "127.0.0.1:8080" };
        var canonicalRequest = "POST\n/\n" + Canonical(r.Query) + "\n"
            + string.Concat(signedHeaders.Order(StringComparer.Ordinal).Select(h => h + ":" + headerValue[h].Trim() + "\n")) + "\n"
            + string.Join(";", signedHeaders) + "\n" + Convert.ToHexStringLower(SHA256.HashData([]));
        var stringToSign = "ACS3-HMAC-SHA256\n" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData("sts-secret"u8.ToArray(), Encoding.UTF8.GetBytes(stringToSign)));
        Assert.That(auth.Split("Signature=")[1], Is.EqualTo(expected));
        Assert.That(r.Query["Tag.1.Value"], Is.EqualTo("ns/name with space"));
        Assert.That(r.Query["Tag.2.Key"], Is.EqualTo("é"));
    }

    [Test]
    public async Task RpcRequest_ServerSideRecomputation_MatchesSignatureParameter()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1"}"""));
        using var client = Harness.Client(handler, o => o.SignatureAlgorithm = SignatureAlgorithm.RpcHmacSha1, credentials: CloudCredentialProviders.Static("STS.id", "sts-secret", "sts-token"));

        await client.Ecs.CreateNetworkInterfaceAsync(Request);

        var r = handler.Requests.Single();
        var q = r.Query;
        Assert.Multiple(() =>
        {
            Assert.That(r.Method, Is.EqualTo("POST"));
            Assert.That(q["Action"], Is.EqualTo("CreateNetworkInterface"));
            Assert.That(q["Version"], Is.EqualTo("2014-05-26"));
            Assert.That(q["Format"], Is.EqualTo("JSON"));
            Assert.That(q["AccessKeyId"], Is.EqualTo("STS.id"));
            Assert.That(q["SecurityToken"], Is.EqualTo("sts-token"));
            Assert.That(q["SignatureMethod"], Is.EqualTo("HMAC-SHA1"));
            Assert.That(q["SignatureVersion"], Is.EqualTo("1.0"));
            Assert.That(q["Timestamp"], Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
            Assert.That(r.Headers.ContainsKey("authorization"), Is.False);
        });
        var unsigned = q.Where(p => p.Key != "Signature");
        var stringToSign = "POST&%2F&" + Enc(Canonical(unsigned));
#pragma warning disable CA5350 // The protocol under test uses HMAC-SHA1.
        var expected = Convert.ToBase64String(HMACSHA1.HashData("sts-secret&"u8.ToArray(), Encoding.UTF8.GetBytes(stringToSign)));
#pragma warning restore CA5350
        Assert.That(q["Signature"], Is.EqualTo(expected));
        Assert.That(r.RawQuery, Does.Contain("Signature=" + Enc(expected)));
    }
}
