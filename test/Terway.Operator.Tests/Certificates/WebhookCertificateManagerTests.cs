using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Terway.Crds.Names;
using Terway.Kube.Client;
using Terway.Operator.Certificates;
using Terway.Operator.Tests.Webhooks.Support;
using Terway.Operator.Webhooks;

namespace Terway.Operator.Tests.Certificates;

/// <summary>The certificate Secret and caBundle against the API emulator, as the operator's ServiceAccount.</summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookCertificateManagerTests
{
    private EmulatedCluster _cluster = null!;
    private int _secrets;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _cluster = await EmulatedCluster.StartAsync();
        await _cluster.InstallRbacAsync();
        await _cluster.InstallWebhookConfigurationsAsync();
    }

    [OneTimeTearDown]
    public async Task StopCluster() => await _cluster.DisposeAsync();

    /// <summary>Options with a Secret of its own per test (the RBAC only covers the real name, so admin is used for others).</summary>
    private WebhookOptions Options(string? secret = null) => new()
    {
        CertificateSecretName = secret ?? $"webhook-cert-{Interlocked.Increment(ref _secrets)}",
        ExtraSubjectAlternativeNames = ["127.0.0.1"],
    };

    private WebhookCertificateManager Manager(WebhookOptions options, IKubeApiClient? client = null, TimeProvider? time = null) =>
        new(client ?? _cluster.NewClient(), options, time ?? TimeProvider.System, NullLogger<WebhookCertificateManager>.Instance);

    private Task<V1Secret> SecretAsync(WebhookOptions options) =>
        _cluster.Admin.GetAsync<V1Secret>(new ObjectKey(InstallNames.Namespace, options.CertificateSecretName));

    [Test]
    public async Task Sync_SecretMissing_CreatedWithCaAndServingCertificate()
    {
        // The real Secret name, through the operator's own RBAC: proves config/rbac allows what this does.
        var options = Options(InstallNames.WebhookCertSecret);
        var manager = Manager(options, _cluster.OperatorClient());

        await manager.SyncOnceAsync(default);

        var secret = await SecretAsync(options);
        var bundle = CertificateBundle.FromSecretData(secret.Data)!;
        using var parsed = ParsedBundle.TryParse(bundle)!;
        Assert.Multiple(() =>
        {
            Assert.That(secret.Type, Is.EqualTo("kubernetes.io/tls"));
            Assert.That(secret.Data.Keys, Is.EquivalentTo(new[] { "ca.crt", "ca.key", "tls.crt", "tls.key" }));
            Assert.That(CertificateIssuer.NamesOf(parsed.Serving), Is.SupersetOf(new[]
            {
                "terway-operator-webhook.kube-system.svc", "terway-operator-webhook.kube-system.svc.cluster.local", "127.0.0.1",
            }));
            Assert.That(manager.ServingCertificate.Thumbprint, Is.EqualTo(parsed.Serving.Thumbprint));
            Assert.That(manager.CaBundlePem, Is.EqualTo(bundle.CaCertificatesPem));
            Assert.That(manager.WhenReady.IsCompletedSuccessfully, Is.True);
        });
    }

    [Test]
    public async Task Sync_TwoReplicasRacing_BothServeTheOneStoredCertificate()
    {
        for (var round = 0; round < 5; round++)
        {
            var options = Options();
            var a = Manager(options);
            var b = Manager(options);

            await Task.WhenAll(Task.Run(() => a.SyncOnceAsync(default)), Task.Run(() => b.SyncOnceAsync(default)));

            var stored = CertificateBundle.FromSecretData((await SecretAsync(options)).Data)!;
            using var parsed = ParsedBundle.TryParse(stored)!;
            Assert.That(a.ServingCertificate.Thumbprint, Is.EqualTo(parsed.Serving.Thumbprint), $"round {round}");
            Assert.That(b.ServingCertificate.Thumbprint, Is.EqualTo(parsed.Serving.Thumbprint), $"round {round}");
            Assert.That(a.CaBundlePem, Is.EqualTo(b.CaBundlePem));
        }
    }

    [Test]
    public async Task Sync_ValidSecretExists_ReusedWithoutWriting()
    {
        var options = Options();
        await Manager(options).SyncOnceAsync(default);
        var before = await SecretAsync(options);

        var second = Manager(options);
        await second.SyncOnceAsync(default);

        var after = await SecretAsync(options);
        Assert.That(after.Metadata.ResourceVersion, Is.EqualTo(before.Metadata.ResourceVersion));
        using var parsed = ParsedBundle.TryParse(CertificateBundle.FromSecretData(before.Data)!)!;
        Assert.That(second.ServingCertificate.Thumbprint, Is.EqualTo(parsed.Serving.Thumbprint));
    }

    [Test]
    public async Task Sync_SecretWithoutUsableCertificates_Replaced()
    {
        var options = Options();
        await _cluster.Admin.CreateAsync(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = options.CertificateSecretName, NamespaceProperty = InstallNames.Namespace },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["tls.crt"] = Encoding.ASCII.GetBytes("junk"), ["other"] = [1, 2] },
        });
        var manager = Manager(options);

        await manager.SyncOnceAsync(default);

        var secret = await SecretAsync(options);
        Assert.That(CertificateBundle.FromSecretData(secret.Data), Is.Not.Null);
        Assert.That(secret.Data["other"], Is.EqualTo(new byte[] { 1, 2 }), "keys of others are kept");
        Assert.That(secret.Type, Is.EqualTo("Opaque"), "the type of an existing Secret is immutable");
    }

    [Test]
    public async Task Sync_WebhookConfigurations_CaBundlePatchedIntoEveryWebhookOnceAndRepairedWhenChanged()
    {
        var options = Options() with { MutatingWebhookConfigurationName = "cabundle-test", ValidatingWebhookConfigurationName = "cabundle-test" };
        await _cluster.InstallWebhookConfigurationsAsync(obj =>
        {
            obj["metadata"]!["name"] = "cabundle-test";
            var hooks = obj["webhooks"]!.AsArray();
            var copy = hooks[0]!.DeepClone().AsObject();
            copy["name"] = "second." + copy["name"]!.GetValue<string>();
            hooks.Add(copy);
        });
        var manager = Manager(options);

        await manager.SyncOnceAsync(default);

        var expected = Encoding.ASCII.GetBytes(manager.CaBundlePem);
        var mutating = await _cluster.Admin.GetAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster("cabundle-test"));
        var validating = await _cluster.Admin.GetAsync<V1ValidatingWebhookConfiguration>(ObjectKey.Cluster("cabundle-test"));
        Assert.That(mutating.Webhooks.Select(w => w.ClientConfig.CaBundle).ToList(), Has.Count.EqualTo(2).And.All.EqualTo(expected));
        Assert.That(validating.Webhooks.Select(w => w.ClientConfig.CaBundle).ToList(), Has.Count.EqualTo(2).And.All.EqualTo(expected));

        await manager.SyncOnceAsync(default);
        var unchanged = await _cluster.Admin.GetAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster("cabundle-test"));
        Assert.That(unchanged.Metadata.ResourceVersion, Is.EqualTo(mutating.Metadata.ResourceVersion), "nothing to write the second time");

        var patch = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/webhooks/1/clientConfig/caBundle", ["value"] = Convert.ToBase64String([1, 2, 3]) });
        await _cluster.Admin.PatchAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster("cabundle-test"), new Patch(PatchKind.Json, patch.ToJsonString()));
        await manager.SyncOnceAsync(default);
        var repaired = await _cluster.Admin.GetAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster("cabundle-test"));
        Assert.That(repaired.Webhooks[1].ClientConfig.CaBundle, Is.EqualTo(expected));
    }

    [Test]
    public async Task Sync_ConfigurationNotInstalled_CertificateStillLoaded()
    {
        var options = Options() with { MutatingWebhookConfigurationName = "not-installed", ValidatingWebhookConfigurationName = null };
        var manager = Manager(options);

        await manager.SyncOnceAsync(default);

        Assert.That(manager.WhenReady.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task Run_ServingCertificateDue_RenewedInSecretAndReloadedSameCa()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = Options() with
        {
            ServingCertificateValidity = TimeSpan.FromDays(30),
            CertificateSyncInterval = TimeSpan.FromHours(1),
        };
        var manager = Manager(options, time: time);
        var other = Manager(options, time: time);
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => manager.RunAsync(stop.Token));
        await manager.WhenReady.WaitAsync(TimeSpan.FromSeconds(30));
        var first = manager.ServingCertificate;
        var firstSecret = await SecretAsync(options);

        // Nineteen days in: nothing is due.
        time.Advance(TimeSpan.FromDays(19));
        await other.SyncOnceAsync(default);
        Assert.That((await SecretAsync(options)).Metadata.ResourceVersion, Is.EqualTo(firstSecret.Metadata.ResourceVersion));

        // Past two thirds of 30 days: the running loop renews at its next tick.
        time.Advance(TimeSpan.FromDays(2));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (manager.ServingCertificate.Thumbprint == first.Thumbprint && DateTime.UtcNow < deadline)
        {
            time.Advance(options.CertificateSyncInterval);
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await loop;
        var renewed = manager.ServingCertificate;
        var stored = CertificateBundle.FromSecretData((await SecretAsync(options)).Data)!;
        using var parsed = ParsedBundle.TryParse(stored)!;
        Assert.Multiple(() =>
        {
            Assert.That(renewed.Thumbprint, Is.Not.EqualTo(first.Thumbprint), "renewed and reloaded");
            Assert.That(renewed.Thumbprint, Is.EqualTo(parsed.Serving.Thumbprint), "the Secret holds the renewed certificate");
            Assert.That(stored.CaKeyPem, Is.EqualTo(CertificateBundle.FromSecretData(firstSecret.Data)!.CaKeyPem), "same CA");
            Assert.That(new DateTimeOffset(renewed.NotAfter), Is.GreaterThan(new DateTimeOffset(first.NotAfter).AddDays(20)));
        });

        // The other replica adopts the renewed certificate at its next sync instead of renewing again.
        var rv = (await SecretAsync(options)).Metadata.ResourceVersion;
        await other.SyncOnceAsync(default);
        Assert.That(other.ServingCertificate.Thumbprint, Is.EqualTo(renewed.Thumbprint));
        Assert.That((await SecretAsync(options)).Metadata.ResourceVersion, Is.EqualTo(rv));
    }

    [Test]
    public async Task Sync_SecretDeleted_RecreatedAtNextSync()
    {
        var options = Options();
        var manager = Manager(options);
        await manager.SyncOnceAsync(default);
        var first = manager.ServingCertificate.Thumbprint;

        await _cluster.Admin.DeleteAsync<V1Secret>(new ObjectKey(InstallNames.Namespace, options.CertificateSecretName));
        await manager.SyncOnceAsync(default);

        Assert.That(await SecretAsync(options), Is.Not.Null);
        Assert.That(manager.ServingCertificate.Thumbprint, Is.Not.EqualTo(first));
    }

    [Test]
    public void ServingCertificate_BeforeFirstSync_Throws()
    {
        var manager = Manager(Options());

        Assert.That(() => manager.ServingCertificate, Throws.InvalidOperationException);
        Assert.That(manager.WhenReady.IsCompleted, Is.False);
    }
}
