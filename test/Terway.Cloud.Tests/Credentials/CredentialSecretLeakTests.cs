using System.Net;
using Terway.Cloud.Errors;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Credentials;

/// <summary>The RRSA and ECS RAM role paths, end to end with failures, log no OIDC token, STS secret, STS token or IMDS token.</summary>
[TestFixture]
public sealed class CredentialSecretLeakTests
{
    private static FakeHandler FlakyApi()
    {
        var n = 0;
        return new FakeHandler(_ => (n++ % 3) switch
        {
            0 => FakeHandler.Error("InvalidSecurityToken.Expired", HttpStatusCode.BadRequest, "expired"),
            1 => FakeHandler.Error("Forbidden.RAM", HttpStatusCode.Forbidden, "denied"),
            _ => FakeHandler.Json("""{"RequestId":"R"}"""),
        });
    }

    private static async Task CallsWithFailures(AlibabaCloudClient client)
    {
        for (var i = 0; i < 3; i++)
        {
            try
            {
                await client.Ecs.DeleteNetworkInterfaceAsync("eni-" + i);
            }
            catch (CloudApiException)
            {
                // Failures are part of the path whose logs are checked.
            }
        }
    }

    [Test]
    public async Task RrsaChain_CallsAndFailures_LogNoCredentialMaterial()
    {
        await using var sts = await FakeSts.StartAsync();
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "oidc-jwt-must-not-leak");
        var logs = new CapturingLoggerFactory();
        var api = FlakyApi();
        try
        {
            var env = new Dictionary<string, string>
            {
                ["ALIBABA_CLOUD_ROLE_ARN"] = "acs:ram::1:role/terway",
                ["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"] = "acs:ram::1:oidc-provider/p",
                ["ALIBABA_CLOUD_OIDC_TOKEN_FILE"] = tokenFile,
                ["ALIBABA_CLOUD_STS_ENDPOINT"] = sts.Address.ToString(),
            };
            using var routing = new SplitHandler(api, sts.Address);
            var options = Harness.Options(o => o.Environment = k => env.GetValueOrDefault(k));
            using var client = AlibabaCloudClient.Create(options, credentials: null, handler: routing, loggerFactory: logs);

            await CallsWithFailures(client);

            Assert.That(sts.Issued, Is.GreaterThanOrEqualTo(2), "the expired token was replaced");
            Assert.That(api.Requests.Select(r => r.Headers["x-acs-security-token"]).Distinct().Count(), Is.GreaterThanOrEqualTo(2));
            var text = logs.AllText;
            Assert.That(text, Does.Contain("rrsa"));
            foreach (var secret in new[] { "oidc-jwt-must-not-leak", "sts-secret-1", "sts-secret-2", "sts-token-1", "sts-token-2" })
            {
                Assert.That(text, Does.Not.Contain(secret));
            }
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Test]
    public async Task RamRoleChain_CallsAndFailures_LogNoCredentialOrImdsToken()
    {
        await using var imds = await FakeImds.StartAsync();
        imds.Items["ram/security-credentials/"] = "Role";
        imds.Items["ram/security-credentials/Role"] = """{"AccessKeyId":"STS.r","AccessKeySecret":"ram-secret-x","SecurityToken":"ram-token-x","Expiration":"2099-01-01T00:00:00Z","Code":"Success"}""";
        var logs = new CapturingLoggerFactory();
        var api = FlakyApi();
        using var routing = new SplitHandler(api, imds.Address);
        var options = Harness.Options(o =>
        {
            o.Credentials.DisableEcsRamRole = false;
            o.Credentials.MetadataEndpoint = imds.Address;
        });
        using var client = AlibabaCloudClient.Create(options, credentials: null, handler: routing, loggerFactory: logs);

        await CallsWithFailures(client);

        var text = logs.AllText;
        Assert.That(text, Does.Contain("ecs-ram-role"));
        foreach (var secret in new[] { "ram-secret-x", "ram-token-x", "imds-token-" })
        {
            Assert.That(text, Does.Not.Contain(secret));
        }
    }

    /// <summary>Loopback traffic to one real server, everything else to the fake API.</summary>
    private sealed class SplitHandler(FakeHandler api, Uri real) : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly HttpMessageInvoker _api = new(api);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.Authority == real.Authority ? base.SendAsync(request, cancellationToken) : _api.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            _api.Dispose();
            base.Dispose(disposing);
        }
    }
}
