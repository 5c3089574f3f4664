using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Credentials;
using Terway.Cloud.Metadata;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Credentials;

/// <summary>RRSA against a fake STS and the ECS RAM role against a fake IMDS, both on loopback.</summary>
[TestFixture]
public sealed class RemoteCredentialTests
{
    private static string RoleJson(int n, string expiration) =>
        $$"""{"AccessKeyId":"STS.ram{{n}}","AccessKeySecret":"ram-secret-{{n}}","Expiration":"{{expiration}}","SecurityToken":"ram-token-{{n}}","LastUpdated":"2026-05-01T00:00:00Z","Code":"Success"}""";

    [Test]
    public async Task Rrsa_AssumeRoleWithOidc_SendsAnonymousFormAndRefreshesBeforeExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        await using var sts = await FakeSts.StartAsync();
        sts.Now = time.GetUtcNow;
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.oidc-jwt-1.sig\n");
        using var handler = new SocketsHttpHandler();
        try
        {
            using var provider = new OidcRoleCredentialProvider(handler, sts.Address, "acs:ram::1:role/terway", "acs:ram::1:oidc-provider/ack-rrsa-c1", tokenFile, "terway-session", TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), time, NullLogger.Instance, TimeSpan.FromMinutes(3));

            var first = await provider.GetCredentialAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromMinutes(50));
            var stillCached = await provider.GetCredentialAsync(CancellationToken.None);
            await File.WriteAllTextAsync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.oidc-jwt-2.sig");
            time.Advance(TimeSpan.FromMinutes(8)); // 2 minutes before expiry
            var refreshed = await provider.GetCredentialAsync(CancellationToken.None);

            Assert.That((first.AccessKeyId, first.AccessKeySecret, first.SecurityToken), Is.EqualTo(("STS.key1", "sts-secret-1", "sts-token-1")));
            Assert.That(stillCached, Is.SameAs(first));
            Assert.That(refreshed.AccessKeyId, Is.EqualTo("STS.key2"));
            var calls = sts.Calls.ToList();
            Assert.That(calls, Has.Count.EqualTo(2));
            var (query, form, headers) = calls[0];
            Assert.Multiple(() =>
            {
                Assert.That(query["Action"].ToString(), Is.EqualTo("AssumeRoleWithOIDC"));
                Assert.That(query["Version"].ToString(), Is.EqualTo("2015-04-01"));
                Assert.That(query["Format"].ToString(), Is.EqualTo("JSON"));
                Assert.That(query["Timestamp"].ToString(), Is.EqualTo("2026-05-01T00:00:00Z"));
                Assert.That(query.ContainsKey("Signature"), Is.False, "AssumeRoleWithOIDC is anonymous");
                Assert.That(query.ContainsKey("AccessKeyId"), Is.False);
                Assert.That(headers.ContainsKey("Authorization"), Is.False);
                Assert.That(form["RoleArn"].ToString(), Is.EqualTo("acs:ram::1:role/terway"));
                Assert.That(form["OIDCProviderArn"].ToString(), Is.EqualTo("acs:ram::1:oidc-provider/ack-rrsa-c1"));
                Assert.That(form["OIDCToken"].ToString(), Is.EqualTo("eyJhbGciOiJSUzI1NiJ9.oidc-jwt-1.sig"));
                Assert.That(form["RoleSessionName"].ToString(), Is.EqualTo("terway-session"));
                Assert.That(form["DurationSeconds"].ToString(), Is.EqualTo("3600"));
                Assert.That(calls[1].Form["OIDCToken"].ToString(), Is.EqualTo("eyJhbGciOiJSUzI1NiJ9.oidc-jwt-2.sig"), "the rotated token file is re-read");
            });
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Test]
    public async Task Rrsa_StsRejects_ErrorCarriesCodeButNotTheOidcToken()
    {
        await using var sts = await FakeSts.StartAsync();
        sts.FailWithCode = "AuthenticationFail.OIDCToken.Invalid";
        var tokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(tokenFile, "secret-oidc-jwt");
        using var handler = new SocketsHttpHandler();
        try
        {
            using var provider = new OidcRoleCredentialProvider(handler, sts.Address, "role", "provider", tokenFile, "s", TimeSpan.FromHours(1), TimeSpan.FromSeconds(10), TimeProvider.System, NullLogger.Instance, TimeSpan.FromMinutes(3));

            var ex = await Assert.ThrowsAsync<CloudCredentialException>(async () => await provider.GetCredentialAsync(CancellationToken.None));

            Assert.That(ex!.Message, Does.Contain("AuthenticationFail.OIDCToken.Invalid"));
            Assert.That(ex.ToString(), Does.Not.Contain("secret-oidc-jwt"));
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Test]
    public async Task EcsRamRole_Imdsv2_DiscoversRoleUsesTokenAndRefreshes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        await using var imds = await FakeImds.StartAsync();
        imds.Items["ram/security-credentials/"] = "TerwayRole\n";
        imds.Items["ram/security-credentials/TerwayRole"] = RoleJson(1, "2026-05-01T06:00:00Z");
        using var handler = new SocketsHttpHandler();
        using var metadata = new InstanceMetadataClient(handler, false, imds.Address, time, TimeSpan.FromSeconds(10), NullLogger.Instance);
        using var provider = new EcsRamRoleCredentialProvider(metadata, null, time, NullLogger.Instance, TimeSpan.FromMinutes(3));

        var first = await provider.GetCredentialAsync(CancellationToken.None);
        imds.Items["ram/security-credentials/TerwayRole"] = RoleJson(2, "2026-05-01T12:00:00Z");
        time.Advance(TimeSpan.FromHours(5) + TimeSpan.FromMinutes(58));
        var second = await provider.GetCredentialAsync(CancellationToken.None);

        Assert.That((first.AccessKeyId, first.SecurityToken), Is.EqualTo(("STS.ram1", "ram-token-1")));
        Assert.That(second.AccessKeyId, Is.EqualTo("STS.ram2"));
        Assert.That(imds.Log.First(), Is.EqualTo("PUT /latest/api/token"));
        Assert.That(imds.Log.Count(l => l == "GET /latest/meta-data/ram/security-credentials/"), Is.EqualTo(1), "role name is discovered once");
        Assert.That(imds.TokenRequests, Is.EqualTo(2), "IMDS token (TTL 6 h) is renewed after half its TTL");
    }

    [Test]
    public async Task Metadata_TokenRejected_RenewsTokenAndRetriesOnce()
    {
        await using var imds = await FakeImds.StartAsync();
        imds.Items["region-id"] = "cn-hangzhou";
        using var handler = new SocketsHttpHandler();
        using var metadata = new InstanceMetadataClient(handler, false, imds.Address, TimeProvider.System, TimeSpan.FromSeconds(10), NullLogger.Instance);

        Assert.That(await metadata.GetValueAsync(MetadataPaths.RegionId), Is.EqualTo("cn-hangzhou"));
        imds.RejectNextToken = true;
        Assert.That(await metadata.GetValueAsync(MetadataPaths.RegionId), Is.EqualTo("cn-hangzhou"));

        Assert.That(imds.TokenRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task Metadata_MissingItem_ReturnsNullAndValueThrowsNotFound()
    {
        await using var imds = await FakeImds.StartAsync();
        using var handler = new SocketsHttpHandler();
        using var metadata = new InstanceMetadataClient(handler, false, imds.Address, TimeProvider.System, TimeSpan.FromSeconds(10), NullLogger.Instance);

        Assert.That(await metadata.GetAsync("network/interfaces/macs/00:16:3e:00:00:01/ipv6s"), Is.Null);
        var ex = await Assert.ThrowsAsync<Terway.Cloud.Errors.CloudApiException>(() => metadata.GetValueAsync("zone-id"));
        Assert.That(ex!.IsNotFound, Is.True);
    }

    [Test]
    public async Task Client_DefaultChainWithRamRole_SignsWithImdsCredentials()
    {
        await using var imds = await FakeImds.StartAsync();
        imds.Items["ram/security-credentials/"] = "TerwayRole";
        imds.Items["ram/security-credentials/TerwayRole"] = RoleJson(7, DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
        var api = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        using var routing = new RoutingHandler(api, imds.Address);

        var options = Harness.Options(o =>
        {
            o.Credentials.DisableEcsRamRole = false;
            o.Credentials.MetadataEndpoint = imds.Address;
        });
        using var client = AlibabaCloudClient.Create(options, credentials: null, handler: routing);
        await client.Ecs.DeleteNetworkInterfaceAsync("eni-1");

        var sent = api.Requests.Single();
        Assert.That(sent.Headers["x-acs-security-token"], Is.EqualTo("ram-token-7"));
        Assert.That(sent.Headers["authorization"], Does.StartWith("ACS3-HMAC-SHA256 Credential=STS.ram7,"));
        Assert.That(client.Credentials.Name, Is.EqualTo("ecs-ram-role"));
    }

    /// <summary>Sends loopback IMDS traffic to the real network and everything else to the fake API handler.</summary>
    private sealed class RoutingHandler(FakeHandler api, Uri imds) : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly HttpMessageInvoker _api = new(api);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.Authority == imds.Authority ? base.SendAsync(request, cancellationToken) : _api.SendAsync(request, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            _api.Dispose();
            base.Dispose(disposing);
        }
    }
}
