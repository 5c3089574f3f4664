using System.Diagnostics;
using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>Trunk readiness, exclusive-ENI nodes and node removal.</summary>
[TestFixture]
[Category("Integration")]
public sealed class NodeTests
{
    [Test]
    public async Task PodOnNodeWithoutReadyTrunk_BindsPromptlyOnceTheTrunkIsInUse()
    {
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
            o.Knobs.Durations = AsyncDurations.Instant with { Attach = TimeSpan.FromSeconds(2) });
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await LifecycleTests.WaitReadyAsync(rig, "web");

        // The node and its pod arrive together; the trunk takes 2 s to attach.
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await rig.CreatePodAsync("apps", "web-0", "node-1", new Dictionary<string, string> { ["app"] = "web" }, replicaSet: "web-rs");

        string? waitingReason = null;
        var clock = Stopwatch.StartNew();
        TimeSpan? trunkInUse = null;
        TimeSpan? bound = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && bound is null)
        {
            var pe = await rig.PodEniAsync("apps", "web-0");
            if (trunkInUse is null)
            {
                var cr = await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1"));
                if (cr?.Status?.NetworkInterfaces?.Values.Any(n => n.NetworkInterfaceType == EniTypes.Trunk && n.Status == EniStatuses.InUse) == true)
                {
                    trunkInUse = clock.Elapsed;
                }
                else if (pe?.Status?.Conditions is { } conditions)
                {
                    waitingReason ??= StatusConditions.Find(conditions, ConditionTypes.Ready)?.Reason;
                }
            }

            if (pe?.Status?.Phase == PodEniPhases.Bind)
            {
                bound = clock.Elapsed;
            }

            await Task.Delay(10);
        }

        Assert.That(trunkInUse, Is.Not.Null, "the trunk became InUse");
        Assert.That(bound, Is.Not.Null, "the pod bound");
        var lag = bound!.Value - trunkInUse!.Value;
        TestContext.Progress.WriteLine($"trunk InUse at {trunkInUse.Value.TotalMilliseconds:0} ms, PodENI Bind at {bound.Value.TotalMilliseconds:0} ms: {lag.TotalMilliseconds:0} ms after the trunk");
        Assert.Multiple(() =>
        {
            Assert.That(waitingReason, Is.EqualTo(ConditionReasons.TrunkNotReady), "the PodENI said what it waited for");
            Assert.That(lag, Is.LessThan(TimeSpan.FromSeconds(1.5)), "woken by the trunk becoming ready, not by a timer");
        });
    }

    [Test]
    public async Task NodeDeleted_ReleasesItsEnis()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreatePodNetworkingAsync("keep", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "keep" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "web");
        await LifecycleTests.WaitReadyAsync(rig, "keep");
        await rig.CreatePodAsync("apps", "web-0", "node-1", new Dictionary<string, string> { ["app"] = "web" }, replicaSet: "web-rs");
        await rig.CreatePodAsync("apps", "keep-0", "node-1", new Dictionary<string, string> { ["app"] = "keep" }, statefulSet: "keep");
        var webEni = (await rig.WaitPhaseAsync("apps", "web-0", PodEniPhases.Bind)).Spec.Allocations![0].Eni!.Id!;
        var keepEni = (await rig.WaitPhaseAsync("apps", "keep-0", PodEniPhases.Bind)).Spec.Allocations![0].Eni!.Id!;
        var trunk = (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")))!.Status!.NetworkInterfaces!.Keys.Single();

        await rig.Admin.DeleteAsync<V1Node>(ObjectKey.Cluster("node-1"));

        await OperatorRig.EventuallyAsync(async () =>
            await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")) is null
            && rig.Cloud.Snapshot().FindEni(trunk) is null
            && rig.Cloud.Snapshot().FindEni(webEni) is null
            && await rig.PodEniAsync("apps", "web-0") is null,
            TimeSpan.FromSeconds(30), "the node's trunk and Elastic ENI to be deleted and its Node CR to go");
        var kept = await rig.PodEniAsync("apps", "keep-0");
        Assert.Multiple(() =>
        {
            Assert.That(kept?.Status?.Phase, Is.EqualTo(PodEniPhases.Unbind), "the fixed-IP PodENI is kept, unbound");
            Assert.That(rig.Cloud.Snapshot().FindEni(keepEni)?.Status, Is.EqualTo(EniStatus.Available), "its ENI is detached and kept (Never)");
        });
    }

    [Test]
    public async Task ExclusiveEniPodNetworking_AttachesASecondaryEniToTheInstance()
    {
        await using var rig = await OperatorRig.StartAsync();
        await rig.CreatePodNetworkingAsync("exclusive", s =>
        {
            s.EniOptions = new EniOptions { EniType = EniAttachTypes.Eni };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "exclusive");
        await rig.CreatePodAsync("apps", "x-0", "node-1", new Dictionary<string, string> { ["app"] = "x" }, replicaSet: "x-rs");
        var pe = await rig.WaitPhaseAsync("apps", "x-0", PodEniPhases.Bind);
        var eniId = pe.Spec.Allocations![0].Eni!.Id!;
        var eni = rig.Cloud.Snapshot().FindEni(eniId)!;
        Assert.Multiple(() =>
        {
            Assert.That(pe.Spec.Allocations[0].Eni!.AttachmentOptions!.Trunk, Is.False);
            Assert.That(pe.Status!.TrunkEniId, Is.Null);
            Assert.That(pe.Status.EniInfos![eniId].Type, Is.EqualTo(EniTypes.Secondary));
            Assert.That(pe.Status.EniInfos[eniId].Vid, Is.Null);
            Assert.That(eni.Type, Is.EqualTo(EniType.Secondary));
            Assert.That(eni.Status, Is.EqualTo(EniStatus.InUse));
            Assert.That(eni.InstanceId, Is.EqualTo(OperatorRig.Instance1));
            Assert.That(eni.TrunkNetworkInterfaceId, Is.Null);
        });
    }

    [Test]
    public async Task EniOnlyNode_NoTrunk_AdvertisesAliyunEni_AndPodEniAnnotationUsesTheDefaults()
    {
        await using var rig = await OperatorRig.StartAsync(configure: o =>
        {
            o.VSwitches[OperatorRig.ZoneH] = [OperatorRig.VSwitchH];
            o.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH,
            labels: new Dictionary<string, string> { [Labels.ExclusiveModeEniType] = ExclusiveModeEniTypes.EniOnly });
        await OperatorRig.EventuallyAsync(async () =>
            (await rig.TryGetAsync<V1Node>(ObjectKey.Cluster("node-1")))?.Status?.Capacity?.ContainsKey(ExtendedResources.Eni) == true,
            TimeSpan.FromSeconds(20), "aliyun/eni to be advertised");
        await rig.CreatePodAsync("apps", "solo", "node-1", annotations: new Dictionary<string, string> { [Annotations.PodEni] = Annotations.True });
        var pe = await rig.WaitPhaseAsync("apps", "solo", PodEniPhases.Bind);
        var node = (await rig.TryGetAsync<V1Node>(ObjectKey.Cluster("node-1")))!;
        var cr = (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")))!;
        Assert.Multiple(() =>
        {
            Assert.That(node.Status!.Capacity![ExtendedResources.Eni].ToString(), Is.EqualTo("3"), "EniQuantity 4 minus the primary ENI");
            Assert.That(node.GetAnnotation(Annotations.TrunkOn), Is.Null);
            Assert.That(cr.GetLabel(Labels.ExclusiveModeEniType), Is.EqualTo(ExclusiveModeEniTypes.EniOnly));
            Assert.That(rig.OwnedEnis().Where(e => e.Type == EniType.Trunk), Is.Empty);
            Assert.That(pe.Spec.Allocations![0].Eni!.VSwitchId, Is.EqualTo(OperatorRig.VSwitchH));
            Assert.That(pe.Status!.EniInfos!.Values.Single().Type, Is.EqualTo(EniTypes.Secondary));
            Assert.That(StatusConditions.Find(cr.Status!.Conditions, ConditionTypes.Ready)!.Reason, Is.EqualTo(ConditionReasons.NodeSynced));
        });
    }
}
