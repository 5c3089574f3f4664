using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Terway.NodeAgent.Tests.Cni.Support;
using Terway.Sandbox.Fabric;

namespace Terway.NodeAgent.Tests.Cni;

/// <summary>Concurrency, agent crashes and restarts, with the real plugin binary.</summary>
[TestFixture]
public sealed class RobustnessTests
{
    [Test]
    public async Task Add_FiftyPodsInParallel_AllWiredWithDistinctAddressesThenAllDeleted()
    {
        const int count = 50;
        await using var h = await CniHarness.CreateAsync(NodeKind.Vpc);
        var before = await h.SnapshotNodeAsync();
        var conf = h.WriteConfList("1.0.0");
        var pods = new List<(V1Pod Pod, string Netns, string Cid)>();
        for (var i = 0; i < count; i++)
        {
            pods.Add((await h.CreatePodAsync($"par-{i}"), await h.PodNetnsAsync($"par-{i}"), CniHarness.NewContainerId()));
        }

        var watch = Stopwatch.StartNew();
        var adds = await Task.WhenAll(pods.Select(p => h.CnirtAsync("add", conf, p.Netns, p.Cid, p.Pod)));
        TestContext.Out.WriteLine($"{count} parallel ADDs through libcni in {watch.ElapsedMilliseconds} ms");

        Assert.That(adds.Where(a => a.ExitCode != 0).Select(a => a.ToString()), Is.Empty);
        var addresses = adds.Select(a => (string)JsonNode.Parse(a.Stdout)!["ips"]![0]!["address"]!).ToList();
        Assert.That(addresses, Is.Unique, "the podCIDR IPAM never hands out an address twice");
        Assert.That(h.AgentService.Checkpoint!.Count, Is.EqualTo(count));
        foreach (var (p, address) in pods.Zip(addresses).Take(3))
        {
            Assert.That(await Probes.PingAsync(p.Netns, h.Peer.NodeIP), Is.True, $"{p.Pod.Metadata.Name} ({address})");
        }

        var dels = await Task.WhenAll(pods.Select(p => h.CnirtAsync("del", conf, p.Netns, p.Cid, p.Pod)));
        Assert.That(dels.Where(d => d.ExitCode != 0).Select(d => d.ToString()), Is.Empty);
        Assert.That(h.AgentService.Checkpoint!.Count, Is.Zero);
        Assert.That(NamespaceSnapshot.Diff(before, await h.SnapshotNodeAsync()), Is.Empty);
    }

    [Test]
    public async Task AgentKilledDuringAdd_RestartRollsBackAndRetriedAddSucceeds()
    {
        await using var h = await CniHarness.CreateAsync(NodeKind.SharedEni, startAgent: false);
        var pod = await h.CreatePodAsync("crash-0");
        await h.AssignSharedIpsAsync(pod);
        var netns = await h.PodNetnsAsync("crash-0");
        var nodeBefore = await h.SnapshotNodeAsync();
        var podBefore = await CniHarness.SnapshotAsync(netns);
        var marker = Path.Combine(h.Directory, "paused");
        var cid = CniHarness.NewContainerId();
        var conf = h.PluginConf("1.0.0");
        var args = CniHarness.CniArgs(pod, cid);

        using (var agent = await ChildAgent.StartAsync(h, pauseAt: "wired:" + marker))
        {
            var add = h.ShimAsync("ADD", conf, cid, netns, args: args);
            Assert.That(await WaitForFileAsync(marker), Is.True, "the ADD reached the pause point");
            Assert.That(NamespaceSnapshot.Diff(nodeBefore, await h.SnapshotNodeAsync()), Is.Not.Empty, "the pod is wired but not committed when the agent dies");

            agent.Kill();
            var failed = await add;
            Assert.That((int?)JsonNode.Parse(failed.Stdout)!["code"], Is.EqualTo(11), failed.ToString());
        }

        using (var restarted = await ChildAgent.StartAsync(h))
        {
            Assert.Multiple(async () =>
            {
                Assert.That(NamespaceSnapshot.Diff(nodeBefore, await h.SnapshotNodeAsync()), Is.Empty, "start-up rolled the half-done ADD back on the node");
                Assert.That(NamespaceSnapshot.Diff(podBefore, await CniHarness.SnapshotAsync(netns)), Is.Empty, "and in the pod");
                Assert.That(Directory.GetFiles(h.AttachmentDirectory), Is.Empty, "and forgot it");
            });

            var retried = await h.ShimAsync("ADD", conf, cid, netns, args: args);
            Assert.That(retried.ExitCode, Is.Zero, retried.ToString());
            Assert.That(await Probes.PingAsync(netns, h.Peer.NodeIP), Is.True);
            Assert.That((await h.ShimAsync("DEL", conf, cid, netns, args: args)).ExitCode, Is.Zero);
        }

        Assert.That(NamespaceSnapshot.Diff(nodeBefore, await h.SnapshotNodeAsync()), Is.Empty);
    }

    [Test]
    public async Task AgentDownDuringDel_DelSucceedsAndTheReleaseIsAppliedAtStart()
    {
        await using var h = await CniHarness.CreateAsync(NodeKind.SharedEni);
        var pod = await h.CreatePodAsync("down-0");
        var ip = (await h.AssignSharedIpsAsync(pod)).Single();
        var netns = await h.PodNetnsAsync("down-0");
        var before = await h.SnapshotNodeAsync();
        var conf = h.WriteConfList("1.0.0");
        var cid = CniHarness.NewContainerId();
        Assert.That((await h.CnirtAsync("add", conf, netns, cid, pod)).ExitCode, Is.Zero);
        await h.StopAgentAsync();

        var del = await h.CnirtAsync("del", conf, netns, cid, pod);

        Assert.That(del.ExitCode, Is.Zero, "DEL succeeds with the agent down: " + del);
        var pending = Directory.GetFiles(h.PendingDirectory);
        Assert.That(pending, Has.Length.EqualTo(1));
        Assert.That(await File.ReadAllTextAsync(pending[0]), Does.Contain(cid));
        Assert.That(NamespaceSnapshot.Diff(before, await h.SnapshotNodeAsync()), Is.Not.Empty, "nothing is torn down without the agent");

        await h.StartAgentAsync();

        var after = await h.SnapshotNodeAsync();
        Assert.Multiple(() =>
        {
            Assert.That(NamespaceSnapshot.Diff(before, after), Is.Empty, "links, rules and routes of the attachment are gone");
            Assert.That(after.Where(l => l.Contains(ip.ToString(), StringComparison.Ordinal)), Is.Empty, "no trace of the pod's address");
            Assert.That(Directory.GetFiles(h.PendingDirectory), Is.Empty, "the record was consumed");
            Assert.That(h.AgentService.Checkpoint!.Count, Is.Zero);
        });
    }

    private static async Task<bool> WaitForFileAsync(string path, double seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>The agent executable as a child process, configured from the harness.</summary>
    private sealed class ChildAgent : IDisposable
    {
        private readonly Process _process;

        private ChildAgent(Process process) => _process = process;

        public static async Task<ChildAgent> StartAsync(CniHarness h, string? pauseAt = null)
        {
            var kubeconfig = Path.Combine(h.Directory, "kubeconfig");
            h.Cluster.Emulator.WriteKubeconfig(kubeconfig, h.Cluster.AgentToken);
            var config = new JsonObject
            {
                ["node_name"] = h.NodeName,
                ["ipam_type"] = "crd",
                ["service_cidr"] = CniHarness.ServiceCidr.ToString(),
                ["host_netns"] = h.Node.Path,
                ["cni_socket"] = h.SocketPath,
                ["state_dir"] = h.StateDirectory,
                ["pending_release_dir"] = h.PendingDirectory,
                ["health_listen"] = "http://127.0.0.1:0",
                ["kubeconfig"] = kubeconfig,
                ["allocation_timeout"] = "20s",
            };
            var configPath = Path.Combine(h.Directory, "nodeagent.json");
            await File.WriteAllTextAsync(configPath, config.ToJsonString());
            if (File.Exists(h.SocketPath))
            {
                File.Delete(h.SocketPath);
            }

            var binary = Path.Combine(AppContext.BaseDirectory, "Terway.NodeAgent");
            var log = Path.Combine(h.Directory, $"agent-{DateTime.UtcNow:HHmmssfff}.log");
            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"exec '{binary}' --config '{configPath}' > '{log}' 2>&1");
            info.Environment.Remove("NODE_NAME");
            if (pauseAt is not null)
            {
                info.Environment["TERWAY_NODEAGENT_TEST_PAUSE"] = pauseAt;
            }

            var process = Process.Start(info)!;
            var agent = new ChildAgent(process);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(h.SocketPath))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    agent.Dispose();
                    Assert.Fail($"the agent did not start: {await File.ReadAllTextAsync(log)}");
                }

                await Task.Delay(50);
            }

            return agent;
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
        }
    }
}
