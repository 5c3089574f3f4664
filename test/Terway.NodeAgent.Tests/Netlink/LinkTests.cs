using System.Net.NetworkInformation;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tests.Netns;

namespace Terway.NodeAgent.Tests.Netlink;

[TestFixture]
public sealed class LinkTests
{
    private TestNamespace _a = null!;
    private TestNamespace _b = null!;

    [SetUp]
    public async Task SetUp()
    {
        Root.Require();
        var prefix = TestNamespace.UniquePrefix();
        _a = await TestNamespace.CreateAsync(prefix + "-a");
        _b = await TestNamespace.CreateAsync(prefix + "-b");
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }
    }

    [Test]
    public void CreateVeth_PeerInOtherNamespace_BothEndsUpWithMtuAndPeerIndexes()
    {
        // The pod end is the first end (created up, directly in the other namespace); the
        // host end is the peer, brought up here.
        _a.Netlink.CreateVeth("eth0", "hostend",
            new NewLinkOptions { Up = true, Mtu = 1400, NamespaceFd = _b.Handle.Fd },
            new NewLinkOptions { Up = true, Mtu = 1400 });

        var host = _a.Netlink.GetLink("hostend");
        var pod = _b.Netlink.GetLink("eth0");
        Assert.That(host, Is.Not.Null);
        Assert.That(pod, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(host!.Kind, Is.EqualTo("veth"));
            Assert.That(host.IsUp, Is.True);
            Assert.That(host.Mtu, Is.EqualTo(1400));
            Assert.That(pod!.IsUp, Is.True);
            Assert.That(pod.Mtu, Is.EqualTo(1400));
            Assert.That(host.ParentIndex, Is.EqualTo(pod.Index));
            Assert.That(pod.ParentIndex, Is.EqualTo(host.Index));
            Assert.That(pod.ParentNetnsId, Is.Not.Null);
            Assert.That(_a.Netlink.GetLink("eth0"), Is.Null);
        });
    }

    [Test]
    public void CreateVeth_UpPeerInOtherNamespace_Rejected() =>
        Assert.Throws<ArgumentException>(() => _a.Netlink.CreateVeth("p0", "p1", null, new NewLinkOptions { Up = true, NamespaceFd = _b.Handle.Fd }));

    [Test]
    public void CreateVeth_NameTaken_ThrowsWithOperationAndErrno()
    {
        _a.Netlink.CreateVeth("dup0", "dup1");
        var e = Assert.Throws<NetlinkException>(() => _a.Netlink.CreateVeth("dup0", "dup2"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Errno, Is.EqualTo(17));
            Assert.That(e.ErrnoName, Is.EqualTo("EEXIST"));
            Assert.That(e.Message, Does.StartWith("RTM_NEWLINK veth dup0 peer dup2 failed: EEXIST (17)"));
        });
    }

    [Test]
    public void ChangeLink_RenameMtuMacAliasUpDown_AllApplied()
    {
        _a.Netlink.CreateVeth("x0", "x1");
        var x0 = _a.Netlink.GetLink("x0")!;
        var mac = PhysicalAddress.Parse("02-11-22-33-44-55");
        _a.Netlink.ChangeLink(x0.Index, new LinkChange { Name = "renamed0", Mtu = 1280, Mac = mac, Alias = "eth7" });
        _a.Netlink.SetUp(x0.Index, true);

        var renamed = _a.Netlink.GetLink(x0.Index)!;
        Assert.Multiple(() =>
        {
            Assert.That(renamed.Name, Is.EqualTo("renamed0"));
            Assert.That(renamed.Mtu, Is.EqualTo(1280));
            Assert.That(renamed.Mac, Is.EqualTo(mac));
            Assert.That(renamed.Alias, Is.EqualTo("eth7"));
            Assert.That(renamed.IsUp, Is.True);
            Assert.That(_a.Netlink.FindLinksByMac(mac).Select(l => l.Index), Is.EqualTo(new[] { x0.Index }));
        });

        _a.Netlink.SetUp(x0.Index, false);
        _a.Netlink.ChangeLink(x0.Index, new LinkChange { Alias = "" });
        var down = _a.Netlink.GetLink("renamed0")!;
        Assert.That(down.IsUp, Is.False);
        Assert.That(down.Alias, Is.Null.Or.Empty);
    }

    [Test]
    public void MoveToNamespace_LinkLeavesAndAppearsInTarget()
    {
        _a.Netlink.CreateVeth("m0", "m1");
        var m0 = _a.Netlink.GetLink("m0")!;
        _a.Netlink.MoveToNamespace(m0.Index, _b.Handle.Fd, "m0");

        Assert.That(_a.Netlink.GetLink("m0"), Is.Null);
        Assert.That(_b.Netlink.GetLink("m0"), Is.Not.Null);
    }

    [Test]
    public void DeleteLink_VethEnd_RemovesBothEnds()
    {
        _a.Netlink.CreateVeth("d0", "d1");
        Assert.That(_a.Netlink.TryDeleteLink("d0"), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(_a.Netlink.GetLink("d0"), Is.Null);
            Assert.That(_a.Netlink.GetLink("d1"), Is.Null);
            Assert.That(_a.Netlink.TryDeleteLink("d0"), Is.False);
        });
    }

    [Test]
    public void CreateMacvlanAndBridge_ListLinks_ReportsKindsModesAndMaster()
    {
        _a.Netlink.CreateVeth("low0", "low1");
        var low = _a.Netlink.GetLink("low0")!;
        _a.Netlink.CreateMacvlan("mv0", low.Index, MacvlanMode.Bridge);
        _a.Netlink.CreateBridge("br0");
        var br = _a.Netlink.GetLink("br0")!;
        _a.Netlink.SetMaster(_a.Netlink.GetLink("low1")!.Index, br.Index);

        var links = _a.Netlink.ListLinks().ToDictionary(l => l.Name);
        Assert.Multiple(() =>
        {
            Assert.That(links["mv0"].Kind, Is.EqualTo("macvlan"));
            Assert.That(links["mv0"].MacvlanMode, Is.EqualTo(MacvlanMode.Bridge));
            Assert.That(links["mv0"].ParentIndex, Is.EqualTo(low.Index));
            Assert.That(links["br0"].Kind, Is.EqualTo("bridge"));
            Assert.That(links["low1"].MasterIndex, Is.EqualTo(br.Index));
            Assert.That(links, Does.ContainKey("lo"));
        });
    }

    [Test]
    public void ListLinks_ManyLinks_MultipartDumpReturnsAll()
    {
        for (var i = 0; i < 120; i++)
        {
            _a.Netlink.CreateVeth($"bulk{i}a", $"bulk{i}b");
        }

        var names = _a.Netlink.ListLinks().Select(l => l.Name).ToHashSet();
        Assert.That(Enumerable.Range(0, 120).All(i => names.Contains($"bulk{i}a") && names.Contains($"bulk{i}b")), Is.True);
        Assert.That(names, Has.Count.EqualTo(241));
    }

    [Test]
    public async Task MoveToNamespace_ByPid_LinkAppearsInThatProcessNamespace()
    {
        // A process living in namespace b: its PID names b for IFLA_NET_NS_PID.
        using var sleeper = System.Diagnostics.Process.Start("ip", ["netns", "exec", _b.Name, "sleep", "30"]);
        try
        {
            _a.Netlink.CreateVeth("bypid0", "bypid1");
            var link = _a.Netlink.GetLink("bypid0")!;
            var moved = false;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (!moved)
            {
                // `ip netns exec` enters the namespace before exec'ing sleep; until then it is still ours.
                var ns = File.ResolveLinkTarget($"/proc/{sleeper.Id}/ns/net", false)?.Name;
                var ours = File.ResolveLinkTarget("/proc/self/ns/net", false)?.Name;
                if (ns is not null && ns != ours)
                {
                    _a.Netlink.ChangeLink(link.Index, new LinkChange { NamespacePid = sleeper.Id });
                    moved = true;
                }
                else
                {
                    await Task.Delay(20, deadline.Token);
                }
            }

            Assert.That(_b.Netlink.GetLink("bypid0"), Is.Not.Null);
            Assert.That(_a.Netlink.GetLink("bypid0"), Is.Null);
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }
    }
}
