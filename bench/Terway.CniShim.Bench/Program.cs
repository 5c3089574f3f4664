using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.CniShim.Bench;
using Terway.CniShim.Protocol;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Status;
using Terway.NodeAgent.Agent;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Integration;
using Terway.Sandbox.KubeApi;

// CNI ADD/DEL latency through libcni (cnirt → terway plugin → node agent → datapath) with the
// allocation already present (a shared-ENI IP per pod in the Node CR), plus the plugin's own
// start-up. Needs root, /usr/local/bin/cnirt (or TERWAY_CNIRT) and a published plugin (done here).
// Usage: dotnet run -c Release --project bench/Terway.CniShim.Bench [-- --pods 500 --no-fsync-run]
var pods = 500;
var fsyncOffRun = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-fsync-run": fsyncOffRun = false; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

var cnirt = Environment.GetEnvironmentVariable("TERWAY_CNIRT") is { Length: > 0 } c ? c : "/usr/local/bin/cnirt";
if (Environment.UserName != "root" || !File.Exists(cnirt))
{
    Console.Error.WriteLine("needs root and the libcni driver (TERWAY_CNIRT or /usr/local/bin/cnirt)");
    return 1;
}

// The sandbox's publisher: one freshness rule and one lock for the CLI, the tests and this bench.
var shimDir = await TerwayPluginBinary.DirectoryAsync(Console.WriteLine);
var shim = Path.Combine(shimDir, "terway");
var work = Path.Combine(Path.GetTempPath(), "terway-cnibench-" + Guid.NewGuid().ToString("N")[..6]);
Directory.CreateDirectory(work);
Console.WriteLine($"Terway CNI benchmark: {pods} pods, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

var rows = new List<Row>();

// 1. The plugin's own start-up: VERSION (no socket), and an ADD against an agent that answers at once.
rows.Add(Row.Of("plugin VERSION (process start to exit)", await Measure.TimesAsync(200, () => Exec.RunAsync(shim, [], VersionEnv(shimDir), """{"cniVersion":"1.0.0"}"""))));
rows.Add(Row.Of("  CPU of the plugin process (user+sys)", Measure.LastCpu));
rows.Add(Row.Of("/bin/true (process start to exit, for scale)", await Measure.TimesAsync(200, () => Exec.RunAsync("/bin/true", [], []))));
rows.Add(Row.Of("  CPU of /bin/true (user+sys)", Measure.LastCpu));
await using (var instant = InstantAgent.Start(Path.Combine(work, "instant.sock")))
{
    var conf = new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "bench", ["type"] = "terway", ["agent_socket"] = instant.Path, ["log_file"] = "" };
    rows.Add(Row.Of("plugin ADD, agent answers at once", await Measure.TimesAsync(200, () => Exec.RunAsync(shim, [], AddEnv(shimDir, "c1", "/var/run/netns/none"), conf.ToJsonString()))));
    rows.Add(Row.Of("  CPU of the plugin process (user+sys)", Measure.LastCpu));
    var list = new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "bench-instant", ["plugins"] = new JsonArray(conf.DeepClone()) };
    var listPath = Path.Combine(work, "instant.conflist");
    await File.WriteAllTextAsync(listPath, list.ToJsonString());
    rows.Add(Row.Of("libcni ADD (cnirt), agent answers at once", await Measure.TimesAsync(200, i => Exec.RunAsync(cnirt, ["add", listPath, "/var/run/netns/none", $"instant{i}", "eth0", PodArgs("p", $"instant{i}", "u")], CniPathEnv(shimDir)))));
    rows.Add(Row.Of("  CPU of cnirt + plugin (user+sys)", Measure.LastCpu));
    foreach (var f in Directory.EnumerateFiles("/var/lib/cni/results", "bench-instant-*"))
    {
        File.Delete(f);
    }
}

// 2. The real thing: API emulator, a node namespace with an ENI, the agent in-process, 500 pods.
await using var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
await Cluster.InstallCrdsAsync(api);
foreach (var fsync in fsyncOffRun ? new[] { true, false } : [true])
{
    var label = fsync ? "" : " [checkpoint_fsync: false]";
    await using var node = await BenchNode.CreateAsync(api, work, pods, fsync);
    var conf = node.ConfList();
    var agentAdds = new List<double>();
    var agentDels = new List<double>();
    var phases = new Dictionary<string, List<double>>();
    using var listener = AgentLatency.Listen(node.MeterName, agentAdds, agentDels, phases);

    // Warm-up (JIT, first use of each code path): five pods added and deleted, not counted.
    for (var i = 0; i < 5; i++)
    {
        var (pod, netns, cid) = node.Pods[i];
        Exec.Check(await Exec.RunAsync(cnirt, ["add", conf, netns, cid, "eth0", PodArgs(pod.Metadata.Name, cid, pod.Metadata.Uid)], CniPathEnv(shimDir)));
        Exec.Check(await Exec.RunAsync(cnirt, ["del", conf, netns, cid, "eth0", PodArgs(pod.Metadata.Name, cid, pod.Metadata.Uid)], CniPathEnv(shimDir)));
    }

    lock (agentAdds)
    {
        agentAdds.Clear();
        agentDels.Clear();
        phases.Clear();
    }

    var adds = new List<double>();
    var addCpu = new List<double>();
    var dels = new List<double>();
    var measured = node.Pods.Skip(5).ToList();
    foreach (var (pod, netns, cid) in measured)
    {
        var run = await Exec.RunAsync(cnirt, ["add", conf, netns, cid, "eth0", PodArgs(pod.Metadata.Name, cid, pod.Metadata.Uid)], CniPathEnv(shimDir));
        Exec.Check(run);
        adds.Add(run.Milliseconds);
        addCpu.Add(run.CpuMilliseconds);
    }

    foreach (var (pod, netns, cid) in measured)
    {
        var run = await Exec.RunAsync(cnirt, ["del", conf, netns, cid, "eth0", PodArgs(pod.Metadata.Name, cid, pod.Metadata.Uid)], CniPathEnv(shimDir));
        Exec.Check(run);
        dels.Add(run.Milliseconds);
    }

    rows.Add(Row.Of($"libcni ADD, EniIpVeth, {measured.Count} pods{label}", adds, 10, 30));
    rows.Add(Row.Of($"libcni DEL, EniIpVeth, {measured.Count} pods{label}", dels));
    rows.Add(Row.Of($"  CPU of cnirt + plugin per ADD (user+sys){label}", addCpu));
    rows.Add(Row.Of($"  agent side of ADD (terway_rpc_latency){label}", agentAdds));
    foreach (var phase in new[] { "lock", "pod", "allocation", "intent", "datapath", "commit" })
    {
        rows.Add(Row.Of($"    ADD phase {phase}{label}", phases.TryGetValue(phase, out var list) ? list : []));
    }

    rows.Add(Row.Of($"  agent side of DEL (terway_rpc_latency){label}", agentDels));
}

Console.WriteLine();
Console.WriteLine(Row.Header);
foreach (var row in rows)
{
    Console.WriteLine(row);
}

Directory.Delete(work, recursive: true);
return 0;

static Dictionary<string, string?> CniPathEnv(string shimDir) => new() { ["CNI_PATH"] = shimDir };

static Dictionary<string, string?> VersionEnv(string shimDir) => new() { ["CNI_COMMAND"] = "VERSION", ["CNI_PATH"] = shimDir };

static Dictionary<string, string?> AddEnv(string shimDir, string cid, string netns) => new()
{
    ["CNI_COMMAND"] = "ADD",
    ["CNI_CONTAINERID"] = cid,
    ["CNI_NETNS"] = netns,
    ["CNI_IFNAME"] = "eth0",
    ["CNI_PATH"] = shimDir,
    ["CNI_ARGS"] = PodArgs("p", cid, "u"),
};

static string PodArgs(string name, string cid, string uid) =>
    $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={name};K8S_POD_INFRA_CONTAINER_ID={cid};K8S_POD_UID={uid}";

namespace Terway.CniShim.Bench
{
    /// <summary>One line of the report: p50/p99 and, when a bar is given, the ratio to it.</summary>
    internal sealed record Row(string Case, int Count, double P50, double P99, double Max, double? BarP50, double? BarP99)
    {
        public const string Header = "case                                                        n     p50 ms   p99 ms   max ms   p50/bar  p99/bar";

        public static Row Of(string name, IReadOnlyList<double> samples, double? barP50 = null, double? barP99 = null)
        {
            var sorted = samples.Order().ToArray();
            return new Row(name, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length == 0 ? double.NaN : sorted[^1], barP50, barP99);
        }

        private static double Percentile(double[] sorted, double q) =>
            sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Case,-58} {Count,4} {P50,9:F2} {P99,8:F2} {Max,8:F2} {(BarP50 is { } b ? (P50 / b).ToString("F2", CultureInfo.InvariantCulture) : "-"),8} {(BarP99 is { } c ? (P99 / c).ToString("F2", CultureInfo.InvariantCulture) : "-"),8}");
    }

    internal sealed record ExecResult(int ExitCode, string Stdout, string Stderr, double Milliseconds, double CpuMilliseconds);

    /// <summary>CPU time of reaped child processes (getrusage RUSAGE_CHILDREN): their cost independent of load.</summary>
    internal static partial class ChildCpu
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct RUsage
        {
            public long UserSeconds;
            public long UserMicroseconds;
            public long SystemSeconds;
            public long SystemMicroseconds;
            [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
            public long[] Rest;
        }

        [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
#pragma warning disable SYSLIB1054 // A by-value array in the struct needs the classic marshaller.
        private static extern int GetRUsage(int who, out RUsage usage);
#pragma warning restore SYSLIB1054

        public static double Milliseconds()
        {
            _ = GetRUsage(-1, out var u);
            return ((u.UserSeconds + u.SystemSeconds) * 1000.0) + ((u.UserMicroseconds + u.SystemMicroseconds) / 1000.0);
        }
    }

    internal static class Exec
    {
        public static async Task<ExecResult> RunAsync(string file, string[] args, Dictionary<string, string?> env, string? stdin = null)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }

            foreach (var (k, v) in env)
            {
                info.Environment[k] = v;
            }

            var cpu = ChildCpu.Milliseconds();
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync();
            var ms = watch.Elapsed.TotalMilliseconds;
            return new ExecResult(process.ExitCode, await stdout, await stderr, ms, ChildCpu.Milliseconds() - cpu);
        }

        public static void Check(ExecResult r)
        {
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException($"exit {r.ExitCode}: {r.Stdout} {r.Stderr}");
            }
        }
    }

    internal static class Measure
    {
        public static Task<List<double>> TimesAsync(int n, Func<Task<ExecResult>> run) => TimesAsync(n, _ => run());

        public static async Task<List<double>> TimesAsync(int n, Func<int, Task<ExecResult>> run)
        {
            for (var i = 0; i < 5; i++)
            {
                Exec.Check(await run(-1 - i));
            }

            var times = new List<double>();
            LastCpu.Clear();
            for (var i = 0; i < n; i++)
            {
                var r = await run(i);
                Exec.Check(r);
                times.Add(r.Milliseconds);
                LastCpu.Add(r.CpuMilliseconds);
            }

            return times;
        }

        /// <summary>CPU time of each run of the last <see cref="TimesAsync(int, Func{int, Task{ExecResult}})"/>.</summary>
        public static List<double> LastCpu { get; } = [];
    }

    /// <summary>An agent stand-in that answers every call at once (ADD with a canned result).</summary>
    internal sealed class InstantAgent : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        private InstantAgent(string path)
        {
            Path = path;
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(64);
            var answer = JsonSerializer.SerializeToUtf8Bytes(new AgentResponse
            {
                Result = new CniResult
                {
                    Interfaces = [new CniInterface { Name = "eth0", Mac = "0e:00:00:00:00:01", Sandbox = "/var/run/netns/none" }],
                    IPs = [new CniIPConfig { Address = "10.0.0.5/32", Gateway = "169.254.1.1", Interface = 0 }],
                },
            }, AgentJsonContext.Default.AgentResponse);
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Socket peer;
                    try
                    {
                        peer = await _listener.AcceptAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    _ = Task.Run(async () =>
                    {
                        using (peer)
                        await using (var stream = new NetworkStream(peer))
                        {
                            await AgentFraming.ReadFrameAsync(stream, CancellationToken.None);
                            await AgentFraming.WriteFrameAsync(stream, answer, CancellationToken.None);
                        }
                    });
                }
            });
        }

        public string Path { get; }

        public static InstantAgent Start(string path) => new(path);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _listener.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>Collects the agent's own per-call latency from its terway_rpc_latency histogram.</summary>
    internal static class AgentLatency
    {
        public static MeterListener Listen(string meterName, List<double> adds, List<double> dels, Dictionary<string, List<double>> phases)
        {
            var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == meterName && instrument.Name is "terway_rpc_latency" or "terway_cni_add_phase_latency")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                string? api = null;
                string? phase = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "rpc_api")
                    {
                        api = tag.Value as string;
                    }
                    else if (tag.Key == "phase")
                    {
                        phase = tag.Value as string;
                    }
                }

                lock (adds)
                {
                    if (phase is not null)
                    {
                        if (!phases.TryGetValue(phase, out var list))
                        {
                            phases[phase] = list = [];
                        }

                        list.Add(value);
                    }
                    else
                    {
                        (api == "AllocIP" ? adds : api == "ReleaseIP" ? dels : null)?.Add(value);
                    }
                }
            });
            listener.Start();
            return listener;
        }
    }

    internal static class Cluster
    {
        public static async Task InstallCrdsAsync(KubeApiEmulator api)
        {
            using var admin = new Kubernetes(api.CreateClientConfiguration());
            foreach (var crd in CrdManifests.Definitions())
            {
                await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(crd.ToJsonString()));
            }

            var client = new KubeApiClient(admin);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await client.ListPageAsync<V1Beta1Node>(new ListOptions(), 1, null);
                    return;
                }
                catch (KubeApiException e) when (e.IsNotFound && attempt < 200)
                {
                    await Task.Delay(25);
                }
            }
        }
    }

    /// <summary>
    /// A node namespace with a shared ENI (a veth end), its core Node and Node CR holding one IP per pod,
    /// the pods, their network namespaces, and a node agent in-process.
    /// </summary>
    internal sealed class BenchNode : IAsyncDisposable
    {
        private readonly List<string> _namespaces = [];
        private IHost? _agent;

        private BenchNode(string name, string directory)
        {
            Name = name;
            Directory = directory;
        }

        public string Name { get; }

        public string Directory { get; }

        public string MeterName => "Terway.NodeAgent.Bench." + Name;

        public List<(V1Pod Pod, string Netns, string Cid)> Pods { get; } = [];

        public static async Task<BenchNode> CreateAsync(KubeApiEmulator api, string work, int pods, bool fsync)
        {
            var name = "bn" + Guid.NewGuid().ToString("N")[..6];
            var node = new BenchNode(name, System.IO.Path.Combine(work, name));
            System.IO.Directory.CreateDirectory(node.Directory);
            var nodeNs = await NamedNetworkNamespaces.CreateAsync(name);
            node._namespaces.Add(name);
            string mac;
            using (var ns = NetworkNamespace.Open(nodeNs))
            using (var nl = await ns.OpenNetlinkAsync())
            {
                nl.SetUp(nl.GetLink("lo")!.Index, true, "lo");
                nl.CreateVeth("eth1", "eth1far", new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true });
                mac = string.Join(':', nl.GetLink("eth1")!.Mac!.GetAddressBytes().Select(b => b.ToString("x2")));
            }

            using var admin = new Kubernetes(api.CreateClientConfiguration());
            var client = new KubeApiClient(admin);
            var coreNode = await admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
            coreNode.Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "10.100.0.5" }] };
            await admin.CoreV1.ReplaceNodeStatusAsync(coreNode, name);
            var ips = new Dictionary<string, NicIp>();
            for (var i = 0; i < pods + 5; i++)
            {
                var pod = await admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
                {
                    Metadata = new V1ObjectMeta { Name = $"{name}-p{i}", NamespaceProperty = "default" },
                    Spec = new V1PodSpec { NodeName = name, Containers = [new V1Container { Name = "app", Image = "pause" }] },
                }, "default");
                var ip = $"10.100.{(10 + i) / 256}.{(10 + i) % 256}";
                ips[ip] = new NicIp { Ip = ip, Status = IPStatuses.Valid, PodId = $"default/{pod.Metadata.Name}", PodUid = pod.Metadata.Uid };
                var netns = await NamedNetworkNamespaces.CreateAsync($"{name}-p{i}");
                node._namespaces.Add($"{name}-p{i}");
                node.Pods.Add((pod, netns, Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())));
            }

            await client.CreateAsync(new V1Beta1Node { Metadata = new V1ObjectMeta { Name = name } });
            await client.UpdateStatusAsync<V1Beta1Node>(ObjectKey.Cluster(name), cr =>
            {
                cr.Status = new NodeStatus
                {
                    NetworkInterfaces = new Dictionary<string, Nic>
                    {
                        ["eni-bench"] = new Nic { Id = "eni-bench", Status = EniStatuses.InUse, MacAddress = mac, Ipv4Cidr = "10.100.0.0/22", NetworkInterfaceType = EniTypes.Secondary, Ipv4 = ips },
                    },
                };
                return true;
            });

            node._agent = NodeAgentHost.Create(new NodeAgentOptions
            {
                NodeName = name,
                HostNetnsPath = nodeNs,
                SocketPath = System.IO.Path.Combine(node.Directory, "cni.sock"),
                StateDirectory = System.IO.Path.Combine(node.Directory, "state"),
                PendingReleaseDirectory = System.IO.Path.Combine(node.Directory, "pending"),
                HealthListen = null,
                MeterName = node.MeterName,
                CheckpointFsync = fsync,
                ServiceCidrs = [IPNetwork.Parse("10.96.0.0/12")],
            }, api.CreateClientConfiguration(), NullLoggerFactory.Instance);
            await node._agent.StartAsync();
            return node;
        }

        public string ConfList()
        {
            var path = System.IO.Path.Combine(Directory, "bench.conflist");
            var conf = new JsonObject
            {
                ["cniVersion"] = "1.0.0",
                ["name"] = "bench-" + Name,
                ["plugins"] = new JsonArray(new JsonObject
                {
                    ["type"] = "terway",
                    ["agent_socket"] = System.IO.Path.Combine(Directory, "cni.sock"),
                    ["pending_release_dir"] = System.IO.Path.Combine(Directory, "pending"),
                    ["log_file"] = System.IO.Path.Combine(Directory, "terway.cni.log"),
                }),
            };
            File.WriteAllText(path, conf.ToJsonString());
            return path;
        }

        public async ValueTask DisposeAsync()
        {
            if (_agent is not null)
            {
                await _agent.StopAsync();
                _agent.Dispose();
            }

            foreach (var ns in Enumerable.Reverse(_namespaces))
            {
                NamedNetworkNamespaces.Delete(ns);
            }

            foreach (var f in System.IO.Directory.EnumerateFiles("/var/lib/cni/results", $"bench-{Name}-*"))
            {
                File.Delete(f);
            }
        }
    }
}
