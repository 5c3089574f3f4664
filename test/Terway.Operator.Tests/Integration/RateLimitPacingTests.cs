using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Operator.Tests.Support;

namespace Terway.Operator.Tests.Integration;

/// <summary>A PodENI worker is not held in the cloud client's rate limiter while other pods could finish.</summary>
[TestFixture]
[Category("Integration")]
public sealed class RateLimitPacingTests
{
    [Test]
    public async Task AttachAtItsLimit_OneWorker_TheAttachedPodStillBindsWhileTheOtherWaitsForThePermit()
    {
        await using var rig = await OperatorRig.StartAsync(configure: o =>
        {
            o.PodEniMaxConcurrent = 1;
            o.PodMaxConcurrent = 1;
        }, startOperator: false);

        // Two attaches per minute: the node's trunk and one member ENI; the second pod's attach must wait ~a minute.
        rig.ConfigureCloudClient = c => c.RateLimitsPerMinute["AttachNetworkInterface"] = 2;
        await rig.StartOperatorAsync();
        await rig.CreatePodNetworkingAsync("paced", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "paced" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await LifecycleTests.WaitReadyAsync(rig, "paced");
        await rig.CreatePodAsync("apps", "paced-a", "node-1", new Dictionary<string, string> { ["app"] = "paced" }, replicaSet: "paced-rs");
        await rig.CreatePodAsync("apps", "paced-b", "node-1", new Dictionary<string, string> { ["app"] = "paced" }, replicaSet: "paced-rs");

        // Held in the limiter, the only worker would keep the attached pod from its InUse check for ~a minute.
        V1Beta1PodEni?[] podEnis = [];
        await OperatorRig.EventuallyAsync(async () =>
        {
            podEnis = [await rig.PodEniAsync("apps", "paced-a"), await rig.PodEniAsync("apps", "paced-b")];
            return podEnis.Count(p => p?.Status?.Phase == PodEniPhases.Bind) == 1
                && podEnis.All(p => p?.Spec.Allocations?.FirstOrDefault()?.Eni?.Id is not null);
        }, TimeSpan.FromSeconds(20), "one pod bound and the other's member ENI created while its attach waits for the permit");

        Assert.Multiple(() =>
        {
            Assert.That(rig.Cloud.Snapshot().CountOf("AttachNetworkInterface"), Is.EqualTo(2), "the trunk and one member; the client never exceeded its limit");
            Assert.That(podEnis.Count(p => p!.Status?.Phase != PodEniPhases.Bind), Is.EqualTo(1));
        });
    }
}
