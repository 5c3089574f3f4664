using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>A cloud that fails, throttles, times out and loses attaches; the operator still converges.</summary>
[TestFixture]
[Category("Integration")]
public sealed class ResilienceTests
{
    [Test]
    public async Task TenPercentCloudErrorsAndAttachFallbacks_EveryPodStillBinds()
    {
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
        {
            o.Seed = 7;
            o.Knobs.WithoutThrottling();
            o.Knobs.AttachFailureRate = 0.1;
            o.Knobs.Durations = new AsyncDurations
            {
                Attach = TimeSpan.FromMilliseconds(100),
                MemberAttach = TimeSpan.FromMilliseconds(50),
                Detach = TimeSpan.FromMilliseconds(100),
                MemberDetach = TimeSpan.FromMilliseconds(50),
                Delete = TimeSpan.FromMilliseconds(50),
            };
            o.Knobs.Api("CreateNetworkInterface").ErrorRate = 0.1;
            o.Knobs.Api("CreateNetworkInterface").ErrorCode = "InternalError";
            o.Knobs.Api("CreateNetworkInterface").ErrorAfterApply = true; // a lost success: the ClientToken must replay it
            o.Knobs.Api("AttachNetworkInterface").ErrorRate = 0.1;
            o.Knobs.Api("AttachNetworkInterface").ErrorCode = "Throttling";
            o.Knobs.Api("DescribeNetworkInterfaces").ErrorRate = 0.1;
            o.Knobs.Api("DescribeNetworkInterfaces").ErrorCode = "ServiceUnavailable";
            o.Knobs.Api("DescribeNetworkInterfaces").TimeoutRate = 0.03;
            o.Knobs.Api("DescribeNetworkInterfaces").TimeoutHold = TimeSpan.FromSeconds(2);
            o.Knobs.Api("DescribeNetworkInterfaces").TimeoutAfterApply = false;
            o.Knobs.Api("DetachNetworkInterface").ErrorRate = 0.1;
            o.Knobs.Api("DetachNetworkInterface").ErrorCode = "InternalError";
            o.Knobs.Api("DescribeVSwitches").ErrorRate = 0.1;
            o.Knobs.Api("DescribeVSwitches").ErrorCode = "Throttling";
        });
        rig.ConfigureCloudClient = c => c.AttemptTimeout = TimeSpan.FromSeconds(1);
        await rig.RestartOperatorAsync(graceful: true);

        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH, OperatorRig.VSwitchI];
            s.SecurityGroupIds = [OperatorRig.SgPods];
            s.VSwitchSelectOptions = new VSwitchSelectOptions { VSwitchSelectionPolicy = VSwitchSelectionPolicies.Most };
        });
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await rig.CreateNodeAsync("node-2", OperatorRig.Instance2, OperatorRig.ZoneH);
        await rig.CreateNodeAsync("node-3", OperatorRig.Instance3, OperatorRig.ZoneI);
        await LifecycleTests.WaitReadyAsync(rig, "web");

        const int pods = 36;
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        for (var i = 0; i < pods; i++)
        {
            await rig.CreatePodAsync("apps", $"web-{i}", $"node-{(i % 3) + 1}", labels, replicaSet: "web-rs");
        }

        var elapsed = await OperatorRig.EventuallyAsync(async () =>
        {
            var list = await rig.Admin.ListPageAsync<V1Beta1PodEni>(new Terway.Kube.Client.ListOptions { Namespace = "apps" }, null, null);
            return list.Items.Count(p => p.Status?.Phase == PodEniPhases.Bind) == pods;
        }, TimeSpan.FromSeconds(90), "all pods to bind despite injected faults");
        TestContext.Progress.WriteLine($"{pods} pods bound in {elapsed.TotalSeconds:0.0} s with 10 % cloud errors");

        var snapshot = rig.Cloud.Snapshot();
        var podEnis = (await rig.Admin.ListPageAsync<V1Beta1PodEni>(new Terway.Kube.Client.ListOptions { Namespace = "apps" }, null, null)).Items;
        var members = rig.OwnedEnis().Where(e => e.Type == EniType.Member).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(snapshot.Calls.Any(c => c.ErrorCode is "InternalError" or "Throttling" or "ServiceUnavailable"), Is.True, "faults were injected");
            foreach (var pe in podEnis)
            {
                var eni = snapshot.FindEni(pe.Spec.Allocations![0].Eni!.Id!);
                Assert.That(eni?.Status, Is.EqualTo(EniStatus.InUse), pe.Metadata.Name);
                Assert.That(eni?.TrunkNetworkInterfaceId, Is.EqualTo(pe.Status!.TrunkEniId), pe.Metadata.Name);
            }

            // Lost successes were replayed by their ClientTokens, not created twice.
            Assert.That(members, Has.Count.EqualTo(pods));
            Assert.That(rig.OwnedEnis().Count(e => e.Type == EniType.Secondary), Is.Zero, "no stray unattached ENI");
            Assert.That(members.Select(m => m.Tags.Single(t => t.Key == EniTags.OwnerPodEniKey).Value).Distinct().Count(), Is.EqualTo(pods));
        });
    }
}
