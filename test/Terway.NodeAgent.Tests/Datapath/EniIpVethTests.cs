using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

[TestFixture]
public sealed class EniIpVethTests : DatapathFixture
{
    [Test]
    public async Task Setup_PodsOnTwoNodes_PodPodNodeAndServiceTrafficFlows()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node2 = await Fabric.AddNodeAsync("n2", vsw);
        node1.AddServiceAddress(ServiceIP);
        var eni1 = await node1.AttachEniAsync(vsw);
        var eni2 = await node2.AttachEniAsync(vsw);
        var dp1 = (await OpenNodeAsync(node1)).For(DatapathMode.EniIpVeth);
        var dp2 = (await OpenNodeAsync(node2)).For(DatapathMode.EniIpVeth);

        var pods = new List<(string Netns, IPAddress IP)>();
        foreach (var (dp, eni, name) in new[] { (dp1, eni1, "p1"), (dp1, eni1, "p2"), (dp2, eni2, "p3") })
        {
            var netns = await Fabric.CreatePodNamespaceAsync(name);
            var ip = vsw.AllocateAddress();
            Fabric.AssignPrivateIp(vsw, ip, eni.Mac);
            var result = await dp.SetupAsync(Request(name, netns, vsw.PodIPv4(ip), eni.Mac));
            Assert.That(result.IPs.Single().Address, Is.EqualTo(ip));
            pods.Add((netns, ip));
        }

        await AssertPingAsync(pods[0].Netns, pods[1].IP, "pod on the same node");
        await AssertPingAsync(pods[0].Netns, pods[2].IP, "pod on another node");
        await AssertPingAsync(pods[2].Netns, pods[0].IP, "pod on another node (reverse)");
        await AssertPingAsync(pods[0].Netns, node1.NodeIP, "own node");
        await AssertPingAsync(pods[0].Netns, node2.NodeIP, "other node");
        await AssertServiceReachableAsync(node1, pods[0].Netns, pods[0].IP);
    }

    [Test]
    public async Task Setup_DualStack_V6PodToPodAcrossNodes()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24", "fd00:a::/64");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node2 = await Fabric.AddNodeAsync("n2", vsw);
        var eni1 = await node1.AttachEniAsync(vsw);
        var eni2 = await node2.AttachEniAsync(vsw);
        var dp1 = (await OpenNodeAsync(node1)).For(DatapathMode.EniIpVeth);
        var dp2 = (await OpenNodeAsync(node2)).For(DatapathMode.EniIpVeth);

        var pods = new List<(string Netns, IPAddress V4, IPAddress V6)>();
        foreach (var (dp, eni, name) in new[] { (dp1, eni1, "p1"), (dp1, eni1, "p2"), (dp2, eni2, "p3") })
        {
            var netns = await Fabric.CreatePodNamespaceAsync(name);
            var v4 = vsw.AllocateAddress();
            var v6 = vsw.AllocateAddressV6();
            Fabric.AssignPrivateIp(vsw, v4, eni.Mac);
            Fabric.AssignPrivateIp(vsw, v6, eni.Mac);
            var result = await dp.SetupAsync(Request(name, netns, vsw.PodIPv4(v4), eni.Mac, vsw.PodIPv6(v6)));
            Assert.That(result.IPs.Select(i => i.Gateway), Is.EqualTo(new[] { IPAddress.Parse("169.254.1.1"), IPAddress.Parse("fe80::1") }));
            pods.Add((netns, v4, v6));
        }

        await AssertPingAsync(pods[0].Netns, pods[1].V6, "IPv6 pod on the same node");
        await AssertPingAsync(pods[0].Netns, pods[2].V6, "IPv6 pod on another node");
        await AssertPingAsync(pods[0].Netns, node2.NodeIPv6!, "IPv6 other node");
        await AssertPingAsync(pods[0].Netns, pods[2].V4, "IPv4 pod on another node");
    }

    [Test]
    public async Task Setup_Twice_ConvergesAndCheckReportsNoDrift()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("p1", vsw, eni);

        var first = await dp.SetupAsync(request);
        var afterFirst = await SnapshotAsync(node);
        var second = await dp.SetupAsync(request);
        var afterSecond = await SnapshotAsync(node);

        Assert.Multiple(async () =>
        {
            Assert.That(second, Is.EqualTo(first).Using<PodInterfaceResult>(SameInterfaces));
            Assert.That(NamespaceSnapshot.Diff(afterFirst, afterSecond), Is.Empty);
            Assert.That(await dp.CheckAsync(request), Is.Empty);
        });
    }

    [Test]
    public async Task Setup_ResultListsContainerAndHostInterfaces()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("nginx", vsw, eni);

        var result = await dp.SetupAsync(request);

        using var ns = NetworkNamespace.Open(request.NetnsPath!);
        using var podNl = await ns.OpenNetlinkAsync();
        var podLink = podNl.GetLink("eth0")!;
        Assert.Multiple(() =>
        {
            Assert.That(result.Container.Name, Is.EqualTo("eth0"));
            Assert.That(result.Container.Sandbox, Is.EqualTo(request.NetnsPath));
            Assert.That(result.Container.Mac, Is.EqualTo(podLink.Mac));
            Assert.That(result.Host!.Name, Is.EqualTo("cali" + Sha1Hex("default.nginx")[..11]));
            Assert.That(result.Host.Sandbox, Is.Null);
            Assert.That(node.Netlink.GetLink(result.Host.Name)!.Mac, Is.EqualTo(result.Host.Mac));
            Assert.That(result.Interfaces, Has.Count.EqualTo(2));
            Assert.That(result.IPs.Single().PrefixLength, Is.EqualTo(32));
            Assert.That(result.Routes.Single().Destination, Is.EqualTo(IPNetwork.Parse("0.0.0.0/0")));
        });
    }

    [Test]
    public async Task Setup_HostStateFollowsTerwayConventions()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("p1", vsw, eni);
        var result = await dp.SetupAsync(request);
        var pod = request.IPv4!.Address;
        var table = 1000u + (uint)eni.Index;

        var rules = node.Netlink.ListRules(AddressFamily.InterNetwork);
        var tableRoutes = node.Netlink.ListRoutes(AddressFamily.InterNetwork, table);
        var hostVeth = node.Netlink.GetLink(result.Host!.Name)!;
        using var ns = NetworkNamespace.Open(request.NetnsPath!);
        using var podNl = await ns.OpenNetlinkAsync();
        var eth0 = podNl.GetLink("eth0")!;
        Assert.Multiple(() =>
        {
            Assert.That(rules.Any(r => r.Priority == 512 && r.Table == 254 && pod.Equals(r.Destination) && r.DestinationPrefix == 32), Is.True, "rule to pod → main, prio 512");
            Assert.That(rules.Any(r => r.Priority == 2048 && r.Table == table && pod.Equals(r.Source) && r.SourcePrefix == 32), Is.True, "rule from pod → 1000+ifindex, prio 2048");
            Assert.That(tableRoutes.Any(r => r.IsDefault && vsw.Gateway.Equals(r.Gateway) && r.OutputIndex == eni.Index && r.OnLink), Is.True, "table default via vSwitch gateway onlink");
            Assert.That(node.Netlink.ListRoutes(AddressFamily.InterNetwork).Any(r => pod.Equals(r.Destination) && r.DestinationPrefix == 32 && r.OutputIndex == hostVeth.Index && r.Scope == Scope.Link), Is.True, "host route to pod");
            Assert.That(podNl.ListNeighbours(eth0.Index).Any(n => n.Address.Equals(IPAddress.Parse("169.254.1.1")) && n.IsPermanent && hostVeth.Mac!.Equals(n.Mac)), Is.True, "permanent neighbour 169.254.1.1");
            Assert.That(podNl.ListRoutes(AddressFamily.InterNetwork).Any(r => r.IsDefault && IPAddress.Parse("169.254.1.1").Equals(r.Gateway) && r.OnLink), Is.True, "pod default route");
        });
    }

    [Test]
    public async Task Check_DeletedRuleRouteNeighbourDownLinkWrongMtu_ReportedThenRepairedBySetup()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("p1", vsw, eni);
        var result = await dp.SetupAsync(request);
        var pod = request.IPv4!.Address;

        node.Netlink.DeleteRule(new RuleInfo { Family = AddressFamily.InterNetwork, Priority = 2048, Source = pod, SourcePrefix = 32 });
        node.Netlink.DeleteRoute(new RouteInfo { Family = AddressFamily.InterNetwork, Table = 1000u + (uint)eni.Index, OutputIndex = eni.Index, Gateway = vsw.Gateway });
        var hostVeth = node.Netlink.GetLink(result.Host!.Name)!;
        node.Netlink.SetMtu(hostVeth.Index, 1400);
        using (var ns = NetworkNamespace.Open(request.NetnsPath!))
        using (var podNl = await ns.OpenNetlinkAsync())
        {
            var eth0 = podNl.GetLink("eth0")!;
            podNl.DeleteNeighbour(eth0.Index, IPAddress.Parse("169.254.1.1"));
            podNl.SetUp(eth0.Index, false);
        }

        var drift = await dp.CheckAsync(request);
        Assert.That(drift.Select(d => (d.Scope, d.Kind)), Is.SupersetOf(new[]
        {
            (DriftScope.Host, DriftKind.RuleMissing),
            (DriftScope.Host, DriftKind.RouteMissing),
            (DriftScope.Host, DriftKind.MtuMismatch),
            (DriftScope.Pod, DriftKind.NeighbourMissing),
            (DriftScope.Pod, DriftKind.LinkDown),
        }), string.Join("\n", drift));

        await dp.SetupAsync(request);
        Assert.That(await dp.CheckAsync(request), Is.Empty);
        await AssertPingAsync(request.NetnsPath!, node.NodeIP, "node after repair");
    }

    [Test]
    public async Task Teardown_LastPod_LeavesNodeAsBefore_AndIsIdempotent()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var before = await SnapshotAsync(node);
        var first = await PodAsync("p1", vsw, eni, dualStack: true);
        var second = await PodAsync("p2", vsw, eni, dualStack: true);
        await dp.SetupAsync(first);
        await dp.SetupAsync(second);

        await dp.TeardownAsync(first);
        Assert.That(node.Netlink.ListRoutes(AddressFamily.InterNetwork, 1000u + (uint)eni.Index), Is.Not.Empty, "the ENI table stays while a pod uses it");
        await AssertPingAsync(second.NetnsPath!, node.NodeIP, "the remaining pod");

        await dp.TeardownAsync(second);
        await dp.TeardownAsync(second);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node)), Is.Empty);
    }

    [Test]
    public async Task Teardown_PodNamespaceAlreadyDeleted_Succeeds()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var before = await SnapshotAsync(node);
        var request = await PodAsync("p1", vsw, eni);
        await dp.SetupAsync(request);

        VpcFabric.DeletePodNamespace(request.NetnsPath!);
        await dp.TeardownAsync(request);
        await dp.TeardownAsync(request with { NetnsPath = null });

        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node)), Is.Empty);
        var drift = await dp.CheckAsync(request);
        Assert.That(drift.Select(d => d.Kind), Does.Contain(DriftKind.NamespaceMissing).And.Contain(DriftKind.LinkMissing));
    }

    [Test]
    public async Task Setup_InterfaceNameTakenByForeignLink_ThrowsInterfaceExists()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("p1", vsw, eni);
        using (var ns = NetworkNamespace.Open(request.NetnsPath!))
        using (var podNl = await ns.OpenNetlinkAsync())
        {
            podNl.CreateVeth("eth0", "other0");
        }

        var e = (await Assert.ThrowsAsync<InterfaceExistsException>(() => dp.SetupAsync(request)))!;
        Assert.That(e.Message, Does.Contain("eth0 already exists"));
    }

    [Test]
    public async Task Setup_EniNotOnNode_ThrowsEniNotFound()
    {
        var (node, _, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var netns = await Fabric.CreatePodNamespaceAsync("p1");
        var request = Request("p1", netns, vsw.PodIPv4(vsw.AllocateAddress()), System.Net.NetworkInformation.PhysicalAddress.Parse("02-00-00-00-00-99"));

        var e = (await Assert.ThrowsAsync<EniNotFoundException>(() => dp.SetupAsync(request)))!;
        Assert.That(e.Message, Does.Contain("02:00:00:00:00:99"));
    }

    [Test]
    public async Task Setup_MissingGateway_ThrowsRequestError()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var request = await PodAsync("p1", vsw, eni);

        var e = (await Assert.ThrowsAsync<DatapathRequestException>(() => dp.SetupAsync(request with { IPv4 = request.IPv4! with { Gateway = null } })))!;
        Assert.That(e.Message, Does.Contain("gateway"));
    }

    [Test]
    public async Task SetupAndTeardown_ManyPodsConcurrently_AllWiredThenNodeAsBefore()
    {
        var (node, eni, vsw) = await OneNodeAsync();
        var dp = (await OpenNodeAsync(node)).For(DatapathMode.EniIpVeth);
        var before = await SnapshotAsync(node);
        var requests = new List<PodNetworkRequest>();
        for (var i = 0; i < 16; i++)
        {
            requests.Add(await PodAsync($"c{i}", vsw, eni));
        }

        await Task.WhenAll(requests.Select(r => dp.SetupAsync(r)));
        var drift = await Task.WhenAll(requests.Select(r => dp.CheckAsync(r)));
        Assert.That(drift.SelectMany(d => d), Is.Empty);
        await AssertPingAsync(requests[3].NetnsPath!, requests[11].IPv4!.Address, "pods wired concurrently");

        await Task.WhenAll(requests.Select(r => dp.TeardownAsync(r)));
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node)), Is.Empty);
    }

    private async Task<(FabricNode Node, FabricEni Eni, VSwitch VSwitch)> OneNodeAsync()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24", "fd00:a::/64");
        var node = await Fabric.AddNodeAsync("n1", vsw);
        var eni = await node.AttachEniAsync(vsw);
        return (node, eni, vsw);
    }

    private async Task<PodNetworkRequest> PodAsync(string name, VSwitch vsw, FabricEni eni, bool dualStack = false)
    {
        var netns = await Fabric.CreatePodNamespaceAsync(name);
        var ip = vsw.AllocateAddress();
        Fabric.AssignPrivateIp(vsw, ip, eni.Mac);
        return Request(name, netns, vsw.PodIPv4(ip), eni.Mac, dualStack ? vsw.PodIPv6(vsw.AllocateAddressV6()) : null);
    }

    private static bool SameInterfaces(PodInterfaceResult a, PodInterfaceResult b) =>
        a.Container == b.Container && a.Host == b.Host && a.IPs.SequenceEqual(b.IPs) && a.Routes.SequenceEqual(b.Routes);

    private static string Sha1Hex(string text) =>
#pragma warning disable CA5350 // the naming convention uses SHA1
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5350
}
