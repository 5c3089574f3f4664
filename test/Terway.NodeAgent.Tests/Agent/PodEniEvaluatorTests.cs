using System.Net;
using System.Net.NetworkInformation;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.NodeAgent.Allocation;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Tests.Agent;

[TestFixture]
public sealed class PodEniEvaluatorTests
{
    private static readonly PodIdentityKey Pod = new("default", "web-0", "uid-1");
    private static readonly TrunkInfo Trunk = new("eni-trunk", PhysicalAddress.Parse("02-16-3E-00-00-01"));

    private static V1Beta1PodEni PodEni(bool trunk = true, string phase = PodEniPhases.Bind, string? uid = "uid-1", string? trunkId = "eni-trunk", int? vid = 101, bool infos = true) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "web-0",
            NamespaceProperty = "default",
            Annotations = uid is null ? null : new Dictionary<string, string> { [Annotations.PodUid] = uid },
        },
        Spec = new PodEniSpec
        {
            Allocations =
            [
                new Crds.V1Beta1.Allocation
                {
                    Eni = new Eni { Id = "eni-m", Mac = "02:16:3e:00:00:99", AttachmentOptions = new AttachmentOptions { Trunk = trunk } },
                    Ipv4 = "10.200.1.17",
                    Ipv4Cidr = "10.200.1.0/24",
                    Interface = "eth0",
                },
            ],
        },
        Status = new PodEniStatus
        {
            Phase = phase,
            TrunkEniId = trunkId,
            EniInfos = infos ? new Dictionary<string, EniInfo> { ["eni-m"] = new EniInfo { Id = "eni-m", Type = trunk ? EniTypes.Member : EniTypes.Secondary, Vid = trunk ? vid : null, Status = EniBindStatuses.Bind } } : null,
        },
    };

    private static AllocationCheck Evaluate(V1Beta1PodEni? podEni, TrunkInfo? trunk = null, VlanStripType strip = VlanStripType.Filter, string ifName = "eth0") =>
        PodEniEvaluator.Evaluate(Pod, ifName, podEni, () => trunk is null ? (null, new AllocationCheck.Waiting("node n1 has no trunk", "waiting")) : (trunk, null), strip);

    [Test]
    public void Evaluate_BoundMember_TrunkMacVlanAndMemberGateway()
    {
        var ready = (AllocationCheck.Ready)Evaluate(PodEni(), Trunk);
        Assert.That(ready.Allocation, Is.EqualTo(new PodAllocation(DatapathMode.TrunkTc,
            new PodIPConfig(IPAddress.Parse("10.200.1.17"), 24, IPAddress.Parse("10.200.1.253")), null, Trunk.Mac, 101,
            "PodENI default/web-0 member eni-m VLAN 101 on trunk eni-trunk")));
    }

    [Test]
    public void Evaluate_VlanStripTypeVlan_SubInterfaceMode() =>
        Assert.That(((AllocationCheck.Ready)Evaluate(PodEni(), Trunk, VlanStripType.Vlan)).Allocation.Mode, Is.EqualTo(DatapathMode.TrunkVlan));

    [Test]
    public void Evaluate_Exclusive_TheEniItselfByMac()
    {
        var ready = (AllocationCheck.Ready)Evaluate(PodEni(trunk: false));
        Assert.That((ready.Allocation.Mode, ready.Allocation.EniMac, ready.Allocation.VlanId), Is.EqualTo((DatapathMode.ExclusiveEni, PhysicalAddress.Parse("02-16-3E-00-00-99"), (ushort?)null)));
    }

    private static IEnumerable<TestCaseData> WaitingCases()
    {
        yield return new TestCaseData(null, "PodENI default/web-0 does not exist", "waiting for the operator to create it").SetName("Evaluate_Absent_Waits");
        yield return new TestCaseData(PodEni(phase: PodEniPhases.Binding), "PodENI default/web-0 is in phase Binding", "waiting for the operator to attach eni-m to trunk eni-trunk").SetName("Evaluate_Binding_Waits");
        yield return new TestCaseData(PodEni(phase: ""), "PodENI default/web-0 is in phase Initial", "waiting for the operator to attach eni-m to trunk eni-trunk").SetName("Evaluate_Initial_Waits");
        yield return new TestCaseData(PodEni(uid: "uid-old"), "PodENI default/web-0 is bound for pod UID uid-old, the pod's UID is uid-1", "waiting for the operator to rebind it to this pod").SetName("Evaluate_OtherUid_Waits");
        yield return new TestCaseData(PodEni(infos: false), "PodENI default/web-0 has no status.eniInfos entry for eni-m", "waiting for the operator to record the attachment").SetName("Evaluate_NoEniInfos_Waits");
    }

    [TestCaseSource(nameof(WaitingCases))]
    public void Evaluate_NotReady(V1Beta1PodEni? podEni, string state, string hint) =>
        Assert.That(Evaluate(podEni, Trunk), Is.EqualTo(new AllocationCheck.Waiting(state, hint)));

    [Test]
    public void Evaluate_BeingDeleted_Waits()
    {
        var podEni = PodEni();
        podEni.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.That(((AllocationCheck.Waiting)Evaluate(podEni, Trunk)).State, Is.EqualTo("PodENI default/web-0 is being deleted"));
    }

    [Test]
    public void Evaluate_NoAllocations_Waits()
    {
        var podEni = PodEni();
        podEni.Spec.Allocations = [];
        Assert.That(((AllocationCheck.Waiting)Evaluate(podEni, Trunk)).State, Is.EqualTo("PodENI default/web-0 has no allocations"));
    }

    [Test]
    public void Evaluate_TrunkUnknown_WaitsWithTheTrunkReason() =>
        Assert.That(((AllocationCheck.Waiting)Evaluate(PodEni(), trunk: null)).State, Is.EqualTo("node n1 has no trunk"));

    [Test]
    public void Evaluate_DifferentTrunk_HardError103()
    {
        var failed = (AllocationCheck.Failed)Evaluate(PodEni(trunkId: "eni-other"), Trunk);
        Assert.That(failed, Is.EqualTo(new AllocationCheck.Failed(103, "PodENI used a different trunk: PodENI default/web-0 is bound through trunk eni-other, this node's trunk is eni-trunk")));
    }

    [TestCase(null)]
    [TestCase(0)]
    [TestCase(4095)]
    public void Evaluate_BadVlan_Error108(int? vid) => Assert.That(((AllocationCheck.Failed)Evaluate(PodEni(vid: vid), Trunk)).Code, Is.EqualTo(108));

    [Test]
    public void Evaluate_AddressOutsideCidr_Error108()
    {
        var podEni = PodEni();
        podEni.Spec.Allocations![0].Ipv4Cidr = "10.9.0.0/24";
        Assert.That(((AllocationCheck.Failed)Evaluate(podEni, Trunk)).Message, Does.Contain("needs the vSwitch CIDR it belongs to"));
    }

    [Test]
    public void Evaluate_NoAllocationForInterface_Error108() =>
        Assert.That((AllocationCheck.Failed)Evaluate(PodEni(), Trunk, ifName: "net1"), Is.EqualTo(new AllocationCheck.Failed(108, "PodENI default/web-0 has no allocation for interface net1")));

    [Test]
    public void Evaluate_PodWithoutUid_DoesNotCompareUids() =>
        Assert.That(PodEniEvaluator.Evaluate(Pod with { Uid = null }, "eth0", PodEni(uid: "x"), () => (Trunk, null), VlanStripType.Filter), Is.TypeOf<AllocationCheck.Ready>());
}
