using System.Net;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;
using Terway.NodeAgent.Tests.Netns;

namespace Terway.NodeAgent.Tests.Netlink;

[TestFixture]
public sealed class TrafficControlTests
{
    private TestNamespace _ns = null!;
    private RtNetlink _nl = null!;
    private LinkInfo _link = null!;
    private LinkInfo _peer = null!;

    [SetUp]
    public async Task SetUp()
    {
        Root.Require();
        _ns = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-tc");
        _nl = _ns.Netlink;
        _nl.CreateVeth("t0", "t1", new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true });
        _link = _nl.GetLink("t0")!;
        _peer = _nl.GetLink("t1")!;
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_ns is not null)
        {
            await _ns.DisposeAsync();
        }
    }

    [Test]
    public void Clsact_EnsureTwiceListDelete()
    {
        Assert.That(_nl.Tc.EnsureClsact(_link.Index), Is.True);
        Assert.That(_nl.Tc.EnsureClsact(_link.Index), Is.False);
        Assert.That(_nl.Tc.ListQdiscs(_link.Index).Any(q => q.Kind == "clsact" && q.Parent == Tca.TC_H_CLSACT), Is.True);
        Assert.That(_nl.Tc.DeleteClsact(_link.Index), Is.True);
        Assert.That(_nl.Tc.DeleteClsact(_link.Index), Is.False);
        Assert.That(_nl.Tc.ListQdiscs(_link.Index).Any(q => q.Kind == "clsact"), Is.False);
    }

    [Test]
    public void U32Mirred_AddListDelete_KeysAndTargetRoundTrip()
    {
        _nl.Tc.EnsureClsact(_link.Index);
        _nl.Tc.AddU32Filter(_link.Index, TcDirection.Egress, 40000, EtherType.IPv4,
            [new U32Key(0xFFF00000, 0x0A600000, 16)], MirredAction.IngressRedirect(_peer.Index));
        _nl.Tc.AddU32Filter(_link.Index, TcDirection.Egress, 40000, EtherType.IPv4,
            [new U32Key(0xFFFFFFFF, 0xA9FE140A, 16)], MirredAction.IngressRedirect(_peer.Index));

        var filters = _nl.Tc.ListFilters(_link.Index, TcDirection.Egress);
        Assert.That(filters, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(filters.All(f => f.Kind == "u32" && f.Priority == 40000 && f.Protocol == EtherType.IPv4), Is.True);
            Assert.That(filters.All(f => f.Direction == TcDirection.Egress), Is.True);
            Assert.That(filters.Select(f => f.U32Keys.Single()), Is.EquivalentTo(new[] { new U32Key(0xFFF00000, 0x0A600000, 16), new U32Key(0xFFFFFFFF, 0xA9FE140A, 16) }));
            Assert.That(filters.All(f => f.Mirred == MirredAction.IngressRedirect(_peer.Index)), Is.True);
            Assert.That(_nl.Tc.ListFilters(_link.Index, TcDirection.Ingress), Is.Empty);
        });

        var first = filters[0];
        Assert.That(_nl.Tc.DeleteFilter(_link.Index, TcDirection.Egress, first.Priority, first.Protocol, first.Handle, "u32"), Is.True);
        Assert.That(_nl.Tc.ListFilters(_link.Index, TcDirection.Egress), Has.Count.EqualTo(1));
        Assert.That(_nl.Tc.DeletePriority(_link.Index, TcDirection.Egress, 40000, EtherType.IPv4), Is.True);
        Assert.That(_nl.Tc.ListFilters(_link.Index, TcDirection.Egress), Is.Empty);
    }

    [Test]
    public void BpfFilter_ReplaceListDelete_DirectActionAndName()
    {
        _nl.Tc.EnsureClsact(_link.Index);
        using (var push = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.EgressPushVlan(IPAddress.Parse("10.0.0.7"), 7), "push"))
        {
            _nl.Tc.ReplaceBpfFilter(_link.Index, TcDirection.Egress, 50001, EtherType.IPv4, 7, push.Fd, "vlan-push-7");
            _nl.Tc.ReplaceBpfFilter(_link.Index, TcDirection.Egress, 50001, EtherType.IPv4, 7, push.Fd, "vlan-push-7b");
        }

        using (var pop = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.IngressPopVlan([IPAddress.Parse("10.0.0.7"), IPAddress.Parse("fd00::7")], 7), "pop"))
        {
            _nl.Tc.ReplaceBpfFilter(_link.Index, TcDirection.Ingress, 20000, EtherType.All, 7, pop.Fd, "vlan-pop-7");
        }

        var egress = _nl.Tc.ListFilters(_link.Index, TcDirection.Egress);
        var ingress = _nl.Tc.ListFilters(_link.Index, TcDirection.Ingress);
        Assert.Multiple(() =>
        {
            Assert.That(egress, Has.Count.EqualTo(1), "replacing the same handle keeps one filter");
            Assert.That(egress[0].BpfName, Is.EqualTo("vlan-push-7b"));
            Assert.That(egress[0].BpfFlags & Tca.TCA_BPF_FLAG_ACT_DIRECT, Is.Not.Zero);
            Assert.That(egress[0].Handle, Is.EqualTo(7));
            Assert.That(egress[0].BpfProgramId, Is.Not.Null);
            Assert.That(ingress.Single().Protocol, Is.EqualTo(EtherType.All));
            Assert.That(ingress.Single().Priority, Is.EqualTo(20000));
        });

        Assert.That(_nl.Tc.DeleteFilter(_link.Index, TcDirection.Egress, 50001, EtherType.IPv4, 7, "bpf"), Is.True);
        Assert.That(_nl.Tc.DeleteFilter(_link.Index, TcDirection.Egress, 50001, EtherType.IPv4, 7, "bpf"), Is.False);
        Assert.That(_nl.Tc.ListFilters(_link.Index, TcDirection.Egress), Is.Empty);
    }

    [Test]
    public void ListFilters_NoClsact_Empty() =>
        Assert.That(_nl.Tc.ListFilters(_link.Index, TcDirection.Ingress), Is.Empty);
}
