using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Operator.Configuration;
using Terway.Operator.Hosting;
using Terway.Operator.Tests.Support;

namespace Terway.Operator.Tests.Configuration;

/// <summary>The YAML configuration: Terway's keys carry over, ours are read, mistakes are reported together and clearly.</summary>
[TestFixture]
public sealed class ConfigurationTests
{
    private const string Required = "regionID: cn-hangzhou\nclusterID: c1\nvpcID: vpc-1\n";

    [Test]
    public void Load_TheShippedConfigMapWithClusterValues_Works()
    {
        // config/operator/config.yaml as installed, with the three values an overlay sets.
        var configMap = KubernetesYaml.Deserialize<V1ConfigMap>(File.ReadAllText(Path.Combine(OperatorRig.RepoRoot(), "config", "operator", "config.yaml")));
        var text = configMap.Data[InstallNames.OperatorConfigKey]
            .Replace("regionID: \"\"", "regionID: cn-hangzhou", StringComparison.Ordinal)
            .Replace("clusterID: \"\"", "clusterID: c1", StringComparison.Ordinal)
            .Replace("vpcID: \"\"", "vpcID: vpc-1", StringComparison.Ordinal);
        var options = OperatorConfigLoader.Load(text);
        Assert.Multiple(() =>
        {
            Assert.That(options.HealthzBindAddress, Is.EqualTo("0.0.0.0:9440"));
            Assert.That(options.MetricsBindAddress, Is.EqualTo("0.0.0.0:9441"));
            Assert.That(options.WebhookPort, Is.EqualTo(4443));
            Assert.That(options.EnableTrunk, Is.True);
            Assert.That(options.VSwitchCacheTtl, Is.EqualTo(TimeSpan.FromMinutes(20)));
            Assert.That(options.LeaderElection, Is.True);
            Assert.That(options.IgnoredKeys, Has.Some.StartsWith("multiIPNodeSyncPeriod (a Terway key"));
            Assert.That(ControllerSelection.All.All(options.IsControllerEnabled), Is.True);
        });
    }

    [Test]
    public void Load_EveryKey_Read()
    {
        var options = OperatorConfigLoader.Load(Required + """
            controllerNamespace: terway
            controllerName: my-lease
            leaderElection: false
            leaseDuration: 30s
            renewDeadline: 20s
            retryPeriod: 5s
            healthzBindAddress: 127.0.0.1:8080
            metricsBindAddress: "0"
            webhookPort: 9443
            webhookBindAddress: 127.0.0.1
            webhookExtraSANs: [127.0.0.1, operator.local]
            disableWebhook: true
            certDir: /tmp/certs
            ipStack: dual
            enableTrunk: false
            controllers: ["*", "-node"]
            podENIMaxConcurrent: 20
            nodeMaxConcurrent: 3
            vSwitchCacheTTL: 5m
            customStatefulWorkloadKinds: [CloneSet]
            rateLimit:
              CreateNetworkInterface: 100
            backoffOverride:
              wait_member_eni_status:
                initialDelay: 500ms
                duration: 250ms
                factor: 2
                steps: 4
            vSwitches:
              cn-hangzhou-h: [vsw-h1, vsw-h2]
              cn-hangzhou-i: [vsw-i1]
            securityGroupIDs: [sg-1, sg-2]
            vSwitchSelectionPolicy: ordered
            resourceGroupID: rg-1
            gcPeriod: 1m
            gcMinAge: 30m
            gcMaxPerSweep: 5
            podLastSeenRefreshPeriod: 2m
            cloud:
              ecsEndpoint: http://127.0.0.1:8931
              vpcEndpoint: http://127.0.0.1:8931
              endpointType: public
              attemptTimeout: 5s
              callTimeout: 1m
            """);
        Assert.Multiple(() =>
        {
            Assert.That((options.ControllerNamespace, options.ControllerName, options.LeaderElection), Is.EqualTo(("terway", "my-lease", false)));
            Assert.That((options.LeaseDuration, options.RenewDeadline, options.RetryPeriod), Is.EqualTo((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5))));
            Assert.That((options.HealthzBindAddress, options.MetricsBindAddress, options.WebhookPort, options.CertDir), Is.EqualTo(("127.0.0.1:8080", "0", 9443, "/tmp/certs")));
            Assert.That((options.WebhookBindAddress, options.DisableWebhook), Is.EqualTo(("127.0.0.1", true)));
            Assert.That(options.WebhookExtraSans, Is.EqualTo(new[] { "127.0.0.1", "operator.local" }));
            Assert.That((options.IpStack, options.EnableTrunk), Is.EqualTo(("dual", false)));
            Assert.That(options.IsControllerEnabled(ControllerSelection.Node), Is.False);
            Assert.That(options.IsControllerEnabled(ControllerSelection.PodEni), Is.True);
            Assert.That((options.PodEniMaxConcurrent, options.NodeMaxConcurrent), Is.EqualTo((20, 3)));
            Assert.That(options.VSwitchCacheTtl, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(options.CustomStatefulWorkloadKinds, Is.EqualTo(new[] { "CloneSet" }));
            Assert.That(options.RateLimit["CreateNetworkInterface"], Is.EqualTo(100));
            var backoff = options.Backoff(BackoffSpec.WaitMemberEniStatus);
            Assert.That((backoff.InitialDelay, backoff.Duration, backoff.Factor, backoff.Steps), Is.EqualTo((TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250), 2.0, 4)));
            Assert.That(options.Backoff(BackoffSpec.WaitEniStatus), Is.EqualTo(BackoffSpec.Default(BackoffSpec.WaitEniStatus)));
            Assert.That(options.VSwitches["cn-hangzhou-h"], Is.EqualTo(new[] { "vsw-h1", "vsw-h2" }));
            Assert.That(options.SecurityGroupIds, Is.EqualTo(new[] { "sg-1", "sg-2" }));
            Assert.That((options.VSwitchSelectionPolicy, options.ResourceGroupId), Is.EqualTo(("ordered", "rg-1")));
            Assert.That((options.GcPeriod, options.GcMinAge, options.GcMaxPerSweep), Is.EqualTo((TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30), 5)));
            Assert.That(options.PodLastSeenRefreshPeriod, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(options.Cloud.EcsEndpoint, Is.EqualTo(new Uri("http://127.0.0.1:8931")));
            Assert.That((options.Cloud.EndpointType, options.Cloud.AttemptTimeout, options.Cloud.CallTimeout), Is.EqualTo(("public", TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1))));
            Assert.That(options.IgnoredKeys, Is.Empty);
        });

        var cloud = OperatorHost.CloudOptionsFrom(options);
        Assert.Multiple(() =>
        {
            Assert.That(cloud.RegionId, Is.EqualTo("cn-hangzhou"));
            Assert.That(cloud.EcsEndpoint, Is.EqualTo(new Uri("http://127.0.0.1:8931")));
            Assert.That(cloud.EndpointType, Is.EqualTo(Terway.Cloud.CloudEndpointType.Public));
            Assert.That(cloud.RateLimitsPerMinute["CreateNetworkInterface"], Is.EqualTo(100));
            Assert.That(cloud.AttemptTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        });

        var webhooks = OperatorHost.WebhookOptionsFrom(options);
        Assert.Multiple(() =>
        {
            Assert.That((webhooks.Port, webhooks.BindAddress, webhooks.Namespace), Is.EqualTo((9443, "127.0.0.1", "terway")));
            Assert.That(webhooks.ExtraSubjectAlternativeNames, Is.EqualTo(new[] { "127.0.0.1", "operator.local" }));
            Assert.That((webhooks.EnableTrunk, webhooks.CustomStatefulWorkloadKinds), Is.EqualTo((false, new[] { "CloneSet" })));
            Assert.That(webhooks.DefaultVSwitchIds, Is.EqualTo(new[] { "vsw-h1", "vsw-h2", "vsw-i1" }), "every zone's, sorted, as Terway");
            Assert.That(webhooks.DefaultSecurityGroupIds, Is.EqualTo(new[] { "sg-1", "sg-2" }));
            Assert.That(webhooks.VpcId, Is.EqualTo(options.VpcId));
        });
    }

    [Test]
    public void Load_Problems_AllReportedWithTheirKeys()
    {
        var ex = Assert.Throws<OperatorConfigException>(() => OperatorConfigLoader.Load("""
            clusterID: ""
            vSwitchCacheTTL: 20
            ipStack: ipv6
            podENIMaxConcurrent: many
            controllers: [pod-eni, bogus]
            renewDeadline: 20s
            rateLimit: {CreateNetworkInterface: -1}
            healthzBindAddress: nowhere
            webhookBindAddress: everywhere
            cloud: {ecsEndpoint: "ftp://x", colour: blue}
            """))!;
        Assert.Multiple(() =>
        {
            Assert.That(ex.Errors, Has.Some.StartsWith("regionID is required"));
            Assert.That(ex.Errors, Has.Some.StartsWith("clusterID is required"));
            Assert.That(ex.Errors, Has.Some.StartsWith("vpcID is required"));
            Assert.That(ex.Errors, Has.Some.Contains("vSwitchCacheTTL: expected a Go duration such as 30s"));
            Assert.That(ex.Errors, Has.Some.Contains("ipStack: 'ipv6' is not supported"));
            Assert.That(ex.Errors, Has.Some.StartsWith("podENIMaxConcurrent: expected an integer"));
            Assert.That(ex.Errors, Has.Some.StartsWith("controllers: 'bogus' names no controller"));
            Assert.That(ex.Errors, Has.Some.StartsWith("renewDeadline (00:00:20) must be shorter than leaseDuration"));
            Assert.That(ex.Errors, Has.Some.StartsWith("rateLimit.CreateNetworkInterface: must be a positive number"));
            Assert.That(ex.Errors, Has.Some.StartsWith("healthzBindAddress:"));
            Assert.That(ex.Errors, Has.Some.StartsWith("webhookBindAddress: 'everywhere' is not an IP address"));
            Assert.That(ex.Errors, Has.Some.StartsWith("cloud.ecsEndpoint: 'ftp://x/' must be an absolute http or https URI"));
            Assert.That(ex.Errors, Has.Some.StartsWith("cloud.colour: unknown key"));
            Assert.That(ex.Message, Does.StartWith("invalid operator configuration:"));
        });
    }

    [Test]
    public void Load_NotYaml_OneClearError() =>
        Assert.That(() => OperatorConfigLoader.Load("regionID: [unclosed"), Throws.TypeOf<OperatorConfigException>().With.Message.Contains("not valid YAML"));

    [Test]
    public void Load_UnknownKeyAndUnimplementedController_WarnedNotFatal()
    {
        var options = OperatorConfigLoader.Load(Required + "someFutureKey: 1\ncontrollers: [\"*\", multi-ip-node]\n");
        Assert.Multiple(() =>
        {
            Assert.That(options.IgnoredKeys, Has.Some.EqualTo("someFutureKey (unknown key)"));
            Assert.That(options.IgnoredKeys, Has.Some.Contains("multi-ip-node (not implemented"));
        });
    }

    [Test]
    public void LoadFile_Missing_SaysWhichFile() =>
        Assert.That(() => OperatorConfigLoader.LoadFile("/nonexistent/ctrl-config.yaml"), Throws.TypeOf<OperatorConfigException>().With.Message.Contains("/nonexistent/ctrl-config.yaml"));

    [TestCase(new string[0], "node", true)]
    [TestCase(new[] { "*" }, "node", true)]
    [TestCase(new[] { "pod-networking" }, "node", false)]
    [TestCase(new[] { "*", "-node" }, "node", false)]
    [TestCase(new[] { "pod" }, "pod-eni", true)]
    [TestCase(new[] { "*", "-eni" }, "pod-eni", false)]
    [TestCase(new[] { "pod", "-pod-eni" }, "pod-eni", false)]
    public void ControllerSelection_TerwayRules(string[] entries, string name, bool enabled) =>
        Assert.That(ControllerSelection.IsEnabled(entries, name), Is.EqualTo(enabled));

    [Test]
    public void BackoffSpec_GrowsThenStopsGrowing()
    {
        var spec = new BackoffSpec(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 1.5, 0, 3, TimeSpan.FromMinutes(1));
        Assert.That(Enumerable.Range(0, 6).Select(spec.DelayFor), Is.EqualTo(new[]
        {
            TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.25), TimeSpan.FromSeconds(2.25), TimeSpan.FromSeconds(2.25),
        }));
    }

    [Test]
    public void BackoffSpec_CappedAndTerwayDefaults()
    {
        var spec = new BackoffSpec(TimeSpan.Zero, TimeSpan.FromSeconds(10), 10, 0, 10, TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(spec.DelayFor(5), Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(BackoffSpec.Default(BackoffSpec.WaitMemberEniStatus).InitialDelay, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(BackoffSpec.Default(BackoffSpec.WaitEniStatus).Duration, Is.EqualTo(TimeSpan.FromSeconds(3)));
        });
    }
}
