using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>Invalid PodNetworkings: rejected by the API server (CEL) or Fail with a reason a person understands.</summary>
[TestFixture]
[Category("Integration")]
public sealed class PodNetworkingTests
{
    private OperatorRig _rig = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _rig = await OperatorRig.StartAsync(cloud: o =>
    {
        o.Vpcs.Add(new VpcDefinition { VpcId = "vpc-other", CidrBlock = "10.0.0.0/16" });
        o.VSwitches.Add(new VSwitchDefinition { VSwitchId = "vsw-othervpc", VpcId = "vpc-other", ZoneId = OperatorRig.ZoneH, CidrBlock = "10.0.0.0/24" });
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _rig.DisposeAsync();

    [Test]
    public async Task UnknownVSwitch_GoesFailWithVSwitchNotFound()
    {
        var pn = await FailAsync("unknown-vsw", s => s.VSwitchOptions = ["vsw-doesnotexist"]);
        var ready = StatusConditions.Find(pn.Status!.Conditions, ConditionTypes.Ready)!;
        Assert.Multiple(() =>
        {
            Assert.That(pn.Status.Message, Does.Contain("vSwitch vsw-doesnotexist does not exist"));
            Assert.That((ready.Status, ready.Reason), Is.EqualTo((ConditionStatuses.False, ConditionReasons.VSwitchNotFound)));
            Assert.That(StatusConditions.IsTrue(pn.Status.Conditions, ConditionTypes.Stalled), Is.True);
            Assert.That(pn.Status.ObservedGeneration, Is.EqualTo(pn.Metadata.Generation));
        });
    }

    [Test]
    public async Task VSwitchOfAnotherVpc_GoesFailWithVSwitchNotFound()
    {
        var pn = await FailAsync("other-vpc", s => s.VSwitchOptions = ["vsw-othervpc"]);
        Assert.Multiple(() =>
        {
            Assert.That(pn.Status!.Message, Does.Contain("is in VPC vpc-other, not in the cluster's VPC"));
            Assert.That(StatusConditions.Find(pn.Status.Conditions, ConditionTypes.Ready)!.Reason, Is.EqualTo(ConditionReasons.VSwitchNotFound));
        });
    }

    [Test]
    public async Task UnknownSecurityGroup_GoesFailWithSecurityGroupNotFound()
    {
        var pn = await FailAsync("unknown-sg", s => s.SecurityGroupIds = [OperatorRig.SgPods, "sg-doesnotexist"]);
        Assert.Multiple(() =>
        {
            Assert.That(pn.Status!.Message, Does.Contain("security group sg-doesnotexist does not exist"));
            Assert.That(StatusConditions.Find(pn.Status.Conditions, ConditionTypes.Ready)!.Reason, Is.EqualTo(ConditionReasons.SecurityGroupNotFound));
        });
    }

    [Test]
    public async Task ElevenSecurityGroups_RejectedByTheApiServer()
    {
        var ex = await CreateRejectedAsync("eleven-sgs", s => s.SecurityGroupIds = [.. Enumerable.Range(1, 11).Select(i => $"sg-{i}")]);
        Assert.That(ex.Message + ex.Status?.Message, Does.Contain("securityGroupIDs must list between 1 and 10 security groups"));
    }

    [Test]
    public async Task NeverWithReleaseAfter_RejectedByTheApiServer()
    {
        var ex = await CreateRejectedAsync("never-ttl", s => s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Never, ReleaseAfter = "5m" });
        Assert.That(ex.Message + ex.Status?.Message, Does.Contain("releaseAfter must be empty when releaseStrategy is Never"));
    }

    [Test]
    public async Task FixedVSwitchList_ResyncsWhenTheListChanges()
    {
        var pn = await FailAsync("fixable", s => s.VSwitchOptions = ["vsw-doesnotexist"]);
        pn.Spec.VSwitchOptions = [OperatorRig.VSwitchH, OperatorRig.VSwitchI];
        await _rig.Admin.UpdateAsync(pn);
        await OperatorRig.EventuallyAsync(async () =>
        {
            var now = await _rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster("fixable"));
            return now?.Status?.Status == NetworkingStatuses.Ready && now.Status.VSwitches!.Count == 2 && now.Status.Message is null;
        }, TimeSpan.FromSeconds(20), "the corrected PodNetworking to become Ready with both vSwitches");
        var ready = (await _rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster("fixable")))!;
        Assert.That(ready.Status!.VSwitches!.Select(v => (v.Id, v.Zone)),
            Is.EquivalentTo(new[] { (OperatorRig.VSwitchH, OperatorRig.ZoneH), (OperatorRig.VSwitchI, OperatorRig.ZoneI) }));
    }

    private async Task<V1Beta1PodNetworking> FailAsync(string name, Action<PodNetworkingSpec> change)
    {
        await _rig.CreatePodNetworkingAsync(name, s =>
        {
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
            change(s);
        });
        V1Beta1PodNetworking? pn = null;
        await OperatorRig.EventuallyAsync(async () =>
        {
            pn = await _rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster(name));
            return pn?.Status?.Status == NetworkingStatuses.Fail;
        }, TimeSpan.FromSeconds(20), $"PodNetworking {name} to go Fail");
        return pn!;
    }

    private async Task<KubeApiException> CreateRejectedAsync(string name, Action<PodNetworkingSpec> change)
    {
        try
        {
            await _rig.CreatePodNetworkingAsync(name, s =>
            {
                s.VSwitchOptions = [OperatorRig.VSwitchH];
                s.SecurityGroupIds = [OperatorRig.SgPods];
                change(s);
            });
        }
        catch (KubeApiException ex)
        {
            Assert.That((int)ex.StatusCode, Is.EqualTo(422));
            return ex;
        }

        Assert.Fail($"PodNetworking {name} was accepted");
        throw new InvalidOperationException();
    }
}
