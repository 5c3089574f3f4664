using System.Net;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kernel;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Datapath;

/// <summary>Trunk with an 802.1Q sub-interface per pod. Needs 8021q, which this kernel lacks.</summary>
[TestFixture]
public sealed class TrunkVlanTests : DatapathFixture
{
    [Test]
    public async Task Setup_SubInterfacePod_TaggedTrafficFlows()
    {
        var nodes = Fabric.AddVSwitch("vsw-nodes", "10.100.0.0/24");
        var m1 = Fabric.AddVSwitch("vsw-m1", "10.200.1.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", nodes);
        var node2 = await Fabric.AddNodeAsync("n2", nodes);
        var datapath = await OpenNodeAsync(node1);
        if (!datapath.Kernel.Has(KernelFeature.Vlan8021Q))
        {
            Assert.Ignore($"kernel lacks 8021q ({datapath.Kernel[KernelFeature.Vlan8021Q].Detail}); golden-bytes tests pin the VLAN request");
        }

        var trunk = await node1.AttachTrunkEniAsync(nodes);
        var member = trunk.AddMember(101, m1);
        var ip = m1.AllocateAddress();
        trunk.AssignMemberIp(member, ip);
        var netns = await Fabric.CreatePodNamespaceAsync("p1");
        var request = Request("p1", netns, m1.PodIPv4(ip), trunk.Eni.Mac) with { VlanId = 101, NodeIPv4 = node1.NodeIP };
        var before = await SnapshotAsync(node1);
        var dp = datapath.For(DatapathMode.TrunkVlan);
        using var capture = await PacketSocket.OpenAsync(Fabric.RouterPath, trunk.FarEndIndex);

        var result = await dp.SetupAsync(request);
        await dp.SetupAsync(request);
        Assert.That(result.IPs.Single(), Is.EqualTo(new PodIPResult(ip, 24, m1.Gateway)));
        await AssertPingAsync(netns, node2.NodeIP, "other node through the member VLAN");
        await AssertPingAsync(netns, node1.NodeIP, "own node through veth1");
        var frames = capture.ReceiveUntil(f => f.Any(x => ip.Equals(x.IPv4Source)), TimeSpan.FromSeconds(2));
        Assert.That(frames.Where(x => ip.Equals(x.IPv4Source)).Select(x => x.VlanId), Is.Not.Empty.And.All.EqualTo((ushort)101));
        Assert.That(await dp.CheckAsync(request), Is.Empty);

        await dp.TeardownAsync(request);
        Assert.That(NamespaceSnapshot.Diff(before, await SnapshotAsync(node1)), Is.Empty);
    }

    [Test]
    public async Task Setup_KernelWithout8021Q_FailsNamingTheFeature()
    {
        var nodes = Fabric.AddVSwitch("vsw-nodes", "10.100.0.0/24");
        var node1 = await Fabric.AddNodeAsync("n1", nodes);
        var datapath = await OpenNodeAsync(node1);
        if (datapath.Kernel.Has(KernelFeature.Vlan8021Q))
        {
            Assert.Ignore("this kernel has 8021q; the live test covers the mode");
        }

        var trunk = await node1.AttachTrunkEniAsync(nodes);
        var netns = await Fabric.CreatePodNamespaceAsync("p1");
        var request = Request("p1", netns, new PodIPConfig(IPAddress.Parse("10.200.1.10"), 24, IPAddress.Parse("10.200.1.253")), trunk.Eni.Mac) with { VlanId = 101 };

        var e = (await Assert.ThrowsAsync<KernelFeatureMissingException>(() => datapath.For(DatapathMode.TrunkVlan).SetupAsync(request)))!;
        Assert.That(e.Missing, Is.EqualTo(new[] { KernelFeature.Vlan8021Q }));
        Assert.That(e.Message, Does.Contain("8021q (802.1Q VLAN devices)"));

        // Nothing was touched, and teardown of a pod that was never wired is harmless.
        await datapath.For(DatapathMode.TrunkVlan).TeardownAsync(request);
        var drift = await datapath.For(DatapathMode.TrunkVlan).CheckAsync(request);
        Assert.That(drift.Select(d => d.Kind), Does.Contain(DriftKind.LinkMissing));
    }
}
