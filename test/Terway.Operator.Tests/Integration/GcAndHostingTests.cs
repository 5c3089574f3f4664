using k8s.Models;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.PodAnnotations;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Hosting;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>Leaked-ENI garbage collection, metrics, readiness of a standby, vSwitch exhaustion and multi-network pods.</summary>
[TestFixture]
[Category("Integration")]
public sealed class GcAndHostingTests
{
    [Test]
    public async Task LeakedEnis_CollectedAfterMinAgeAndTwoSweeps_ForeignOnesUntouched_AndCounted()
    {
        await using var rig = await OperatorRig.StartAsync(configure: o =>
        {
            o.GcMinAge = TimeSpan.FromSeconds(2);
            o.GcPeriod = TimeSpan.FromMilliseconds(400);
        });
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "web");
        await rig.CreatePodAsync("apps", "web-0", "node-1", new Dictionary<string, string> { ["app"] = "web" }, replicaSet: "web-rs");
        var usedEni = (await rig.WaitPhaseAsync("apps", "web-0", PodEniPhases.Bind)).Spec.Allocations![0].Eni!.Id!;
        var trunk = (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")))!.Status!.NetworkInterfaces!.Keys.Single();

        // Leaks made behind the operator's back: one Available, one attached to the trunk as a member, and one
        // that is not ours (no cluster tag).
        using var cloud = AlibabaCloudClient.Create(new AlibabaCloudOptions { RegionId = OperatorRig.Region, EcsEndpoint = rig.Cloud.Endpoint, VpcEndpoint = rig.Cloud.Endpoint, ReadEnvironment = false },
            CloudCredentialProviders.Static(rig.Cloud.DefaultCredential.AccessKeyId, rig.Cloud.DefaultCredential.AccessKeySecret));
        Terway.Cloud.CloudTag[] ours = [new(EniTags.ClusterIdKey, OperatorRig.ClusterId), new(EniTags.CreatorKey, EniTags.CreatorController)];
        var leaked = await cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = OperatorRig.VSwitchH, SecurityGroupIds = [OperatorRig.SgPods], Tags = ours });
        var leakedMember = await cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = OperatorRig.VSwitchH, SecurityGroupIds = [OperatorRig.SgPods], Tags = ours });
        await cloud.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = OperatorRig.Instance1, NetworkInterfaceId = leakedMember.NetworkInterfaceId, TrunkNetworkInstanceId = trunk });
        var foreign = await cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest
        {
            VSwitchId = OperatorRig.VSwitchH, SecurityGroupIds = [OperatorRig.SgPods], Tags = [new(EniTags.CreatorKey, EniTags.CreatorController)],
        });

        // Younger than the minimum age: untouched for now.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(rig.Cloud.Snapshot().FindEni(leaked.NetworkInterfaceId), Is.Not.Null, "too young to collect");

        await OperatorRig.EventuallyAsync(() => Task.FromResult(rig.Cloud.Snapshot().FindEni(leaked.NetworkInterfaceId) is null && rig.Cloud.Snapshot().FindEni(leakedMember.NetworkInterfaceId) is null),
            TimeSpan.FromSeconds(30), "the leaked ENIs to be detached and deleted");
        var snapshot = rig.Cloud.Snapshot();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.FindEni(foreign.NetworkInterfaceId), Is.Not.Null, "not tagged with our cluster: never touched");
            Assert.That(snapshot.FindEni(usedEni)?.Status, Is.EqualTo(EniStatus.InUse), "referenced by a PodENI: never touched");
            Assert.That(snapshot.FindEni(trunk)?.Status, Is.EqualTo(EniStatus.InUse), "referenced by the Node CR: never touched");
        });

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri(rig.Operator!.HealthAddress!, "/metrics"));
        Assert.Multiple(() =>
        {
            Assert.That(metrics, Does.Match(@"leaked_enis_deleted_total(\{\})? 2"));
            Assert.That(metrics, Does.Contain("gc_count_total{node=\"node-1\"}"), "the detach of the member on node-1");
            Assert.That(metrics, Does.Contain("terway_eni_attach_duration_seconds_bucket{eni_type=\"member\",result=\"success\""));
            Assert.That(metrics, Does.Contain("terway_eni_attach_duration_seconds_bucket{eni_type=\"trunk\",result=\"success\""));
            Assert.That(metrics, Does.Contain("terway_controlplane_config_info{controller=\"pod-eni\",max_concurrent=\"10\"} 1"));
            Assert.That(metrics, Does.Contain("controller_runtime_reconcile_total{controller=\"pod-eni\""));
        });
    }

    [Test]
    public async Task Standby_IsReadyWithoutTheLease_AndTakesOverWhenTheLeaderStops()
    {
        await using var rig = await OperatorRig.StartAsync();
        await OperatorRig.EventuallyAsync(() => Task.FromResult(rig.Operator!.IsLeader), TimeSpan.FromSeconds(10), "the first instance to lead");
        var cloudOptions = OperatorHost.CloudOptionsFrom(rig.Options);
        cloudOptions.ReadEnvironment = false;
        await using var standby = await OperatorHost.StartAsync(rig.Options, rig.Api.CreateClientConfiguration(rig.OperatorToken), cloudOptions, new OperatorHostOptions
        {
            Identity = "terway-operator-1",
            LoggerFactory = rig.Loggers,
            CloudCredentials = CloudCredentialProviders.Static(rig.Cloud.DefaultCredential.AccessKeyId, rig.Cloud.DefaultCredential.AccessKeySecret),
        });
        await OperatorRig.EventuallyAsync(() => Task.FromResult(standby.IsReady), TimeSpan.FromSeconds(10), "the standby to be ready");
        using var http = new HttpClient();
        var readyz = await http.GetAsync(new Uri(standby.HealthAddress!, "/readyz?verbose"));
        Assert.Multiple(() =>
        {
            Assert.That(standby.IsLeader, Is.False);
            Assert.That((int)readyz.StatusCode, Is.EqualTo(200), "webhooks run on every replica: readiness does not need the lease");
        });

        await rig.StopOperatorAsync(graceful: true);
        await OperatorRig.EventuallyAsync(() => Task.FromResult(standby.IsLeader), TimeSpan.FromSeconds(10), "the standby to take over after a graceful stop");

        // The new leader works: a node gets its trunk.
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await OperatorRig.EventuallyAsync(async () =>
            (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")))?.Status?.NetworkInterfaces?.Values.Any(n => n.Status == EniStatuses.InUse) == true,
            TimeSpan.FromSeconds(20), "the new leader to attach node-1's trunk");
    }

    [Test]
    public async Task VSwitchOutOfAddresses_IsBlockedAndTheNextOneUsed_AndQuotaExceededWhenNoneIsLeft()
    {
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
            o.VSwitches.Add(new VSwitchDefinition { VSwitchId = "vsw-small", ZoneId = OperatorRig.ZoneH, CidrBlock = "192.168.64.0/24" }));
        await rig.CreatePodNetworkingAsync("spill", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "spill" } } };
            s.VSwitchOptions = ["vsw-small", OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreatePodNetworkingAsync("only-small", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "small" } } };
            s.VSwitchOptions = ["vsw-small"];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "spill");
        await LifecycleTests.WaitReadyAsync(rig, "only-small");

        // Another tenant takes every address after the operator cached the vSwitch as having room.
        var free = rig.Cloud.Snapshot().VSwitches.Single(v => v.VSwitchId == "vsw-small").AvailableIpAddressCount;
        rig.Cloud.ReserveAddresses("vsw-small", free);

        await rig.CreatePodAsync("apps", "spill-0", "node-1", new Dictionary<string, string> { ["app"] = "spill" }, replicaSet: "rs");
        var spilled = await rig.WaitPhaseAsync("apps", "spill-0", PodEniPhases.Bind);
        Assert.That(spilled.Spec.Allocations![0].Eni!.VSwitchId, Is.EqualTo(OperatorRig.VSwitchH), "moved to the next vSwitch");

        await rig.CreatePodAsync("apps", "small-0", "node-1", new Dictionary<string, string> { ["app"] = "small" }, replicaSet: "rs");
        V1Beta1PodEni? stuck = null;
        await OperatorRig.EventuallyAsync(async () =>
        {
            stuck = await rig.PodEniAsync("apps", "small-0");
            return StatusConditions.Find(stuck?.Status?.Conditions, ConditionTypes.Ready)?.Reason == ConditionReasons.QuotaExceeded;
        }, TimeSpan.FromSeconds(20), "the PodENI to report QuotaExceeded");
        Assert.That(stuck?.Status?.Msg, Does.Contain("no vSwitch in zone cn-hangzhou-h has free addresses"));
    }

    [Test]
    public async Task PodNetworksAnnotation_TwoInterfaces_TwoMemberEnisBound()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        var networks = new PodNetworksAnnotation
        {
            PodNetworks =
            [
                new PodNetwork { Interface = "eth0", VSwitchOptions = [OperatorRig.VSwitchH], SecurityGroupIds = [OperatorRig.SgPods] },
                new PodNetwork { Interface = "eth1", VSwitchOptions = [OperatorRig.VSwitchH], SecurityGroupIds = [OperatorRig.SgNodes], ExtraRoutes = [new Route { Dst = "10.0.0.0/8" }] },
            ],
        };
        await rig.CreatePodAsync("apps", "multi", "node-1", annotations: new Dictionary<string, string>
        {
            [Annotations.PodNetworks] = k8s.KubernetesJson.Serialize(networks),
            [Annotations.PodEni] = Annotations.True,
        });
        var pe = await rig.WaitPhaseAsync("apps", "multi", PodEniPhases.Bind);
        var snapshot = rig.Cloud.Snapshot();
        Assert.Multiple(() =>
        {
            Assert.That(pe.Spec.Allocations!.Select(a => a.Interface), Is.EqualTo(new[] { "eth0", "eth1" }));
            Assert.That(pe.Spec.Allocations![1].ExtraRoutes!.Single().Dst, Is.EqualTo("10.0.0.0/8"));
            Assert.That(pe.Status!.EniInfos, Has.Count.EqualTo(2));
            Assert.That(pe.Status.EniInfos!.Values.Select(i => i.Vid).Distinct().Count(), Is.EqualTo(2), "one VLAN per member");
            foreach (var a in pe.Spec.Allocations!)
            {
                var eni = snapshot.FindEni(a.Eni!.Id!)!;
                Assert.That((eni.Status, eni.Type), Is.EqualTo((EniStatus.InUse, EniType.Member)));
                Assert.That(eni.SecurityGroupIds, Is.EqualTo(a.Eni.SecurityGroupIds));
            }
        });
    }
}
