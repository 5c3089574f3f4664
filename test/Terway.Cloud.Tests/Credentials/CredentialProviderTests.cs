using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Credentials;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Credentials;

[TestFixture]
public sealed class CredentialProviderTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "terway-cloud-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Func<string, string?> Env(params (string Key, string Value)[] vars)
    {
        var map = vars.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        return k => map.GetValueOrDefault(k);
    }

    [Test]
    public async Task Environment_AccessKeyAndToken_ProducesStsCredential()
    {
        var provider = new EnvironmentCredentialProvider(Env(("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sec"), ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok")));

        var credential = await provider.GetCredentialAsync(CancellationToken.None);

        Assert.That((credential.AccessKeyId, credential.AccessKeySecret, credential.SecurityToken), Is.EqualTo(("id", "sec", "tok")));
    }

    [Test]
    public async Task Environment_LegacyTerwayNames_AreAccepted()
    {
        var provider = new EnvironmentCredentialProvider(Env(("ALICLOUD_ACCESS_KEY", "legacy-id"), ("ALICLOUD_SECRET_KEY", "legacy-sec")));

        var credential = await provider.GetCredentialAsync(CancellationToken.None);

        Assert.That(credential.AccessKeyId, Is.EqualTo("legacy-id"));
        Assert.That(credential.SecurityToken, Is.Null);
    }

    [Test]
    public void Environment_Unset_ThrowsCredentialException()
    {
        var provider = new EnvironmentCredentialProvider(Env());

        Assert.That(async () => await provider.GetCredentialAsync(CancellationToken.None), Throws.TypeOf<CloudCredentialException>());
    }

    [Test]
    public async Task File_JsonWithExpiration_IsReReadBeforeExpiry()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_dir, "token.json");
        await File.WriteAllTextAsync(path, """{"AccessKeyId":"STS.a","AccessKeySecret":"s1","SecurityToken":"t1","Expiration":"2026-05-01T01:00:00Z"}""");
        using var provider = new CredentialsFileProvider(path, "default", time, NullLogger.Instance, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(30));

        var first = await provider.GetCredentialAsync(CancellationToken.None);
        await File.WriteAllTextAsync(path, """{"AccessKeyId":"STS.b","AccessKeySecret":"s2","SecurityToken":"t2","Expiration":"2026-05-01T02:00:00Z"}""");
        time.Advance(TimeSpan.FromMinutes(20));
        var cached = await provider.GetCredentialAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(38)); // 2 minutes before the first expiry: inside the 3-minute margin
        var refreshed = await provider.GetCredentialAsync(CancellationToken.None);

        Assert.That(first.AccessKeyId, Is.EqualTo("STS.a"));
        Assert.That(first.Expiration, Is.EqualTo(new DateTimeOffset(2026, 5, 1, 1, 0, 0, TimeSpan.Zero)));
        Assert.That(cached, Is.SameAs(first));
        Assert.That(refreshed.AccessKeyId, Is.EqualTo("STS.b"));
    }

    [Test]
    public async Task File_IniProfile_ReadsSelectedProfileAndReReadsAfterInterval()
    {
        var time = new FakeTimeProvider();
        var path = Path.Combine(_dir, "credentials");
        await File.WriteAllTextAsync(path, "[default]\ntype = access_key\naccess_key_id = d-id\naccess_key_secret = d-sec\n\n[ops]\ntype = sts\naccess_key_id = o-id\naccess_key_secret = o-sec\nsecurity_token = o-tok\n");
        using var provider = new CredentialsFileProvider(path, "ops", time, NullLogger.Instance, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(30));

        var first = await provider.GetCredentialAsync(CancellationToken.None);
        await File.WriteAllTextAsync(path, "[ops]\naccess_key_id = o2\naccess_key_secret = o2-sec\n");
        time.Advance(TimeSpan.FromMinutes(31));
        var second = await provider.GetCredentialAsync(CancellationToken.None);

        Assert.That((first.AccessKeyId, first.SecurityToken), Is.EqualTo(("o-id", "o-tok")));
        Assert.That(second.AccessKeyId, Is.EqualTo("o2"));
    }

    [Test]
    public async Task File_BrokenJson_FailsWithoutQuotingTheFile()
    {
        var path = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(path, """{"AccessKeyId":"id","AccessKeySecret":"very-secret-value" """);
        using var provider = new CredentialsFileProvider(path, "default", TimeProvider.System, NullLogger.Instance, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(30));

        var ex = await Assert.ThrowsAsync<CloudCredentialException>(async () => await provider.GetCredentialAsync(CancellationToken.None));

        Assert.That(ex!.ToString(), Does.Not.Contain("very-secret-value"));
    }

    [Test]
    public async Task Refreshing_ConcurrentCallers_FetchOnce()
    {
        var provider = new CountingProvider(new FakeTimeProvider());

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => provider.GetCredentialAsync(CancellationToken.None).AsTask()));

        Assert.That(provider.Fetches, Is.EqualTo(1));
        Assert.That(results.Distinct().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task Refreshing_SourceDownWhileCachedStillValid_ServesCached()
    {
        var time = new FakeTimeProvider();
        var provider = new CountingProvider(time);
        var first = await provider.GetCredentialAsync(CancellationToken.None);
        provider.Fail = true;
        time.Advance(TimeSpan.FromMinutes(58)); // inside the margin, not yet expired

        var during = await provider.GetCredentialAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(3)); // now expired

        Assert.That(during, Is.SameAs(first));
        Assert.That(async () => await provider.GetCredentialAsync(CancellationToken.None), Throws.TypeOf<CloudCredentialException>());
    }

    [Test]
    public void CloudCredential_ToString_HidesSecretAndToken()
    {
        var credential = new CloudCredential("STS.visible", "the-secret", "the-token", DateTimeOffset.UnixEpoch);

        Assert.That(credential.ToString(), Does.Contain("STS.visible").And.Not.Contain("the-secret").And.Not.Contain("the-token"));
    }

    [Test]
    public async Task Chain_FirstConfiguredWinsAndSticks()
    {
        var path = Path.Combine(_dir, "c.json");
        await File.WriteAllTextAsync(path, """{"AccessKeyId":"file-id","AccessKeySecret":"file-sec"}""");
        using var handler = new SocketsHttpHandler();
        var options = new CloudCredentialOptions { CredentialsFile = path, DisableEcsRamRole = true };

        using var envFirst = CloudCredentialProviders.BuildChain(options, Env(("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-sec")), handler, null, TimeProvider.System, NullLoggerFactory.Instance);
        using var fileOnly = CloudCredentialProviders.BuildChain(options, Env(), handler, null, TimeProvider.System, NullLoggerFactory.Instance);

        Assert.That((await envFirst.GetCredentialAsync(CancellationToken.None)).AccessKeyId, Is.EqualTo("env-id"));
        Assert.That((await fileOnly.GetCredentialAsync(CancellationToken.None)).AccessKeyId, Is.EqualTo("file-id"));
        Assert.That(fileOnly.Name, Is.EqualTo("credentials-file"));
    }

    [Test]
    public void Chain_NothingConfigured_ThrowsWithEveryReason()
    {
        using var handler = new SocketsHttpHandler();
        using var chain = CloudCredentialProviders.BuildChain(new CloudCredentialOptions { DisableEcsRamRole = true }, Env(), handler, null, TimeProvider.System, NullLoggerFactory.Instance);

        Assert.That(async () => await chain.GetCredentialAsync(CancellationToken.None), Throws.TypeOf<CloudCredentialException>().With.Message.Contains("no credential source"));
    }

    [TestCase(null, null, null, "https://sts.aliyuncs.com/")]
    [TestCase("sts-vpc.cn-hangzhou.aliyuncs.com", null, null, "https://sts-vpc.cn-hangzhou.aliyuncs.com/")]
    [TestCase("http://127.0.0.1:8080", null, null, "http://127.0.0.1:8080/")]
    [TestCase(null, "cn-beijing", null, "https://sts.cn-beijing.aliyuncs.com/")]
    [TestCase(null, "cn-beijing", "true", "https://sts-vpc.cn-beijing.aliyuncs.com/")]
    public void StsEndpoint_Environment_Resolves(string? endpoint, string? region, string? vpc, string expected)
    {
        var env = new Dictionary<string, string?> { ["ALIBABA_CLOUD_STS_ENDPOINT"] = endpoint, ["ALIBABA_CLOUD_STS_REGION"] = region, ["ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"] = vpc };

        Assert.That(CloudCredentialProviders.ResolveStsEndpoint(new CloudCredentialOptions(), k => env.GetValueOrDefault(k)).ToString(), Is.EqualTo(expected));
    }

    private sealed class CountingProvider(FakeTimeProvider time) : RefreshingCredentialProvider(time, NullLogger.Instance, TimeSpan.FromMinutes(3))
    {
        private int _fetches;

        public int Fetches => _fetches;

        public bool Fail { get; set; }

        public override string Name => "counting";

        protected override async Task<CloudCredential> FetchAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            if (Fail)
            {
                throw new CloudCredentialException(Name, "source down");
            }

            var n = Interlocked.Increment(ref _fetches);
            return new CloudCredential("id" + n, "sec" + n, "tok" + n, time.GetUtcNow().AddHours(1));
        }
    }
}
