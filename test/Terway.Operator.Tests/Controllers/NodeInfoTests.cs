using k8s.Models;
using Terway.Cloud.Ecs;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Controllers.Node;
using Terway.Operator.Controllers.PodNetworking;
using Terway.Operator.Controllers.Shared;

namespace Terway.Operator.Tests.Controllers;

/// <summary>Pure readings of nodes, capacities, change filters and the PodNetworking "nothing to do" rule.</summary>
[TestFixture]
public sealed class NodeInfoTests
{
    private static V1Node Node(string? providerId = "cn-hangzhou.i-abc", Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "node-1",
            Labels = labels ?? new Dictionary<string, string>
            {
                [Labels.TopologyZone] = "cn-hangzhou-h",
                [Labels.TopologyRegion] = "cn-hangzhou",
                [Labels.InstanceType] = "ecs.g7.xlarge",
            },
        },
        Spec = new V1NodeSpec { ProviderID = providerId },
    };

    [TestCase("cn-hangzhou.i-abc", "cn-hangzhou", "i-abc")]
    [TestCase("alicloud://cn-hangzhou.i-abc", "cn-hangzhou", "i-abc")]
    [TestCase("aws:///us-east-1a/i-0abc", null, null)]
    [TestCase("cn-hangzhou.", null, null)]
    [TestCase("", null, null)]
    [TestCase(null, null, null)]
    public void ParseProviderId_Forms_RegionAndInstance(string? providerId, string? region, string? instance) =>
        Assert.That(NodeInfo.ParseProviderId(providerId), Is.EqualTo((region, instance)));

    [Test]
    public void Identity_LabelsAndProviderId_Complete()
    {
        var id = NodeInfo.Identity(Node());
        Assert.Multiple(() =>
        {
            Assert.That(id, Is.EqualTo(new NodeIdentity("cn-hangzhou", "cn-hangzhou-h", "ecs.g7.xlarge", "i-abc")));
            Assert.That(id.IsComplete, Is.True);
        });
    }

    [Test]
    public void Identity_Missing_ListsWhat()
    {
        var id = NodeInfo.Identity(Node(providerId: null, labels: new Dictionary<string, string>()));
        Assert.Multiple(() =>
        {
            Assert.That(id.IsComplete, Is.False);
            Assert.That(id.Missing(), Has.Exactly(3).Items);
        });
    }

    [Test]
    public void Capacity_TrunkType_MemberLimitIsTotalMinusEnis()
    {
        var cap = NodeInfo.Capacity(new InstanceTypeInfo { InstanceTypeId = "t", EniQuantity = 4, EniTotalQuantity = 20, EniPrivateIpAddressQuantity = 15, EniIpv6AddressQuantity = 15, EniTrunkSupported = true });
        Assert.That((cap.Adapters, cap.TotalAdapters, cap.MemberAdapterLimit, cap.Ipv4PerAdapter, cap.Ipv6PerAdapter), Is.EqualTo((4, 20, 16, 15, 15)));
    }

    [Test]
    public void Capacity_NoTrunkSupport_NoMembers() =>
        Assert.That(NodeInfo.Capacity(new InstanceTypeInfo { InstanceTypeId = "t", EniQuantity = 2, EniTotalQuantity = 2, EniTrunkSupported = false }).MemberAdapterLimit, Is.Zero);

    [TestCase(true, null, 16, true)]
    [TestCase(false, null, 16, false)]
    [TestCase(true, ExclusiveModeEniTypes.EniOnly, 16, false)]
    [TestCase(true, null, 0, false)]
    public void WantsTrunk_ClusterNodeModeAndType_Decide(bool enableTrunk, string? mode, int members, bool expected)
    {
        var node = Node();
        if (mode is not null)
        {
            node.Metadata.Labels[Labels.ExclusiveModeEniType] = mode;
        }

        Assert.That(NodeInfo.WantsTrunk(enableTrunk, node, members), Is.EqualTo(expected));
    }

    [Test]
    public void WantsTrunk_VirtualKubelet_Never()
    {
        var node = Node();
        node.Metadata.Labels[Labels.NodeType] = Labels.VirtualKubelet;
        Assert.That(NodeInfo.WantsTrunk(true, node, 16), Is.False);
    }

    [Test]
    public void Facts_TrunkInUseInTheNodeCr_IsTheUsableTrunk()
    {
        var cr = new V1Beta1Node
        {
            Spec = new NodeSpec { NodeCap = new NodeCap { MemberAdapterLimit = 16 } },
            Status = new NodeStatus { NetworkInterfaces = new Dictionary<string, Nic> { ["eni-t"] = new Nic { Id = "eni-t", Status = EniStatuses.InUse, NetworkInterfaceType = EniTypes.Trunk } } },
        };
        var facts = NodeInfo.Facts("node-1", Node(), cr, enableTrunk: true);
        Assert.That(facts, Is.EqualTo(new Terway.Operator.Controllers.PodEni.NodeFacts("node-1", true, "i-abc", "cn-hangzhou-h", "eni-t", true)));
        cr.Status.NetworkInterfaces["eni-t"].Status = EniStatuses.Attaching;
        Assert.That(NodeInfo.Facts("node-1", Node(), cr, enableTrunk: true).TrunkEniId, Is.Null, "only an InUse trunk counts");
        Assert.That(NodeInfo.Facts("node-1", null, cr, enableTrunk: true).Exists, Is.False);
    }

    [Test]
    public void NodeEvents_HeartbeatOnly_Dropped_IdentityChange_Passes()
    {
        var old = Node();
        var heartbeat = Node();
        heartbeat.Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] };
        var relabelled = Node();
        relabelled.Metadata.Labels[Labels.TopologyZone] = "cn-hangzhou-i";
        Assert.Multiple(() =>
        {
            Assert.That(NodeEvents.Matters(old, heartbeat), Is.False);
            Assert.That(NodeEvents.Matters(old, relabelled), Is.True);
            Assert.That(NodeEvents.IdentityChanged(old, relabelled), Is.True);
        });
    }

    [Test]
    public void NodeEvents_TrunkBecomesInUse_WakesPods()
    {
        static V1Beta1Node Cr(string status) => new()
        {
            Status = new NodeStatus { NetworkInterfaces = new Dictionary<string, Nic> { ["eni-t"] = new Nic { Id = "eni-t", Status = status, NetworkInterfaceType = EniTypes.Trunk } } },
        };
        Assert.Multiple(() =>
        {
            Assert.That(NodeEvents.TrunkChanged(Cr(EniStatuses.Attaching), Cr(EniStatuses.InUse)), Is.True);
            Assert.That(NodeEvents.TrunkChanged(Cr(EniStatuses.InUse), Cr(EniStatuses.InUse)), Is.False);
        });
    }

    [Test]
    public void PodEvents_StatusOnlyChange_Dropped_DeletionPasses()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Uid = "u" }, Spec = new V1PodSpec { NodeName = "n" }, Status = new V1PodStatus { Phase = "Pending" } };
        var running = new V1Pod { Metadata = new V1ObjectMeta { Uid = "u" }, Spec = new V1PodSpec { NodeName = "n" }, Status = new V1PodStatus { Phase = "Running" } };
        var deleting = new V1Pod { Metadata = new V1ObjectMeta { Uid = "u", DeletionTimestamp = DateTime.UtcNow }, Spec = new V1PodSpec { NodeName = "n" } };
        Assert.Multiple(() =>
        {
            Assert.That(PodEvents.Matters(pod, running), Is.False);
            Assert.That(PodEvents.Matters(pod, deleting), Is.True);
        });
    }

    [Test]
    public void PodNetworkingUpToDate_ReadyForTheGenerationAndTheSameVSwitches()
    {
        var pn = new V1Beta1PodNetworking
        {
            Metadata = new V1ObjectMeta { Generation = 2 },
            Spec = new PodNetworkingSpec { VSwitchOptions = ["a", "b"] },
            Status = new PodNetworkingStatus { Status = NetworkingStatuses.Ready, ObservedGeneration = 2, VSwitches = [new VSwitch { Id = "b" }, new VSwitch { Id = "a" }] },
        };
        Assert.That(PodNetworkingReconciler.IsUpToDate(pn), Is.True);
        pn.Spec.VSwitchOptions = ["a", "b", "c"];
        Assert.That(PodNetworkingReconciler.IsUpToDate(pn), Is.False, "the list changed");
        pn.Spec.VSwitchOptions = ["a", "b"];
        pn.Metadata.Generation = 3;
        Assert.That(PodNetworkingReconciler.IsUpToDate(pn), Is.False, "a new generation");
    }
}
