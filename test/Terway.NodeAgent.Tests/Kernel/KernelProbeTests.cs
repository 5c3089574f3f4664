using System.Diagnostics;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Tests.Netns;

namespace Terway.NodeAgent.Tests.Kernel;

[TestFixture]
public sealed class KernelProbeTests
{
    [SetUp]
    public void RequireRoot() => Root.Require();

    [Test]
    public async Task Probe_ReportsEveryFeature_WithReasonsForMissingOnes()
    {
        var report = await KernelProbe.GetAsync();
        var again = await KernelProbe.GetAsync();
        Assert.Multiple(() =>
        {
            Assert.That(report.Features.Select(f => f.Feature), Is.EquivalentTo(Enum.GetValues<KernelFeature>()));
            Assert.That(report.Has(KernelFeature.Veth), Is.True, "every supported kernel has veth");
            Assert.That(report.Features.Where(f => !f.Available).Select(f => f.Detail), Is.All.Contains("failed:").Or.Contains("not probed"));
            Assert.That(again, Is.SameAs(report), "probed once");
        });
    }

    [TestCase(KernelFeature.Vlan8021Q, "link add link {0} name {0}.7 type vlan id 7")]
    [TestCase(KernelFeature.Ipvlan, "link add link {0} name ipv0 type ipvlan mode l2")]
    [TestCase(KernelFeature.Macvlan, "link add link {0} name mv0 type macvlan mode bridge")]
    [TestCase(KernelFeature.Bridge, "link add name br0 type bridge")]
    public async Task Probe_AgreesWithIproute2(KernelFeature feature, string command)
    {
        if (!File.Exists("/usr/sbin/ip"))
        {
            Assert.Ignore("iproute2 is not installed");
        }

        var report = await KernelProbe.GetAsync();
        await using var ns = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-probe");
        ns.Netlink.CreateVeth("pv0", "pv1");
        var args = new List<string> { "-n", ns.Name };
        args.AddRange(string.Format(System.Globalization.CultureInfo.InvariantCulture, command, "pv0").Split(' '));
        using var ip = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true })!;
        await ip.WaitForExitAsync();
        Assert.That(report.Has(feature), Is.EqualTo(ip.ExitCode == 0), $"probe says {report[feature].Detail}; ip exited {ip.ExitCode}: {await ip.StandardError.ReadToEndAsync()}");
    }

    [Test]
    public async Task MissingFeatures_PerMode_MatchRequirements()
    {
        using var node = await NodeDatapath.OpenAsync();
        foreach (var mode in Enum.GetValues<DatapathMode>())
        {
            var expected = NodeDatapath.RequiredFeatures(mode).Where(f => !node.Kernel.Has(f));
            Assert.That(node.MissingFeatures(mode), Is.EquivalentTo(expected), mode.ToString());
        }

        Assert.That(NodeDatapath.RequiredFeatures(DatapathMode.TrunkVlan), Does.Contain(KernelFeature.Vlan8021Q));
        Assert.That(NodeDatapath.RequiredFeatures(DatapathMode.EniIpIpvlan), Does.Contain(KernelFeature.Ipvlan));
        Assert.That(NodeDatapath.RequiredFeatures(DatapathMode.TrunkTc), Does.Contain(KernelFeature.ClsBpf).And.Contain(KernelFeature.BpfVlanHelpers));
    }
}
