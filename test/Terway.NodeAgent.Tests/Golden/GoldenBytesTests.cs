using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Tests.Golden;

/// <summary>
/// Our request builders against what iproute2 sends for the same command, captured with strace
/// (Golden/capture.sh). This pins the requests this kernel cannot run (802.1Q VLAN, ipvlan) and
/// double-checks the rest. The live variant re-captures with the installed iproute2.
/// </summary>
[TestFixture]
public sealed class GoldenBytesTests
{
    private const int ParentIndex = 3;

    /// <summary>case name → (message type, our builder).</summary>
    private static readonly Dictionary<string, (ushort Type, Action<NetlinkMessageWriter> Build)> Cases = new()
    {
        ["vlan"] = (Rtm.NEWLINK, w => RtNetlink.BuildVlan(w, "gx.5", ParentIndex, 5, NewLinkOptions.Default)),
        ["ipvlan-l2"] = (Rtm.NEWLINK, w => RtNetlink.BuildIpvlan(w, "ipvl0", ParentIndex, IpvlanMode.L2, NewLinkOptions.Default)),
        ["ipvlan-l3"] = (Rtm.NEWLINK, w => RtNetlink.BuildIpvlan(w, "ipvl0", ParentIndex, IpvlanMode.L3, NewLinkOptions.Default)),
        ["macvlan-bridge"] = (Rtm.NEWLINK, w => RtNetlink.BuildMacvlan(w, "mv0", ParentIndex, MacvlanMode.Bridge, NewLinkOptions.Default)),
        ["veth-peer-netns"] = (Rtm.NEWLINK, w => RtNetlink.BuildVeth(w, "cali0", "eth0", NewLinkOptions.Default, new NewLinkOptions { NamespaceFd = 4 })),
        ["clsact"] = (Rtm.NEWQDISC, w => TrafficControl.BuildClsact(w, Rtm.NEWQDISC, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, ParentIndex)),
        ["u32-mirred"] = (Rtm.NEWTFILTER, w => TrafficControl.BuildU32Filter(w, ParentIndex, TcDirection.Egress, 40000, EtherType.IPv4,
            [new U32Key(0xFFF00000, 0x0A600000, 16)], MirredAction.IngressRedirect(4))),
        ["rule-from"] = (Rtm.NEWRULE, w => RtNetlink.BuildRule(w, Rtm.NEWRULE, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, new RuleInfo
        {
            Family = AddressFamily.InterNetwork, Priority = 2048, Table = 1003, Source = IPAddress.Parse("10.0.0.5"), SourcePrefix = 32,
        })),
        ["route-onlink"] = (Rtm.NEWROUTE, w => RtNetlink.BuildRoute(w, Rtm.NEWROUTE, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, new RouteInfo
        {
            Family = AddressFamily.InterNetwork, Gateway = IPAddress.Parse("10.0.0.253"), OutputIndex = ParentIndex, Table = 1003, OnLink = true,
        })),
        ["neigh-permanent"] = (Rtm.NEWNEIGH, w => RtNetlink.BuildNeighbour(w, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE, ParentIndex,
            IPAddress.Parse("169.254.1.1"), PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF"), Nda.NUD_PERMANENT)),
        ["address"] = (Rtm.NEWADDR, w => RtNetlink.BuildAddress(w, Rtm.NEWADDR, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, ParentIndex, IPAddress.Parse("10.0.0.5"), 32, Scope.Universe, 0)),
    };

    private static IEnumerable<string> CaseNames => Cases.Keys;

    [TestCaseSource(nameof(CaseNames))]
    public void Builder_MatchesStoredIproute2Capture(string name)
    {
        var capture = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", name + ".strace"));
        AssertSameTree(name, capture);
    }

    [TestCaseSource(nameof(CaseNames))]
    public async Task Builder_MatchesLiveIproute2Capture(string name)
    {
        if (!File.Exists("/usr/bin/strace") || !File.Exists("/usr/sbin/ip") || !File.Exists("/usr/sbin/tc"))
        {
            Assert.Ignore("strace, ip or tc is not installed; the stored captures are checked instead");
        }

        Tests.Netns.Root.Require();
        var directory = await LiveCaptureAsync();
        AssertSameTree(name, File.ReadAllText(Path.Combine(directory, name + ".strace")));
    }

    [Test]
    public void NetlinkTree_DifferentVlanId_Differs()
    {
        var capture = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "vlan.strace"));
        var theirs = NetlinkTree.Render(StraceCapture.LastRequest(capture, Rtm.NEWLINK));
        var w = new NetlinkMessageWriter();
        RtNetlink.BuildVlan(w, "gx.5", ParentIndex, 6, NewLinkOptions.Default);
        w.AddFlags(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        w.Finish(1);
        Assert.That(NetlinkTree.Render(w.Written), Is.Not.EqualTo(theirs), "the comparison notices a wrong VLAN id");
    }

    private static void AssertSameTree(string name, string capture)
    {
        var (type, build) = Cases[name];
        var theirs = NetlinkTree.Render(StraceCapture.LastRequest(capture, type));
        var w = new NetlinkMessageWriter();
        build(w);
        w.AddFlags(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK); // added by the socket when it sends
        w.Finish(sequence: 1);
        var ours = NetlinkTree.Render(w.Written);
        TestContext.Out.WriteLine(ours);
        Assert.That(ours, Is.EqualTo(theirs), $"request for '{name}' differs from iproute2's");
    }

    private static readonly SemaphoreSlim CaptureLock = new(1, 1);
    private static string? s_liveDirectory;

    private static async Task<string> LiveCaptureAsync()
    {
        await CaptureLock.WaitAsync();
        try
        {
            if (s_liveDirectory is not null)
            {
                return s_liveDirectory;
            }

            var directory = Directory.CreateTempSubdirectory("terway-golden").FullName;
            var script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Golden", "capture.sh");
            using var process = Process.Start(new ProcessStartInfo("bash", [script, directory]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.That(process.ExitCode, Is.Zero, await stderr);
            return s_liveDirectory = directory;
        }
        finally
        {
            CaptureLock.Release();
        }
    }
}
