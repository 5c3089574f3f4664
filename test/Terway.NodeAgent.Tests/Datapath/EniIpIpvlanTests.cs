using System.Net;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Tc;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

/// <summary>
/// ENIIP with ipvlan. This kernel has no ipvlan, so the same datapath also runs with macvlan
/// children (the stand-in): identical routes, neighbours, host slave and Service redirect; only
/// the link kind differs (and the slave answers ARP, since macvlan children have their own MACs).
/// </summary>
[TestFixture]
public sealed class EniIpIpvlanTests : DatapathFixture
{
    private static readonly IPAddress NodeLocalDns = IPAddress.Parse("169.254.20.10");

    [Test]
    public async Task Setup_RealIpvlan_TrafficFlows()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node = await OpenNodeAsync(node1);
        if (!node.Kernel.Has(KernelFeature.Ipvlan))
        {
            Assert.Ignore($"kernel lacks ipvlan ({node.Kernel[KernelFeature.Ipvlan].Detail}); the macvlan stand-in and the golden-bytes tests cover this mode");
        }

        await RunScenarioAsync(vsw, node1, node.For(DatapathMode.EniIpIpvlan));
    }

    [Test]
    public async Task Setup_MacvlanStandIn_PodPodNodeServiceAndHostStackTrafficFlows()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node = await OpenNodeAsync(node1);
        await RunScenarioAsync(vsw, node1, node.IpvlanMacvlanStandIn());
    }

    [Test]
    public async Task Setup_KernelWithoutIpvlan_FailsNamingTheFeature()
    {
        var vsw = Fabric.AddVSwitch("vsw-a", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", vsw);
        var node = await OpenNodeAsync(node1);
        if (node.Kernel.Has(KernelFeature.Ipvlan))
        {
            Assert.Ignore("this kernel has ipvlan; the live test covers the mode");
        }

        var eni = await node1.AttachEniAsync(vsw);
        var netns = await Fabric.CreatePodNamespaceAsync("p1");
        var e = (await Assert.ThrowsAsync<KernelFeatureMissingException>(() =>
            node.For(DatapathMode.EniIpIpvlan).SetupAsync(Request("p1", netns, vsw.PodIPv4(vsw.AllocateAddress()), eni.Mac))))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Missing, Does.Contain(KernelFeature.Ipvlan));
            Assert.That(e.Message, Does.StartWith("datapath EniIpIpvlan cannot be built on this kernel: missing ipvlan"));
            Assert.That(node.MissingFeatures(DatapathMode.EniIpIpvlan), Does.Contain(KernelFeature.Ipvlan));
        });
    }

    private async Task RunScenarioAsync(VSwitch vsw, FabricNode node1, IPodDatapath dp)
    {
        var node2 = await Fabric.AddNodeAsync("n2", vsw);
        node1.AddServiceAddress(ServiceIP);
        node1.AddServiceAddress(NodeLocalDns);
        var eni = await node1.AttachEniAsync(vsw);
        var before = await SnapshotAsync(node1);

        var pods = new List<(PodNetworkRequest Request, PodInterfaceResult Result)>();
        foreach (var name in new[] { "p1", "p2" })
        {
            var netns = await Fabric.CreatePodNamespaceAsync(name);
            var request = Request(name, netns, vsw.PodIPv4(vsw.AllocateAddress()), eni.Mac) with
            {
                NodeIPv4 = node1.NodeIP,
                HostStackCidrs = [new IPNetwork(NodeLocalDns, 32)],
            };
            var result = await dp.SetupAsync(request);
            await dp.SetupAsync(request);
            Fabric.AssignPrivateIp(vsw, request.IPv4!.Address, result.Container.Mac);
            pods.Add((request, result));
        }

        var p1 = pods[0].Request;
        var slaveName = $"ipvl_{eni.Index}";
        var egress = node1.Netlink.Tc.ListFilters(eni.Index, TcDirection.Egress);
        Assert.Multiple(() =>
        {
            Assert.That(pods[0].Result.Host!.Name, Is.EqualTo(slaveName));
            Assert.That(pods[0].Result.IPs.Single(), Is.EqualTo(new PodIPResult(p1.IPv4!.Address, 32, vsw.Gateway)));
            Assert.That(egress.Select(f => (f.Kind, f.Priority, f.U32Keys.Single().Offset)), Is.EquivalentTo(new[] { ("u32", (ushort)40000, 16), ("u32", (ushort)40000, 16) }));
            Assert.That(egress.All(f => f.Mirred == MirredAction.IngressRedirect(node1.Netlink.GetLink(slaveName)!.Index)), Is.True);
        });

        await AssertPingAsync(p1.NetnsPath!, pods[1].Request.IPv4!.Address, "pod on the same ENI");
        await AssertPingAsync(p1.NetnsPath!, node1.NodeIP, "own node through the host slave");
        await AssertPingAsync(p1.NetnsPath!, node2.NodeIP, "other node");
        await AssertPingAsync(node2.Path, p1.IPv4!.Address, "pod from another node");
        await AssertServiceReachableAsync(node1, p1.NetnsPath!, p1.IPv4.Address);
        using (var dns = await Probes.ListenTcpAsync(node1.Path, NodeLocalDns))
        {
            Assert.That(await Probes.TcpExchangeAsync(p1.NetnsPath!, dns.EndPoint, "q"), Is.EqualTo("echo:q"), "host_stack_cidrs reach the host stack");
        }

        Assert.That(await dp.CheckAsync(p1), Is.Empty);
        node1.Netlink.Tc.DeletePriority(eni.Index, TcDirection.Egress, 40000, 0x0800);
        var drift = await dp.CheckAsync(p1);
        Assert.That(drift.Count(d => d.Kind == DriftKind.FilterMissing), Is.EqualTo(2), string.Join("\n", drift));
        await dp.SetupAsync(p1);
        Assert.That(await dp.CheckAsync(p1), Is.Empty);

        await dp.TeardownAsync(p1);
        Assert.That(node1.Netlink.GetLink(slaveName), Is.Not.Null, "the slave stays while the ENI has pods");
        await AssertPingAsync(pods[1].Request.NetnsPath!, node1.NodeIP, "remaining pod to node");
        await dp.TeardownAsync(pods[1].Request);
        await dp.TeardownAsync(pods[1].Request);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node1)), Is.Empty);
    }
}
