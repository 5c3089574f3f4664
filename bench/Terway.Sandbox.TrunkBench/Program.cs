using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using Terway.Cloud.Resilience;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Integration;

namespace Terway.Sandbox.TrunkBench;

/// <summary>
/// Cold trunk pods (issue 8): N pods over M nodes, the operator with Terway's default per-minute API limits against
/// the region simulator (both time-scaled by the same factor). Measures operator start → every PodENI in phase Bind
/// (member ENI created and attached to its node's trunk), pod → Bind percentiles, the per-API calls against their
/// limits, and the ratio of the total time to the bound the rate limits impose; and the operator's peak memory and
/// CPU (a separate process by default, read from /proc).
/// Usage: dotnet run -c Release --project bench/Terway.Sandbox.TrunkBench -- [--pods 1000] [--nodes 50]
///        [--time-scale 1] [--instance-type ecs.g7.2xlarge] [--concurrency 16] [--in-process] [--state-dir DIR]
/// </summary>
internal static class Program
{
    private const string Namespace = "trunk-bench";
    private const string AppLabel = "trunk-bench";

    public static async Task<int> Main(string[] args)
    {
        var pods = 1000;
        var nodes = 50;
        var scale = 1.0;
        var instanceType = "ecs.g7.2xlarge";
        var concurrency = 16;
        var inProcess = false;
        var stateDir = Path.Combine(Path.GetTempPath(), "terway-trunkbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--nodes": nodes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--time-scale": scale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--instance-type": instanceType = args[++i]; break;
                case "--concurrency": concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--in-process": inProcess = true; break;
                case "--state-dir": stateDir = args[++i]; break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}; see the usage in Program.cs");
                    return 2;
            }
        }

        var operatorDll = Path.Combine(AppContext.BaseDirectory, "Terway.Operator.dll");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Cold trunk pods: {pods} pods over {nodes} × {instanceType}, Terway's default per-minute API limits, time scale {scale}× (simulated time = wall × {scale}); operator {(inProcess ? "in process" : "as a separate process")}; {Environment.ProcessorCount} cores"));

        long t0 = 0;
        ExternalOperator? external = null;
        var extensions = new SandboxExtensions { OperatorWebhooks = true };
        if (inProcess)
        {
            extensions.ControlPlane.Add(ctx => new TimedComponent(new OperatorComponent(ctx), () => t0 = Stopwatch.GetTimestamp()));
        }
        else
        {
            extensions.ControlPlane.Add(ctx => external = new ExternalOperator(ctx, operatorDll, () => t0 = Stopwatch.GetTimestamp()));
        }

        var selfAtStart = ProcStats.Read(Environment.ProcessId);
        var host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Nodes = nodes,
            InstanceType = instanceType,
            TimeScale = scale,
            ControlPlaneOnly = true,
            NoDemo = true,
            StateDirectory = stateDir,
            Output = TextWriter.Null,
        }, extensions);
        await using (host)
        {
            var operatorReady = Stopwatch.GetTimestamp();
            var selfAtOperatorStart = selfAtStart;
            var kube = new KubeApiClient(host.Context.Admin);
            var info = host.Context.CloudInfo;
            await host.Context.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });

            // Elastic trunk pods: a member ENI per pod in the pod vSwitch of the pod's zone, released with the pod.
            await kube.CreateAsync(new V1Beta1PodNetworking
            {
                Metadata = new V1ObjectMeta { Name = "trunk-bench" },
                Spec = new PodNetworkingSpec
                {
                    EniOptions = new EniOptions { EniType = "Trunk" },
                    AllocationType = new AllocationType { Type = "Elastic" },
                    Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = AppLabel } } },
                    VSwitchOptions = [.. info.Zones.Select(z => z.PodVSwitchId)],
                    SecurityGroupIds = [info.PodSecurityGroupId],
                },
            });
            await WaitAsync(async () => (await kube.GetAsync<V1Beta1PodNetworking>(ObjectKey.Cluster("trunk-bench"))).Status?.Status == "Ready", TimeSpan.FromMinutes(2), "PodNetworking Ready");
            var podNetworkingReady = Stopwatch.GetTimestamp();

            // Watch the PodENIs from before the first pod exists; a Bind is recorded once per pod.
            var bound = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var allBound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stopWatch = new CancellationTokenSource();
            var watch = WatchBindsAsync(kube, bound, pods, allBound, stopWatch.Token);

            var created = new long[pods];
            var createFailures = 0;
            var firstCreate = Stopwatch.GetTimestamp();
            using (var gate = new SemaphoreSlim(concurrency))
            {
                await Task.WhenAll(Enumerable.Range(0, pods).Select(async i =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        var pod = await host.Context.Admin.CoreV1.CreateNamespacedPodAsync(Pod(i), Namespace);
                        created[i] = Stopwatch.GetTimestamp();
                        if (pod.Metadata.Annotations?.ContainsKey(Crds.Names.Annotations.PodEni) != true)
                        {
                            Interlocked.Increment(ref createFailures);
                        }
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }

            var lastCreate = Stopwatch.GetTimestamp();
            if (createFailures > 0)
            {
                Console.WriteLine($"WARNING: {createFailures} pods were not mutated by the webhook (no {Crds.Names.Annotations.PodEni} annotation)");
            }

            var timeout = TimeSpan.FromMinutes(30);
            var finished = await Task.WhenAny(allBound.Task, Task.Delay(timeout)) == allBound.Task;
            var end = Stopwatch.GetTimestamp();
            var operatorStats = external is not null ? ProcStats.Read(external.ProcessId) : (ProcStats?)null;
            var selfStats = ProcStats.Read(Environment.ProcessId);
            var snapshot = host.Context.Cloud.Snapshot();
            await stopWatch.CancelAsync();
            await watch;

            if (!finished)
            {
                Console.WriteLine($"NOT FINISHED: {bound.Count}/{pods} PodENIs in Bind after {timeout.TotalMinutes} min wall");
            }

            var lastBind = bound.Values.DefaultIfEmpty(end).Max();
            double Wall(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalSeconds;
            double Sim(long from, long to) => Wall(from, to) * scale;

            var latencies = Enumerable.Range(0, pods)
                .Where(i => bound.ContainsKey(PodName(i)))
                .Select(i => Sim(created[i], bound[PodName(i)]))
                .Order()
                .ToArray();

            Console.WriteLine();
            Console.WriteLine("Timeline (simulated s / wall s, from the operator's start):");
            Line("operator ready (caches synced, leader, webhooks)", Sim(t0, operatorReady), Wall(t0, operatorReady));
            Line("PodNetworking Ready", Sim(t0, podNetworkingReady), Wall(t0, podNetworkingReady));
            Line($"{pods} pods created (webhook-mutated, {concurrency} at a time)", Sim(t0, lastCreate), Wall(t0, lastCreate));
            if (!bound.IsEmpty)
            {
                var firstBind = bound.Values.Min();
                Line("first PodENI Bind", Sim(t0, firstBind), Wall(t0, firstBind));
            }

            Line($"all {bound.Count} PodENIs Bind", Sim(t0, lastBind), Wall(t0, lastBind));
            Line("  of which after the first pod create", Sim(firstCreate, lastBind), Wall(firstCreate, lastBind));

            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pod created → PodENI Bind (simulated s): p50 {Pct(latencies, 50):F1}  p90 {Pct(latencies, 90):F1}  p99 {Pct(latencies, 99):F1}  max {latencies.DefaultIfEmpty().Max():F1}   (wall s: p50 {Pct(latencies, 50) / scale:F2}  p99 {Pct(latencies, 99) / scale:F2})"));

            // When the pods reached Bind: how the work was spread over the run (cumulative, per 10 simulated s).
            if (!bound.IsEmpty)
            {
                var bucket = 10.0;
                var counts = bound.Values.Select(v => (int)(Sim(t0, v) / bucket)).GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
                var cumulative = 0;
                var cells = new List<string>();
                for (var b = 0; b <= counts.Keys.Max(); b++)
                {
                    cumulative += counts.GetValueOrDefault(b);
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{(b + 1) * bucket:F0}s:{cumulative}"));
                }

                Console.WriteLine("PodENIs in Bind by (simulated time from the operator's start): " + string.Join(" ", cells));
            }

            // The bound: every pod needs one member ENI created and attached, every node one trunk ENI created and
            // attached; each API runs at most at its per-minute limit (the simulator's minute is 60 s / scale).
            var required = new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["CreateNetworkInterface"] = pods + nodes,
                ["AttachNetworkInterface"] = pods + nodes,
            };
            Console.WriteLine();
            Console.WriteLine("Cloud API calls (simulator's count)   required  made (ok/failed/throttled)  limit/min  required÷limit  made÷limit   (simulated s)");
            double boundSeconds = 0;
            string boundApi = "";
            foreach (var (api, stats) in snapshot.CallCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var limit = ApiRateLimits.Resolve(api, null, ApiRateLimits.DefaultPerMinute);
                var need = required.GetValueOrDefault(api);
                var needSeconds = need * 60.0 / limit;
                if (needSeconds > boundSeconds)
                {
                    boundSeconds = needSeconds;
                    boundApi = api;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {api,-34} {need,8}  {stats.Total,5} ({stats.Succeeded}/{stats.Failed}/{stats.Throttled}){"",-6} {limit,9}  {needSeconds,13:F1}  {stats.Total * 60.0 / limit,10:F1}"));
            }

            var total = Sim(t0, lastBind);
            var fromPods = Sim(firstCreate, lastBind);
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bound: {boundApi} {required.GetValueOrDefault(boundApi)} calls ÷ {ApiRateLimits.Resolve(boundApi, null, ApiRateLimits.DefaultPerMinute)}/min = {boundSeconds:F1} s simulated ({boundSeconds / scale:F1} s wall at {scale}×)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio (operator start → all Bind) ÷ bound = {total:F1} / {boundSeconds:F1} = {total / boundSeconds:F3}   (goal ≤ 1.10: {(total / boundSeconds <= 1.10 ? "met" : "NOT met")})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio (first pod created → all Bind) ÷ bound = {fromPods:F1} / {boundSeconds:F1} = {fromPods / boundSeconds:F3}"));

            var members = snapshot.NetworkInterfaces.Count(e => e.Type == Cloud.EniType.Member && e.Status == Cloud.EniStatus.InUse);
            var trunks = snapshot.NetworkInterfaces.Count(e => e.Type == Cloud.EniType.Trunk && e.Status == Cloud.EniStatus.InUse);
            Console.WriteLine($"cloud at the end: {trunks} trunk ENIs InUse, {members} member ENIs InUse");

            Console.WriteLine();
            var runWall = TimeSpan.FromSeconds(Wall(t0, end));
            if (operatorStats is { } op)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"operator process (pid {external!.ProcessId}): peak RSS (VmHWM) {op.PeakRssBytes / 1048576.0:F0} MiB, RSS at the end {op.RssBytes / 1048576.0:F0} MiB, CPU {op.Cpu.TotalSeconds:F1} s (user+system) over {runWall.TotalSeconds:F1} s wall = {op.Cpu / runWall * 100:F0}% of one core"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench process (API emulator, simulator, scheduler, watch): peak RSS {selfStats.PeakRssBytes / 1048576.0:F0} MiB, CPU {(selfStats.Cpu - selfAtOperatorStart.Cpu).TotalSeconds:F1} s"));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench process incl. the in-process operator, the API emulator and the simulator: peak RSS {selfStats.PeakRssBytes / 1048576.0:F0} MiB, CPU {(selfStats.Cpu - selfAtOperatorStart.Cpu).TotalSeconds:F1} s over {runWall.TotalSeconds:F1} s wall"));
            }

            return finished ? 0 : 1;
        }
    }

    private static string PodName(int i) => "pod-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static V1Pod Pod(int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = PodName(i), Labels = new Dictionary<string, string> { ["app"] = AppLabel } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "registry.example/app:1" }] },
    };

    private static async Task WatchBindsAsync(KubeApiClient kube, ConcurrentDictionary<string, long> bound, int expected, TaskCompletionSource allBound, CancellationToken ct)
    {
        var options = new ListOptions { Namespace = Namespace };
        var from = (await kube.ListPageAsync<V1Beta1PodEni>(options, 1, null, ct)).ResourceVersion;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var stream = await kube.WatchAsync<V1Beta1PodEni>(options, from, 300, ct);
                await foreach (var e in stream.ReadAllAsync(ct))
                {
                    var at = Stopwatch.GetTimestamp();
                    if (e.ResourceVersion is { } rv)
                    {
                        from = rv;
                    }

                    if (e.Object is { } podEni && podEni.Status?.Phase == PodEniPhases.Bind && bound.TryAdd(podEni.Metadata.Name, at) && bound.Count >= expected)
                    {
                        allBound.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"{what}: not reached in {timeout}");
            }

            await Task.Delay(20);
        }
    }

    private static double Pct(double[] sorted, int p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static void Line(string what, double simulated, double wall) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {what,-58} {simulated,8:F1} s  ({wall:F2} s wall)"));

    private sealed class TimedComponent(ISandboxComponent inner, Action started) : ISandboxComponent
    {
        public string Name => inner.Name;

        public Task StartAsync(CancellationToken ct)
        {
            started();
            return inner.StartAsync(ct);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
