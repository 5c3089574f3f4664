using System.Net;
using System.Text.Json.Nodes;
using Terway.Crds.Names;
using Terway.NodeAgent.Tests.Cni.Support;
using Terway.NodeAgent.Tests.Fabric;

namespace Terway.NodeAgent.Tests.Cni;

/// <summary>
/// The terway plugin (the real Native AOT binary) driven through libcni, as containerd drives it,
/// against a node agent serving a simulated node of the fabric.
/// </summary>
[TestFixture]
public sealed class ConformanceTests
{
    [Test]
    public async Task AddCheckDel_SharedEniPod_WiredPingableAndRemoved()
    {
        await using var h = await CniHarness.CreateAsync(NodeKind.SharedEni);
        var pod = await h.CreatePodAsync("web-0");
        var ip = (await h.AssignSharedIpsAsync(pod)).Single();
        var netns = await h.PodNetnsAsync("web-0");
        var before = await h.SnapshotNodeAsync();
        var conf = h.WriteConfList("1.0.0");
        var cid = CniHarness.NewContainerId();

        var add = await h.CnirtAsync("add", conf, netns, cid, pod);
        Assert.That(add.ExitCode, Is.Zero, add.ToString());
        var result = JsonNode.Parse(add.Stdout)!;
        var interfaces = result["interfaces"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That((string?)interfaces[0]!["name"], Is.EqualTo("eth0"));
            Assert.That((string?)interfaces[0]!["sandbox"], Is.EqualTo(netns));
            Assert.That((string?)interfaces[1]!["name"], Does.StartWith("cali"), "the host veth is listed for chained plugins");
            Assert.That(interfaces[1]!["sandbox"], Is.Null.Or.Property("ToString").EqualTo(""), "host side has no sandbox");
            Assert.That((string?)result["ips"]![0]!["address"], Is.EqualTo($"{ip}/32"));
            Assert.That((int?)result["ips"]![0]!["interface"], Is.Zero);
            Assert.That(result["ips"]![0]!["version"], Is.Null, "1.0.0 has no ips[].version");
        });

        Assert.That(await Probes.PingAsync(netns, h.Peer.NodeIP), Is.True, "the pod reaches another node through the shared ENI");
        Assert.That(await Probes.PingAsync(netns, h.Node.NodeIP), Is.True, "the pod reaches its own node");

        var check = await h.CnirtAsync("check", conf, netns, cid, pod);
        Assert.That(check.ExitCode, Is.Zero, check.ToString());

        var del = await h.CnirtAsync("del", conf, netns, cid, pod);
        Assert.That(del.ExitCode, Is.Zero, del.ToString());
        Assert.That(NamespaceSnapshot.Diff(before, await h.SnapshotNodeAsync()), Is.Empty, "DEL leaves the node as it was");
        Assert.That(h.AgentService.Checkpoint!.Count, Is.Zero);

        var again = await h.CnirtAsync("del", conf, netns, cid, pod);
        Assert.That(again.ExitCode, Is.Zero, "DEL twice succeeds: " + again);
    }
}
