using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>Pod deletion and re-creation: Elastic ENIs go with their pod, fixed IPs follow the pod's name.</summary>
[TestFixture]
[Category("Integration")]
public sealed class LifecycleTests
{
    [Test]
    public async Task FixedIpPod_RecreatedOnAnotherNodeOfTheZone_KeepsIpAndMac_ThenTtlReleasesTheEni()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreatePodNetworkingAsync("fixed", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "3s" };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH, OperatorRig.VSwitchI];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await rig.CreateNodeAsync("node-2", OperatorRig.Instance2, OperatorRig.ZoneH);
        await WaitReadyAsync(rig, "fixed");

        var labels = new Dictionary<string, string> { ["app"] = "db" };
        var first = await rig.CreatePodAsync("apps", "db-0", "node-1", labels, statefulSet: "db");
        var bound = await rig.WaitPhaseAsync("apps", "db-0", PodEniPhases.Bind);
        var eniId = bound.Spec.Allocations![0].Eni!.Id!;
        var ip = bound.Spec.Allocations[0].Ipv4;
        var mac = bound.Spec.Allocations[0].Eni!.Mac;
        var trunk1 = bound.Status!.TrunkEniId;

        await rig.DeletePodAsync("apps", "db-0");
        var unbound = await rig.WaitPhaseAsync("apps", "db-0", PodEniPhases.Unbind);
        Assert.Multiple(() =>
        {
            Assert.That(unbound.Status!.InstanceId, Is.Null);
            Assert.That(unbound.Status.TrunkEniId, Is.Null);
            Assert.That(unbound.Status.EniInfos![eniId].Status, Is.EqualTo(EniBindStatuses.Unbind));
            Assert.That(StatusConditions.Find(unbound.Status.Conditions, ConditionTypes.Ready)!.Reason, Is.EqualTo(ConditionReasons.Unbound));
            var kept = rig.Cloud.Snapshot().FindEni(eniId)!;
            Assert.That(kept.Status, Is.EqualTo(EniStatus.Available), "the fixed-IP ENI is detached and kept");
        });

        var second = await rig.CreatePodAsync("apps", "db-0", "node-2", labels, statefulSet: "db");
        V1Beta1PodEni? rebound = null;
        await OperatorRig.EventuallyAsync(async () =>
        {
            rebound = await rig.PodEniAsync("apps", "db-0");
            return rebound?.Status?.Phase == PodEniPhases.Bind && rebound.GetAnnotation(Annotations.PodUid) == second.Metadata.Uid;
        }, TimeSpan.FromSeconds(30), "the recreated pod's PodENI to bind");

        var eni = rig.Cloud.Snapshot().FindEni(eniId)!;
        var node2 = (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-2")))!;
        var trunk2 = node2.Status!.NetworkInterfaces!.Values.Single(n => n.NetworkInterfaceType == EniTypes.Trunk).Id;
        Assert.Multiple(() =>
        {
            Assert.That(second.Metadata.Uid, Is.Not.EqualTo(first.Metadata.Uid));
            Assert.That(rebound!.Spec.Allocations![0].Eni!.Id, Is.EqualTo(eniId), "same ENI");
            Assert.That(rebound.Spec.Allocations[0].Ipv4, Is.EqualTo(ip), "same IP");
            Assert.That(rebound.Spec.Allocations[0].Eni!.Mac, Is.EqualTo(mac), "same MAC");
            Assert.That(rebound.GetLabel(Labels.Node), Is.EqualTo("node-2"));
            Assert.That(rebound.Status!.TrunkEniId, Is.EqualTo(trunk2));
            Assert.That(trunk2, Is.Not.EqualTo(trunk1));
            Assert.That(rebound.Status.InstanceId, Is.EqualTo(OperatorRig.Instance2));
            Assert.That(eni.Status, Is.EqualTo(EniStatus.InUse));
            Assert.That(eni.TrunkNetworkInterfaceId, Is.EqualTo(trunk2));
            Assert.That(rebound.Status.EniInfos![eniId].Vid, Is.EqualTo(eni.DeviceIndex));
            Assert.That(rig.OwnedEnis().Count(e => e.Type == EniType.Member || e.Type == EniType.Secondary), Is.EqualTo(1), "no second ENI was created");
        });

        // Deleted for good: the TTL (3 s after the pod was last seen) releases the ENI and the PodENI.
        await rig.DeletePodAsync("apps", "db-0");
        await rig.WaitPhaseAsync("apps", "db-0", PodEniPhases.Unbind);
        await OperatorRig.EventuallyAsync(async () => await rig.PodEniAsync("apps", "db-0") is null && rig.Cloud.Snapshot().FindEni(eniId) is null,
            TimeSpan.FromSeconds(30), "the TTL to release the ENI and remove the PodENI");
    }

    [Test]
    public async Task FixedIpPod_DeletedLongAfterItsLastRefresh_TtlCountsFromTheDeletion()
    {
        // A refresh period far longer than the test: podLastSeen stays at the bind time unless deletion stamps it.
        await using var rig = await OperatorRig.StartAsync(configure: o => o.PodLastSeenRefreshPeriod = TimeSpan.FromHours(1));
        await rig.CreatePodNetworkingAsync("fixed", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "1m" };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await WaitReadyAsync(rig, "fixed");
        await rig.CreatePodAsync("apps", "db-0", "node-1", new Dictionary<string, string> { ["app"] = "db" }, statefulSet: "db");
        var bound = await rig.WaitPhaseAsync("apps", "db-0", PodEniPhases.Bind);
        var boundSeen = bound.Status!.PodLastSeen!.Value;

        // The pod lives a while (real time must pass: podLastSeen has second precision on the wire).
        await Task.Delay(TimeSpan.FromSeconds(3));
        var deletedAt = DateTime.UtcNow;
        await rig.DeletePodAsync("apps", "db-0");
        var unbound = await rig.WaitPhaseAsync("apps", "db-0", PodEniPhases.Unbind);

        Assert.Multiple(() =>
        {
            Assert.That(unbound.Status!.PodLastSeen, Is.GreaterThanOrEqualTo(deletedAt.AddSeconds(-1)), "last seen when the pod went");
            Assert.That(unbound.Status.PodLastSeen, Is.GreaterThan(boundSeen.AddSeconds(2)), "not the bind-time stamp");
            Assert.That(rig.Cloud.Snapshot().FindEni(bound.Spec.Allocations![0].Eni!.Id!), Is.Not.Null, "kept for the TTL");
        });
    }

    [Test]
    public async Task ElasticPod_Deleted_EniDetachedAndDeletedAndPodEniRemoved()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await WaitReadyAsync(rig, "web");
        await rig.CreatePodAsync("apps", "web-1", "node-1", new Dictionary<string, string> { ["app"] = "web" }, replicaSet: "web-rs");
        var bound = await rig.WaitPhaseAsync("apps", "web-1", PodEniPhases.Bind);
        var eniId = bound.Spec.Allocations![0].Eni!.Id!;
        Assert.Multiple(() =>
        {
            Assert.That(bound.Spec.Allocations[0].AllocationType!.Type, Is.EqualTo(IPAllocTypes.Elastic));
            Assert.That(rig.Cloud.Snapshot().FindEni(eniId)!.DeleteOnRelease, Is.True);
        });

        await rig.DeletePodAsync("apps", "web-1");
        await OperatorRig.EventuallyAsync(async () => await rig.PodEniAsync("apps", "web-1") is null && rig.Cloud.Snapshot().FindEni(eniId) is null,
            TimeSpan.FromSeconds(20), "the Elastic ENI and its PodENI to go");
    }

    [Test]
    public async Task FixedNeverPod_PodEniDeletedByUser_FinalizerDeletesTheEni()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreatePodNetworkingAsync("keep", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "keep" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await WaitReadyAsync(rig, "keep");
        await rig.CreatePodAsync("apps", "keep-0", "node-1", new Dictionary<string, string> { ["app"] = "keep" }, statefulSet: "keep");
        var eniId = (await rig.WaitPhaseAsync("apps", "keep-0", PodEniPhases.Bind)).Spec.Allocations![0].Eni!.Id!;
        await rig.DeletePodAsync("apps", "keep-0");
        await rig.WaitPhaseAsync("apps", "keep-0", PodEniPhases.Unbind);

        // Never: still there after a while.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(rig.Cloud.Snapshot().FindEni(eniId)?.Status, Is.EqualTo(EniStatus.Available));

        await rig.Admin.DeleteAsync<V1Beta1PodEni>(new ObjectKey("apps", "keep-0"));
        await OperatorRig.EventuallyAsync(async () => await rig.PodEniAsync("apps", "keep-0") is null && rig.Cloud.Snapshot().FindEni(eniId) is null,
            TimeSpan.FromSeconds(20), "the finalizer to delete the ENI and let the PodENI go");
    }

    internal static Task WaitReadyAsync(OperatorRig rig, string name) =>
        OperatorRig.EventuallyAsync(async () =>
            (await rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster(name)))?.Status?.Status == NetworkingStatuses.Ready,
            TimeSpan.FromSeconds(20), $"PodNetworking {name} to become Ready");
}
