using System.Net;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Transport;

/// <summary>Secrets (AccessKey secret, STS token, OIDC token, signatures) never reach a log line, exception or ToString.</summary>
[TestFixture]
public sealed class SecretLeakTests
{
    private const string Secret = "SeCrEt/Value+With=Chars";
    private const string Token = "CAIS-security/token+value==";

    [TestCase(SignatureAlgorithm.V3HmacSha256)]
    [TestCase(SignatureAlgorithm.RpcHmacSha1)]
    public async Task FullCallPath_SuccessesAndFailures_LeakNoSecret(SignatureAlgorithm algorithm)
    {
        var logs = new CapturingLoggerFactory();
        var signatures = new List<string>();
        var step = 0;
        var handler = new FakeHandler(r =>
        {
            signatures.Add(r.Headers.TryGetValue("authorization", out var auth) ? auth.Split("Signature=")[1] : r.Query["Signature"]);
            // The server echoes what it saw, as SignatureDoesNotMatch does, including the token.
            var echoed = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecurityToken%3D" + Uri.EscapeDataString(Uri.EscapeDataString(Token)) + " raw " + Token + " secret " + Secret;
            return (step++ % 4) switch
            {
                0 => FakeHandler.Json("""{"RequestId":"R","Code":"SignatureDoesNotMatch","Message":""" + System.Text.Json.JsonSerializer.Serialize(echoed) + "}", HttpStatusCode.BadRequest),
                1 => FakeHandler.Text("<html>bad gateway " + Token + "</html>", "text/html", HttpStatusCode.BadGateway),
                2 => FakeHandler.Json("""{"RequestId":"R","Code":"Throttling","Message":"slow down"}""", HttpStatusCode.BadRequest),
                _ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1"}"""),
            };
        });
        var credentials = CloudCredentialProviders.Static("STS.leaktest", Secret, Token);
        using var client = Harness.Client(handler, o =>
        {
            o.SignatureAlgorithm = algorithm;
            o.Retry.MaxRetries = 0;
        }, logs: logs, credentials: credentials);

        var failures = new List<Exception>();
        for (var i = 0; i < 4; i++)
        {
            try
            {
                await client.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = "vsw", SecurityGroupIds = ["sg"] });
            }
            catch (CloudApiException ex)
            {
                failures.Add(ex);
            }
        }

        Assert.That(failures, Has.Count.EqualTo(3));
        Assert.That(logs.Lines, Is.Not.Empty);
        var everything = logs.AllText + "\n" + string.Join("\n", failures.Select(f => f.ToString())) + "\n" + credentials.ToString() + "\n"
            + (await credentials.GetCredentialAsync(CancellationToken.None)).ToString();
        var forbidden = new[] { Secret, Token, PercentEncoder.Encode(Secret), PercentEncoder.Encode(Token), PercentEncoder.Encode(PercentEncoder.Encode(Token)) }
            .Concat(signatures)
            .Concat(signatures.Select(PercentEncoder.Encode));
        foreach (var secret in forbidden)
        {
            Assert.That(everything, Does.Not.Contain(secret), $"leaked: {secret}");
        }

        Assert.That(everything, Does.Contain("SignatureDoesNotMatch"), "the error itself is still reported");
        Assert.That(everything, Does.Contain("STS.leaktest"), "the AccessKey ID is not secret and helps debugging");
    }

    [Test]
    public async Task CredentialFailure_DuringCall_IsTypedAuthErrorWithoutSecrets()
    {
        var logs = new CapturingLoggerFactory();
        using var client = Harness.Client(new FakeHandler(_ => FakeHandler.Json("{}")), logs: logs, credentials: new FailingProvider());

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.DeleteNetworkInterfaceAsync("eni-1"));

        Assert.That(ex!.Kind, Is.EqualTo(CloudErrorKind.Auth));
        Assert.That(ex.Code, Is.EqualTo(ClientErrorCodes.CredentialsUnavailable));
        Assert.That(logs.AllText + ex, Does.Not.Contain("hidden-secret"));
    }

    private sealed class FailingProvider : ICloudCredentialProvider
    {
        public string Name => "failing";

        public ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken) =>
            throw new CloudCredentialException(Name, "STS unreachable");

        public void Invalidate(CloudCredential credential)
        {
            _ = new CloudCredential("x", "hidden-secret");
        }
    }
}
