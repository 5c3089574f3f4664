using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>The issue-2 PodNetworking sample and a matching pod, end to end against the emulator and the simulator.</summary>
[TestFixture]
[Category("Integration")]
public sealed class TrunkPodTests
{
    private const string SampleVSwitch = "vsw-aaa";
    private const string SampleGroup = "sg-aaa";

    [Test]
    public async Task SamplePodNetworking_MatchingPod_BindsMemberEniOnNodeTrunk()
    {
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
        {
            o.VSwitches.Add(new VSwitchDefinition { VSwitchId = SampleVSwitch, ZoneId = OperatorRig.ZoneH, CidrBlock = "192.168.32.0/20" });
            o.SecurityGroups.Add(new SecurityGroupDefinition { SecurityGroupId = SampleGroup });
        });

        // The sample exactly as config/samples has it.
        var sample = YamlJson.Parse(File.ReadAllText(Path.Combine(OperatorRig.RepoRoot(), "config", "samples", "network_v1beta1_podnetworking.yaml")));
        var pn = await rig.Admin.CreateAsync(KubernetesJson.Deserialize<V1Beta1PodNetworking>(sample.ToJsonString()));
        await OperatorRig.EventuallyAsync(async () =>
            (await rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster(pn.Metadata.Name)))?.Status?.Status == NetworkingStatuses.Ready,
            TimeSpan.FromSeconds(20), "the sample PodNetworking to become Ready");
        var ready = (await rig.TryGetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster(pn.Metadata.Name)))!;
        Assert.Multiple(() =>
        {
            Assert.That(ready.Status!.VSwitches!.Select(v => (v.Id, v.Zone)), Is.EqualTo(new[] { (SampleVSwitch, OperatorRig.ZoneH) }));
            Assert.That(ready.Status.UpdateAt, Is.Not.Null);
            var condition = StatusConditions.Find(ready.Status.Conditions, ConditionTypes.Ready)!;
            Assert.That((condition.Status, condition.Reason), Is.EqualTo((ConditionStatuses.True, ConditionReasons.VSwitchesResolved)));
            Assert.That(ready.Status.ObservedGeneration, Is.EqualTo(ready.Metadata.Generation));
        });

        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await rig.EnsureNamespaceAsync("fixed-ip-demo", new Dictionary<string, string> { ["foo"] = "bar" });
        var pod = await rig.CreatePodAsync("fixed-ip-demo", "db-0", "node-1", labels: new Dictionary<string, string> { ["foo"] = "bar", ["app"] = "db" }, statefulSet: "db");

        var podEni = await rig.WaitPhaseAsync("fixed-ip-demo", "db-0", PodEniPhases.Bind);
        var nodeCr = (await rig.TryGetAsync<V1Beta1Node>(ObjectKey.Cluster("node-1")))!;
        var trunk = nodeCr.Status!.NetworkInterfaces!.Values.Single(n => n.NetworkInterfaceType == EniTypes.Trunk);
        var allocation = podEni.Spec.Allocations!.Single();
        var eniId = allocation.Eni!.Id!;
        var snapshot = rig.Cloud.Snapshot();
        var member = snapshot.FindEni(eniId)!;
        var trunkEni = snapshot.FindEni(trunk.Id)!;
        var vsw = snapshot.VSwitches.Single(v => v.VSwitchId == SampleVSwitch);

        Assert.Multiple(() =>
        {
            // The member ENI in the cloud: InUse on node-1's trunk, in the pod's vSwitch, with its security groups and our tags.
            Assert.That(member.Type, Is.EqualTo(EniType.Member));
            Assert.That(member.Status, Is.EqualTo(EniStatus.InUse));
            Assert.That(member.TrunkNetworkInterfaceId, Is.EqualTo(trunk.Id));
            Assert.That(member.InstanceId, Is.EqualTo(OperatorRig.Instance1));
            Assert.That(member.VSwitchId, Is.EqualTo(SampleVSwitch));
            Assert.That(member.SecurityGroupIds, Is.EqualTo(new[] { SampleGroup }));
            Assert.That(member.Tags, Does.Contain(new Terway.Sandbox.Cloud.CloudTag(EniTags.ClusterIdKey, OperatorRig.ClusterId)));
            Assert.That(member.Tags, Does.Contain(new Terway.Sandbox.Cloud.CloudTag(EniTags.CreatorKey, EniTags.CreatorController)));
            Assert.That(member.Description, Is.EqualTo(EniTags.Description));
            Assert.That(member.DeleteOnRelease, Is.False, "a fixed-IP ENI must survive its instance");

            // The PodENI: Terway's metadata and allocation shape.
            Assert.That(podEni.Metadata.Finalizers, Does.Contain(Finalizers.PodEni));
            Assert.That(podEni.GetAnnotation(Annotations.PodUid), Is.EqualTo(pod.Metadata.Uid));
            Assert.That(podEni.GetLabel(Labels.Node), Is.EqualTo("node-1"));
            Assert.That(podEni.Spec.Zone, Is.EqualTo(OperatorRig.ZoneH));
            Assert.That(allocation.AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed));
            Assert.That(allocation.AllocationType.ReleaseStrategy, Is.EqualTo(ReleaseStrategies.Ttl));
            Assert.That(allocation.Eni.Mac, Is.EqualTo(member.MacAddress));
            Assert.That(allocation.Eni.VSwitchId, Is.EqualTo(SampleVSwitch));
            Assert.That(allocation.Eni.SecurityGroupIds, Is.EqualTo(new[] { SampleGroup }));
            Assert.That(allocation.Eni.Zone, Is.EqualTo(OperatorRig.ZoneH));
            Assert.That(allocation.Eni.VpcId, Is.EqualTo(OperatorRig.Vpc));
            Assert.That(allocation.Eni.AttachmentOptions!.Trunk, Is.True);
            Assert.That(allocation.Ipv4, Is.EqualTo(member.PrimaryIpAddress));
            Assert.That(allocation.Ipv4Cidr, Is.EqualTo(vsw.CidrBlock));
            Assert.That(allocation.Interface, Is.EqualTo("eth0"));

            // Its status: Bind with the VLAN ID the cloud assigned.
            var status = podEni.Status!;
            Assert.That(status.InstanceId, Is.EqualTo(OperatorRig.Instance1));
            Assert.That(status.TrunkEniId, Is.EqualTo(trunk.Id));
            Assert.That(status.PodLastSeen, Is.Not.Null);
            var info = status.EniInfos![eniId];
            Assert.That((info.Id, info.Type, info.Vid, info.Status), Is.EqualTo((eniId, EniTypes.Member, member.DeviceIndex, EniBindStatuses.Bind)));
            Assert.That(member.DeviceIndex, Is.InRange(1, 4094));
            var readyCondition = StatusConditions.Find(status.Conditions, ConditionTypes.Ready)!;
            Assert.That((readyCondition.Status, readyCondition.Reason), Is.EqualTo((ConditionStatuses.True, ConditionReasons.Bound)));

            // The Node CR entry the node agent reads the trunk MAC from.
            Assert.That(trunk.Status, Is.EqualTo(EniStatuses.InUse));
            Assert.That(trunk.MacAddress, Is.EqualTo(trunkEni.MacAddress));
            Assert.That(trunk.VSwitchId, Is.EqualTo(trunkEni.VSwitchId));
            Assert.That(trunk.PrimaryIpAddress, Is.EqualTo(trunkEni.PrimaryIpAddress));
            Assert.That(trunk.Ipv4Cidr, Is.EqualTo(snapshot.VSwitches.Single(v => v.VSwitchId == trunkEni.VSwitchId).CidrBlock));
            Assert.That(trunk.SecurityGroupIds, Is.EqualTo(trunkEni.SecurityGroupIds));
            Assert.That(trunkEni.Type, Is.EqualTo(EniType.Trunk));
            Assert.That(trunkEni.InstanceId, Is.EqualTo(OperatorRig.Instance1));
            Assert.That(nodeCr.Spec.NodeMetadata!.InstanceId, Is.EqualTo(OperatorRig.Instance1));
            Assert.That(nodeCr.Spec.NodeCap!.MemberAdapterLimit, Is.EqualTo(16));
            Assert.That(StatusConditions.IsTrue(nodeCr.Status.Conditions, ConditionTypes.TrunkReady), Is.True);
            Assert.That(nodeCr.Metadata.Finalizers, Does.Contain(Finalizers.NodeController));
            Assert.That(nodeCr.Metadata.OwnerReferences!.Single().Kind, Is.EqualTo("Node"));
        });

        var coreNode = (await rig.TryGetAsync<V1Node>(ObjectKey.Cluster("node-1")))!;
        Assert.Multiple(() =>
        {
            Assert.That(coreNode.GetAnnotation(Annotations.TrunkOn), Is.EqualTo(trunk.Id));
            Assert.That(coreNode.Status!.Capacity![ExtendedResources.MemberEni].ToString(), Is.EqualTo("16"));
            Assert.That(coreNode.Status.Allocatable![ExtendedResources.MemberEni].ToString(), Is.EqualTo("16"));
        });
    }
}
