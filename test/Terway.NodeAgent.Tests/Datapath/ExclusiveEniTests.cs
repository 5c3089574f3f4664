using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

[TestFixture]
public sealed class ExclusiveEniTests : DatapathFixture
{
    [Test]
    public async Task Setup_EnisMovedIntoPods_PodPodNodeAndServiceTrafficFlows()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node2 = await Fabric.AddNodeAsync("n2", vsw);
        node1.AddServiceAddress(ServiceIP);
        var dp1 = (await OpenNodeAsync(node1)).For(DatapathMode.ExclusiveEni);
        var dp2 = (await OpenNodeAsync(node2)).For(DatapathMode.ExclusiveEni);

        var (p1, eni1) = await PodAsync("p1", node1, vsw);
        var (p2, _) = await PodAsync("p2", node1, vsw);
        var (p3, _) = await PodAsync("p3", node2, vsw);
        var result = await dp1.SetupAsync(p1);
        await dp1.SetupAsync(p2);
        await dp2.SetupAsync(p3);

        Assert.Multiple(() =>
        {
            Assert.That(result.Container.Name, Is.EqualTo("eth0"));
            Assert.That(result.Container.Mac, Is.EqualTo(eni1.Mac));
            Assert.That(result.IPs.Single(), Is.EqualTo(new PodIPResult(p1.IPv4!.Address, 24, vsw.Gateway)));
            Assert.That(result.Host!.Name, Does.StartWith("cali"));
            Assert.That(node1.Netlink.GetLink(eni1.Name), Is.Null, "the ENI left the node");
        });
        await AssertPingAsync(p1.NetnsPath!, p2.IPv4!.Address, "pod on the same node");
        await AssertPingAsync(p1.NetnsPath!, p3.IPv4!.Address, "pod on another node");
        await AssertPingAsync(p1.NetnsPath!, node1.NodeIP, "own node (through veth1)");
        await AssertPingAsync(p1.NetnsPath!, node2.NodeIP, "other node");
        await AssertServiceReachableAsync(node1, p1.NetnsPath!, p1.IPv4!.Address);
        Assert.That(await dp1.CheckAsync(p1), Is.Empty);
    }

    [Test]
    public async Task SetupTwiceTeardownTwice_EniReturnsUnderItsNameAndNodeIsAsBefore()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24", "fd00:a::/64");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.ExclusiveEni);
        var (pod, eni) = await PodAsync("p1", node, vsw, dualStack: true);
        var before = await SnapshotAsync(node);

        await dp.SetupAsync(pod);
        await dp.SetupAsync(pod);
        Assert.That(await dp.CheckAsync(pod), Is.Empty);
        await AssertPingAsync(pod.NetnsPath!, node.NodeIP, "node");

        await dp.TeardownAsync(pod);
        await dp.TeardownAsync(pod);
        var returned = node.Netlink.GetLink(eni.Name);
        Assert.Multiple(async () =>
        {
            Assert.That(returned, Is.Not.Null);
            Assert.That(returned!.Mac, Is.EqualTo(eni.Mac));
            Assert.That(returned.IsUp, Is.True);
            Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node)), Is.Empty);
        });
    }

    [Test]
    public async Task Check_EniDownAndServiceRouteGone_Reported()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.ExclusiveEni);
        var (pod, _) = await PodAsync("p1", node, vsw);
        await dp.SetupAsync(pod);

        using (var ns = NetworkNamespace.Open(pod.NetnsPath!))
        using (var podNl = await ns.OpenNetlinkAsync())
        {
            podNl.SetUp(podNl.GetLink("eth0")!.Index, false);
            var veth1 = podNl.GetLink("veth1")!;
            podNl.DeleteRoute(new Terway.NodeAgent.Netlink.RouteInfo { Destination = ServiceCidr.BaseAddress, DestinationPrefix = ServiceCidr.PrefixLength, OutputIndex = veth1.Index });
        }

        var drift = await dp.CheckAsync(pod);
        Assert.That(drift.Select(d => (d.Scope, d.Kind)), Is.SupersetOf(new[] { (DriftScope.Pod, DriftKind.LinkDown), (DriftScope.Pod, DriftKind.RouteMissing) }), string.Join("\n", drift));
        Assert.That(drift.Any(d => d.Subject.Contains("10.96.0.0/12", StringComparison.Ordinal)), Is.True);

        await dp.SetupAsync(pod);
        Assert.That(await dp.CheckAsync(pod), Is.Empty);
    }

    [Test]
    public async Task Teardown_PodNamespaceAlreadyDeleted_Succeeds()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.ExclusiveEni);
        var (pod, eni) = await PodAsync("p1", node, vsw);
        var before = await SnapshotAsync(node);
        await dp.SetupAsync(pod);

        VpcFabric.DeletePodNamespace(pod.NetnsPath!);
        await dp.TeardownAsync(pod);

        // A real ENI returns to the root namespace when its pod namespace goes; the fabric's ENIs
        // are veth ends, which the kernel deletes instead. Everything else must be gone.
        var diff = NamespaceSnapshot.Diff(before, await SnapshotAsync(node));
        Assert.That(diff, Is.EqualTo(new[]
        {
            $"- link {eni.Name} kind=veth up=True noarp=False mtu=1500 mac={eni.Mac} master=- alias=",
            $"- qdisc {eni.Name} noqueue parent ffffffff",
        }));
    }

    [Test]
    public async Task Setup_ForeignEth0_ThrowsInterfaceExists()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.ExclusiveEni);
        var (pod, eni) = await PodAsync("p1", node, vsw);
        using (var ns = NetworkNamespace.Open(pod.NetnsPath!))
        using (var podNl = await ns.OpenNetlinkAsync())
        {
            podNl.CreateVeth("eth0", "x1");
        }

        await Assert.ThrowsAsync<InterfaceExistsException>(() => dp.SetupAsync(pod));
        Assert.That(node.Netlink.GetLink(eni.Name), Is.Not.Null, "the ENI stays on the node");
    }

    private async Task<(PodNetworkRequest Request, FabricEni Eni)> PodAsync(string name, FabricNode node, VSwitch vsw, bool dualStack = false)
    {
        var eni = await node.AttachEniAsync(vsw, configure: false);
        var netns = await Fabric.CreatePodNamespaceAsync(name);
        var request = Request(name, netns, vsw.PodIPv4(vsw.AllocateAddress()), eni.Mac, dualStack ? vsw.PodIPv6(vsw.AllocateAddressV6()) : null)
            with
        { NodeIPv4 = node.NodeIP, NodeIPv6 = node.NodeIPv6 };
        return (request, eni);
    }
}
