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
public sealed class NodeCrAndTrunkTests
{
    private static readonly PodIdentityKey Pod = new("default", "web-0", "uid-1");

    private static V1Beta1Node NodeCr(string status = EniStatuses.InUse, string podId = "default/web-0", string? podUid = "uid-1", string ipStatus = IPStatuses.Valid) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1" },
        Status = new NodeStatus
        {
            NetworkInterfaces = new Dictionary<string, Nic>
            {
                ["eni-1"] = new Nic
                {
                    Id = "eni-1",
                    Status = status,
                    MacAddress = "02:16:3e:00:00:01",
                    Ipv4Cidr = "10.100.0.0/24",
                    Ipv4 = new Dictionary<string, NicIp>
                    {
                        ["10.100.0.20"] = new NicIp { Ip = "10.100.0.20", Status = ipStatus, PodId = podId, PodUid = podUid },
                        ["10.100.0.21"] = new NicIp { Ip = "10.100.0.21", Status = IPStatuses.Valid },
                    },
                },
            },
        },
    };

    [TestCase(EniIpVirtualType.Veth, DatapathMode.EniIpVeth)]
    [TestCase(EniIpVirtualType.IPvlan, DatapathMode.EniIpIpvlan)]
    public void Evaluate_AssignedIp_OnThatEni(EniIpVirtualType type, DatapathMode mode)
    {
        var ready = (AllocationCheck.Ready)NodeCrEvaluator.Evaluate(Pod, "n1", NodeCr(), type);
        Assert.That(ready.Allocation, Is.EqualTo(new PodAllocation(mode, new PodIPConfig(IPAddress.Parse("10.100.0.20"), 24, IPAddress.Parse("10.100.0.253")), null,
            PhysicalAddress.Parse("02-16-3E-00-00-01"), null, "Node CR n1 ENI eni-1")));
    }

    [Test]
    public void Evaluate_IpWithoutPodUid_MatchesByPodId() =>
        Assert.That(NodeCrEvaluator.Evaluate(Pod, "n1", NodeCr(podUid: null), EniIpVirtualType.Veth), Is.TypeOf<AllocationCheck.Ready>());

    [Test]
    public void Evaluate_IpOfAnEarlierPodWithSameName_NotTaken() =>
        Assert.That(NodeCrEvaluator.Evaluate(Pod, "n1", NodeCr(podUid: "uid-0"), EniIpVirtualType.Veth), Is.TypeOf<AllocationCheck.Waiting>());

    [Test]
    public void Evaluate_NoIpForPod_WaitsNamingTheNodeCrAndConditions()
    {
        var cr = NodeCr(podId: "default/other");
        cr.Status!.NetworkInterfaces!["eni-1"].Conditions = new Dictionary<string, NicCondition> { [NicConditionTypes.InsufficientIP] = new NicCondition { Message = "vSwitch has no IP" } };
        var waiting = (AllocationCheck.Waiting)NodeCrEvaluator.Evaluate(Pod, "n1", cr, EniIpVirtualType.Veth);
        Assert.That(waiting, Is.EqualTo(new AllocationCheck.Waiting("Node CR n1 has no IP for pod default/web-0",
            "waiting for the operator to assign one (ENI conditions: eni-1: InsufficientIP vSwitch has no IP)")));
    }

    [Test]
    public void Evaluate_IpNotValid_Waits() =>
        Assert.That(NodeCrEvaluator.Evaluate(Pod, "n1", NodeCr(ipStatus: IPStatuses.Deleting), EniIpVirtualType.Veth), Is.TypeOf<AllocationCheck.Waiting>());

    [Test]
    public void Evaluate_EniAttaching_Waits() =>
        Assert.That(((AllocationCheck.Waiting)NodeCrEvaluator.Evaluate(Pod, "n1", NodeCr(status: EniStatuses.Attaching), EniIpVirtualType.Veth)).State,
            Is.EqualTo("the IP of pod default/web-0 in Node CR n1 is on ENI eni-1, which is Attaching"));

    [Test]
    public void Evaluate_NoNodeCr_Waits() =>
        Assert.That(NodeCrEvaluator.Evaluate(Pod, "n1", null, EniIpVirtualType.Veth), Is.EqualTo(new AllocationCheck.Waiting("Node CR n1 does not exist", "waiting for the operator to create it")));

    private static V1Node Node(string? trunkOn) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1", Annotations = trunkOn is null ? null : new Dictionary<string, string> { [Annotations.TrunkOn] = trunkOn } },
    };

    private static V1Beta1Node TrunkCr(string status = EniStatuses.InUse, string? mac = "02:16:3e:00:00:0a") => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1" },
        Status = new NodeStatus { NetworkInterfaces = new Dictionary<string, Nic> { ["eni-t"] = new Nic { Id = "eni-t", Status = status, MacAddress = mac, NetworkInterfaceType = EniTypes.Trunk } } },
    };

    [Test]
    public void Trunk_AnnotatedAndRecorded_Known()
    {
        var (trunk, missing) = TrunkResolver.Resolve("n1", Node("eni-t"), TrunkCr());
        Assert.That((trunk, missing), Is.EqualTo((new TrunkInfo("eni-t", PhysicalAddress.Parse("02-16-3E-00-00-0A")), (AllocationCheck.Waiting?)null)));
    }

    [Test]
    public void Trunk_NoAnnotation_WaitsNamingIt() =>
        Assert.That(TrunkResolver.Resolve("n1", Node(null), TrunkCr()).Missing!.State, Is.EqualTo("node n1 has no k8s.aliyun.com/trunk-on annotation"));

    [Test]
    public void Trunk_NotInNodeCr_Waits() =>
        Assert.That(TrunkResolver.Resolve("n1", Node("eni-x"), TrunkCr()).Missing!.State, Is.EqualTo("Node CR n1 has no entry for trunk ENI eni-x"));

    [Test]
    public void Trunk_NotInUse_Waits() =>
        Assert.That(TrunkResolver.Resolve("n1", Node("eni-t"), TrunkCr(EniStatuses.Attaching)).Missing!.State, Is.EqualTo("trunk ENI eni-t of node n1 is Attaching"));

    [Test]
    public void Trunk_NoMac_Waits() =>
        Assert.That(TrunkResolver.Resolve("n1", Node("eni-t"), TrunkCr(mac: null)).Missing, Is.Not.Null);

    [Test]
    public void Classify_ByConfigurationAnnotationAndNodeLabel()
    {
        var plain = new V1Pod { Metadata = new V1ObjectMeta { Name = "p" } };
        var eniPod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Annotations = new Dictionary<string, string> { [Annotations.PodEni] = "true" } } };
        var eniOnly = new V1Node { Metadata = new V1ObjectMeta { Name = "n", Labels = new Dictionary<string, string> { [Labels.ExclusiveModeEniType] = ExclusiveModeEniTypes.EniOnly } } };
        Assert.Multiple(() =>
        {
            Assert.That(PodClassifier.Classify(IpamType.Crd, plain, null), Is.EqualTo(AllocationSource.NodeCr));
            Assert.That(PodClassifier.Classify(IpamType.Crd, eniPod, null), Is.EqualTo(AllocationSource.PodEni));
            Assert.That(PodClassifier.Classify(IpamType.Crd, plain, eniOnly), Is.EqualTo(AllocationSource.PodEni));
            Assert.That(PodClassifier.Classify(IpamType.Vpc, eniPod, eniOnly), Is.EqualTo(AllocationSource.PodCidr));
        });
    }

    [Test]
    public void VpcIpam_SkipsNetworkFirstAndBroadcastAndUsedOnes()
    {
        var cidr = IPNetwork.Parse("10.244.1.0/29");
        var used = new HashSet<IPAddress> { IPAddress.Parse("10.244.1.2"), IPAddress.Parse("10.244.1.4") };
        Assert.That(VpcIpam.Allocate(cidr, used), Is.EqualTo(IPAddress.Parse("10.244.1.3")));
        var all = new HashSet<IPAddress>(Enumerable.Range(2, 5).Select(i => IPAddress.Parse($"10.244.1.{i}")));
        Assert.That(VpcIpam.Allocate(cidr, all), Is.Null, ".7 is the broadcast address");
    }

    [Test]
    public void VpcIpam_Ipv6() =>
        Assert.That(VpcIpam.Allocate(IPNetwork.Parse("fd00:1::/120"), new HashSet<IPAddress>()), Is.EqualTo(IPAddress.Parse("fd00:1::2")));
}
