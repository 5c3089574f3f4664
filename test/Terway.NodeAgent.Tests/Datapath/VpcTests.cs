using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

[TestFixture]
public sealed class VpcTests : DatapathFixture
{
    [Test]
    public async Task Setup_PodCidrsRoutedByVpc_PodPodNodeAndServiceTrafficFlows()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node2 = await Fabric.AddNodeAsync("n2", vsw);
        node1.AddServiceAddress(ServiceIP);
        Fabric.AddVpcRoute(IPNetwork.Parse("10.244.1.0/24"), node1.NodeIP, vsw);
        Fabric.AddVpcRoute(IPNetwork.Parse("10.244.2.0/24"), node2.NodeIP, vsw);
        var dp1 = (await OpenNodeAsync(node1)).For(DatapathMode.Vpc);
        var dp2 = (await OpenNodeAsync(node2)).For(DatapathMode.Vpc);

        var p1 = await PodAsync("p1", "10.244.1.2");
        var p2 = await PodAsync("p2", "10.244.1.3");
        var p3 = await PodAsync("p3", "10.244.2.2");
        var result = await dp1.SetupAsync(p1);
        await dp1.SetupAsync(p2);
        await dp2.SetupAsync(p3);

        Assert.That(result.IPs.Single(), Is.EqualTo(new PodIPResult(IPAddress.Parse("10.244.1.2"), 32, IPAddress.Parse("169.254.1.1"))));
        await AssertPingAsync(p1.NetnsPath!, p2.IPv4!.Address, "pod on the same node");
        await AssertPingAsync(p1.NetnsPath!, p3.IPv4!.Address, "pod on another node");
        await AssertPingAsync(p1.NetnsPath!, node1.NodeIP, "own node");
        await AssertPingAsync(p1.NetnsPath!, node2.NodeIP, "other node");
        await AssertServiceReachableAsync(node1, p1.NetnsPath!, p1.IPv4!.Address);
        Assert.That(await dp1.CheckAsync(p1), Is.Empty);
    }

    [Test]
    public async Task SetupTwiceTeardownTwice_LeavesNodeAsBefore()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.Vpc);
        var before = await SnapshotAsync(node);
        var pod = await PodAsync("p1", "10.244.1.2", "fd00:244::2");

        await dp.SetupAsync(pod);
        await dp.SetupAsync(pod);
        Assert.That(await dp.CheckAsync(pod), Is.Empty);
        await AssertPingAsync(pod.NetnsPath!, node.NodeIP, "node");

        await dp.TeardownAsync(pod);
        await dp.TeardownAsync(pod);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node)), Is.Empty);
        using var ns = NetworkNamespace.Open(pod.NetnsPath!);
        using var podNl = await ns.OpenNetlinkAsync();
        Assert.That(podNl.GetLink("eth0"), Is.Null, "the pod end went with the host veth");
    }

    [Test]
    public async Task Check_HostRouteDeleted_Reported()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.Vpc);
        var pod = await PodAsync("p1", "10.244.1.2");
        var result = await dp.SetupAsync(pod);

        var hostVeth = node.Netlink.GetLink(result.Host!.Name)!;
        node.Netlink.DeleteRoute(new Terway.NodeAgent.Netlink.RouteInfo { Destination = pod.IPv4!.Address, DestinationPrefix = 32, OutputIndex = hostVeth.Index });

        var drift = await dp.CheckAsync(pod);
        Assert.That(drift, Has.Count.EqualTo(1));
        Assert.That(drift[0].Kind, Is.EqualTo(DriftKind.RouteMissing));
        Assert.That(drift[0].Subject, Does.Contain("10.244.1.2/32"));
        await AssertNoPingAsync(pod.NetnsPath!, node.NodeIP, "node without the host route");
    }

    private async Task<PodNetworkRequest> PodAsync(string name, string ip, string? ip6 = null)
    {
        var netns = await Fabric.CreatePodNamespaceAsync(name);
        return Request(name, netns, new PodIPConfig(IPAddress.Parse(ip), 24), v6: ip6 is null ? null : new PodIPConfig(IPAddress.Parse(ip6), 64));
    }
}
