using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Netns;
using Terway.NodeAgent.Tc;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

/// <summary>
/// Trunk ENI with tc: two pods on member ENIs (VLAN 101 on vSwitch m1, VLAN 102 on vSwitch m2)
/// behind node 1's trunk; node 2 is a plain node with an ENIIP-veth pod.
/// </summary>
[TestFixture]
public sealed class TrunkTcTests : DatapathFixture
{
    private const ushort VlanA = 101;
    private const ushort VlanB = 102;

    private VSwitch _nodes = null!;
    private VSwitch _m1 = null!;
    private VSwitch _m2 = null!;
    private FabricNode _node1 = null!;
    private FabricNode _node2 = null!;
    private FabricTrunk _trunk = null!;
    private IPodDatapath _datapath = null!;

    [SetUp]
    public async Task BuildTrunk()
    {
        var node = await NodeDatapath.OpenAsync();
        var missing = node.MissingFeatures(DatapathMode.TrunkTc);
        node.Dispose();
        if (missing.Count > 0)
        {
            Assert.Ignore($"kernel lacks {string.Join(", ", missing.Select(KernelFeatureNames.Describe))}");
        }

        _nodes = Fabric.AddVSwitch("vsw-nodes", "10.100.0.0/24");
        _m1 = Fabric.AddVSwitch("vsw-m1", "10.200.1.0/24");
        _m2 = Fabric.AddVSwitch("vsw-m2", "10.200.2.0/24");
        _node1 = await Fabric.AddNodeAsync("n1", _nodes);
        _node2 = await Fabric.AddNodeAsync("n2", _nodes);
        _node1.AddServiceAddress(ServiceIP);
        _trunk = await _node1.AttachTrunkEniAsync(_nodes);
        _datapath = (await OpenNodeAsync(_node1)).For(DatapathMode.TrunkTc);
    }

    [Test]
    public async Task Setup_TwoMemberPods_TrafficFlowsEverywhere()
    {
        var a = await MemberPodAsync("pa", VlanA, _m1);
        var b = await MemberPodAsync("pb", VlanB, _m2);
        var result = await _datapath.SetupAsync(a);
        await _datapath.SetupAsync(b);
        var remote = await RemoteEniIpPodAsync();

        Assert.That(result.IPs.Single(), Is.EqualTo(new PodIPResult(a.IPv4!.Address, 32, IPAddress.Parse("169.254.1.1"))));
        await AssertPingAsync(a.NetnsPath!, _node2.NodeIP, "another node through the member VLAN");
        await AssertPingAsync(b.NetnsPath!, _node2.NodeIP, "another node through the other member VLAN");
        await AssertPingAsync(a.NetnsPath!, remote.IPv4!.Address, "a pod on another node");
        await AssertPingAsync(remote.NetnsPath!, a.IPv4.Address, "the trunk pod from another node");
        await AssertPingAsync(a.NetnsPath!, b.IPv4!.Address, "the other trunk pod on the same node");
        await AssertPingAsync(a.NetnsPath!, _node1.NodeIP, "own node");
        await AssertServiceReachableAsync(_node1, a.NetnsPath!, a.IPv4.Address);
        Assert.That(await _datapath.CheckAsync(a), Is.Empty);
    }

    [Test]
    public async Task Egress_FramesOnTheTrunkCarryEachPodsOwnTagOnly()
    {
        var a = await MemberPodAsync("pa", VlanA, _m1);
        var b = await MemberPodAsync("pb", VlanB, _m2);
        await _datapath.SetupAsync(a);
        await _datapath.SetupAsync(b);
        using var capture = await PacketSocket.OpenAsync(Fabric.RouterPath, _trunk.FarEndIndex);

        await AssertPingAsync(a.NetnsPath!, _node2.NodeIP, "node 2 from pod A");
        await AssertPingAsync(b.NetnsPath!, _node2.NodeIP, "node 2 from pod B");
        await AssertPingAsync(a.NetnsPath!, _m1.Gateway, "member gateway from pod A");

        var frames = capture.ReceiveUntil(f => f.Count(x => a.IPv4!.Address.Equals(x.IPv4Source)) >= 2 && f.Any(x => b.IPv4!.Address.Equals(x.IPv4Source)), TimeSpan.FromSeconds(3));
        var fromA = frames.Where(f => a.IPv4!.Address.Equals(f.IPv4Source)).ToList();
        var fromB = frames.Where(f => b.IPv4!.Address.Equals(f.IPv4Source)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(fromA, Has.Count.GreaterThanOrEqualTo(2), "pod A's frames were captured on the far side of the trunk");
            Assert.That(fromB, Is.Not.Empty, "pod B's frames were captured");
            Assert.That(fromA.Select(f => f.VlanId), Is.All.EqualTo(VlanA), "pod A's frames carry VLAN 101 only");
            Assert.That(fromB.Select(f => f.VlanId), Is.All.EqualTo(VlanB), "pod B's frames carry VLAN 102 only");
        });
    }

    [Test]
    public async Task Ingress_FrameTaggedForPodA_DeliveredToPodAOnly()
    {
        var a = await MemberPodAsync("pa", VlanA, _m1);
        var b = await MemberPodAsync("pb", VlanB, _m2);
        await _datapath.SetupAsync(a);
        await _datapath.SetupAsync(b);
        const ushort port = 5555;
        using var inA = await Probes.BindUdpAsync(a.NetnsPath!, new IPEndPoint(a.IPv4!.Address, port));
        using var inB = await Probes.BindUdpAsync(b.NetnsPath!, new IPEndPoint(b.IPv4!.Address, port));
        using var wire = await PacketSocket.OpenAsync(Fabric.RouterPath, _trunk.FarEndIndex);

        void Inject(ushort? vlan, IPAddress destination, string payload) =>
            wire.Send(PacketSocket.UdpFrame(_trunk.Eni.Mac, VpcFabric.GatewayMac, vlan, _m1.Gateway, destination, port, System.Text.Encoding.ASCII.GetBytes(payload)));

        Inject(VlanA, a.IPv4.Address, "for-a");
        Inject(VlanB, a.IPv4.Address, "a-with-b-tag");
        Inject(null, a.IPv4.Address, "a-untagged");
        Inject(VlanA, b.IPv4.Address, "b-with-a-tag");
        Inject(VlanA, a.IPv4.Address, "marker-a");
        Inject(VlanB, b.IPv4.Address, "marker-b");

        Assert.Multiple(async () =>
        {
            Assert.That(await ReceiveAsync(inA), Is.EqualTo("for-a"));
            Assert.That(await ReceiveAsync(inA), Is.EqualTo("marker-a"), "frames for A with B's tag or no tag were dropped");
            Assert.That(await ReceiveAsync(inB), Is.EqualTo("marker-b"), "the frame tagged for A never reached B");
        });
    }

    [Test]
    public async Task Setup_InstallsTerwayPriorities_AndTeardownLeavesTrunkAsBefore()
    {
        var before = await SnapshotAsync(_node1);
        var a = await MemberPodAsync("pa", VlanA, _m1);
        var b = await MemberPodAsync("pb", VlanB, _m2);
        await _datapath.SetupAsync(a);
        await _datapath.SetupAsync(a);
        await _datapath.SetupAsync(b);

        var egress = _node1.Netlink.Tc.ListFilters(_trunk.Eni.Index, TcDirection.Egress);
        var ingress = _node1.Netlink.Tc.ListFilters(_trunk.Eni.Index, TcDirection.Ingress);
        Assert.Multiple(() =>
        {
            Assert.That(egress.Select(f => (f.Priority, f.Handle, f.Kind)), Is.EquivalentTo(new[] { ((ushort)50001, (uint)VlanA, "bpf"), ((ushort)50001, (uint)VlanB, "bpf") }));
            Assert.That(ingress.Select(f => (f.Priority, f.Handle)), Is.EquivalentTo(new[] { ((ushort)20000, (uint)VlanA), ((ushort)20000, (uint)VlanB) }));
            Assert.That(egress.All(f => (f.BpfFlags & 1) != 0), Is.True, "direct-action");
        });

        await _datapath.TeardownAsync(a);
        await AssertPingAsync(b.NetnsPath!, _node2.NodeIP, "pod B after pod A left");
        Assert.That(_node1.Netlink.Tc.ListFilters(_trunk.Eni.Index, TcDirection.Egress).Select(f => f.Handle), Is.EqualTo(new[] { (uint)VlanB }));

        await _datapath.TeardownAsync(b);
        await _datapath.TeardownAsync(b);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(_node1)), Is.Empty);
    }

    [Test]
    public async Task Check_FilterRemoved_ReportedAndRepaired()
    {
        var a = await MemberPodAsync("pa", VlanA, _m1);
        await _datapath.SetupAsync(a);
        _node1.Netlink.Tc.DeleteFilter(_trunk.Eni.Index, TcDirection.Egress, 50001, 0x0800, VlanA, "bpf");

        var drift = await _datapath.CheckAsync(a);
        Assert.That(drift.Select(d => d.Kind), Is.EqualTo(new[] { DriftKind.FilterMissing }), string.Join("\n", drift));
        Assert.That(await FirstTagFromAsync(a), Is.Null, "without the filter the pod's frames leave untagged");

        await _datapath.SetupAsync(a);
        Assert.That(await _datapath.CheckAsync(a), Is.Empty);
        Assert.That(await FirstTagFromAsync(a), Is.EqualTo(VlanA), "after repair the pod's frames are tagged again");
    }

    /// <summary>Pings node 2 from the pod and returns the VLAN of the first of its frames seen on the far side.</summary>
    private async Task<ushort?> FirstTagFromAsync(PodNetworkRequest pod)
    {
        using var capture = await PacketSocket.OpenAsync(Fabric.RouterPath, _trunk.FarEndIndex);
        await Probes.PingAsync(pod.NetnsPath!, _node2.NodeIP, TimeSpan.FromSeconds(1));
        var frames = capture.ReceiveUntil(f => f.Any(x => pod.IPv4!.Address.Equals(x.IPv4Source)), TimeSpan.FromSeconds(2));
        var frame = frames.FirstOrDefault(x => pod.IPv4!.Address.Equals(x.IPv4Source));
        Assert.That(frame, Is.Not.Null, "a frame from the pod reached the far side of the trunk");
        return frame!.VlanId;
    }

    [Test]
    public async Task Teardown_PodNamespaceGone_RemovesFiltersRulesAndVeth()
    {
        var before = await SnapshotAsync(_node1);
        var a = await MemberPodAsync("pa", VlanA, _m1);
        await _datapath.SetupAsync(a);
        VpcFabric.DeletePodNamespace(a.NetnsPath!);

        await _datapath.TeardownAsync(a);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(_node1)), Is.Empty);
    }

    private async Task<PodNetworkRequest> MemberPodAsync(string name, ushort vlan, VSwitch memberVSwitch)
    {
        var member = _trunk.AddMember(vlan, memberVSwitch);
        var ip = memberVSwitch.AllocateAddress();
        _trunk.AssignMemberIp(member, ip);
        var netns = await Fabric.CreatePodNamespaceAsync(name);
        return Request(name, netns, memberVSwitch.PodIPv4(ip), _trunk.Eni.Mac) with { VlanId = vlan };
    }

    private async Task<PodNetworkRequest> RemoteEniIpPodAsync()
    {
        var eni = await _node2.AttachEniAsync(_nodes);
        var ip = _nodes.AllocateAddress();
        Fabric.AssignPrivateIp(_nodes, ip, eni.Mac);
        var netns = await Fabric.CreatePodNamespaceAsync("remote");
        var request = Request("remote", netns, _nodes.PodIPv4(ip), eni.Mac);
        await (await OpenNodeAsync(_node2)).For(DatapathMode.EniIpVeth).SetupAsync(request);
        return request;
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var n = await socket.ReceiveAsync(buffer, deadline.Token);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
    }
}
