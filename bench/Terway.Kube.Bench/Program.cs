using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Hosting;
using Terway.Kube.Informers;
using Terway.Sandbox.KubeApi;

// Informer benchmark against the Kubernetes API emulator over HTTPS on loopback:
// initial sync time and memory for N pods + N PodENIs, then event-to-reconcile latency.
// Usage: dotnet run -c Release --project bench/Terway.Kube.Bench -- [pods] [podenis] [updates] [writes/s]
var pods = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var enis = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var updates = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;
const int Nodes = 100;

// Bounds the figures are judged against (design targets for a 2-core machine).
const double SyncBoundSeconds = 20;        // initial sync of both kinds
const double BytesPerObjectBound = 16_384; // cache memory per object
const double P99BoundMs = 100;             // event-to-reconcile p99 at the offered rate

await using var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { EventHistorySize = 50_000 });
using var kubernetes = new Kubernetes(emulator.CreateClientConfiguration());
var client = new KubeApiClient(kubernetes);
await client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench" } });
await InstallCrdAsync(client);

var seed = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, pods), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    await client.CreateAsync(NewPod(i), ct));
await Parallel.ForEachAsync(Enumerable.Range(0, enis), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    await client.CreateAsync(NewPodEni(i), ct));
Console.WriteLine($"seeded {pods} pods + {enis} PodENIs in {seed.Elapsed.TotalSeconds:F1} s");

// A throwaway sync first, so JIT and the emulator's first-use costs are not measured below.
using (var warmKubernetes = new Kubernetes(emulator.CreateClientConfiguration()))
{
    await using var warm = new KubeManager(new KubeApiClient(warmKubernetes), new KubeManagerOptions { MeterName = "bench-warmup" });
    warm.GetInformer<V1Pod>();
    warm.GetInformer<V1Beta1PodEni>();
    await warm.StartAsync();
    await warm.WaitForCacheSyncAsync(TimeSpan.FromMinutes(5));
    await warm.StopAsync();
}

// Initial sync: a fresh client and manager, as a restarting operator would have. Its memory is what
// the heap loses when it is disposed again (the emulator shares this process, so a before/after delta
// would also count the emulator's own growth).
var (syncTime, podSyncTime, objects, footprint) = await MeasureSyncAsync(emulator);
var bytesPerObject = footprint / (double)objects;
Console.WriteLine($"initial sync of {objects} objects: pods {podSyncTime.TotalSeconds:F2} s, both kinds {syncTime.TotalSeconds:F2} s ({objects / syncTime.TotalSeconds:F0} objects/s)");
Console.WriteLine($"manager footprint with both caches: {footprint / 1048576.0:F1} MiB ({bytesPerObject:F0} B/object); process working set {Environment.WorkingSet / 1048576.0:F0} MiB (emulator included)");

using var kubernetes2 = new Kubernetes(emulator.CreateClientConfiguration());
await using var manager = new KubeManager(new KubeApiClient(kubernetes2), new KubeManagerOptions { MeterName = "bench" });
manager.AddIndex<V1Pod>("spec.nodeName", Indexes.ByField<V1Pod>(p => p.Spec?.NodeName));
manager.AddIndex<V1Beta1PodEni>("node", Indexes.ByLabel<V1Beta1PodEni>(Labels.Node));
var podInformer = manager.GetInformer<V1Pod>();
var eniInformer = manager.GetInformer<V1Beta1PodEni>();
await manager.StartAsync();
await manager.WaitForCacheSyncAsync(TimeSpan.FromMinutes(5));
Console.WriteLine($"index check: pods on node-7 = {podInformer.Cache.ByIndex("spec.nodeName", "node-7").Count}, PodENIs on node-7 = {eniInformer.Cache.ByIndex("node", "node-7").Count}");

// Event-to-reconcile latency: a label write on a pod, observed by a reconcile that sees the new version.
var sent = new ConcurrentDictionary<string, long>();
var received = new ConcurrentDictionary<string, long>();
var latencies = new ConcurrentBag<double>();
var dispatchLatencies = new ConcurrentBag<double>();
podInformer.AddEventHandler(new ReceiveStamp(received));
var done = 0;
manager.NewController<V1Pod>("bench-pods").WithMaxConcurrentReconciles(4).Build((key, _) =>
{
    if (podInformer.Cache.Get(key) is { } pod && pod.Metadata.Labels is { } labels && labels.TryGetValue("seq", out var seq)
        && sent.TryRemove($"{key.Name}/{seq}", out var at))
    {
        latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
        if (received.TryRemove($"{key.Name}/{seq}", out var got))
        {
            dispatchLatencies.Add(Stopwatch.GetElapsedTime(got).TotalMilliseconds);
        }

        Interlocked.Increment(ref done);
    }

    return Task.FromResult(ReconcileResult.Done);
});
var controller = (Controller<V1Pod>)manager.Controllers.Single();
while (controller.Queue is not { Length: 0 } || !controller.IsRunning)
{
    await Task.Delay(100);
}

await Task.Delay(500);
var offered = Stopwatch.StartNew();
var rate = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 100; // writes per second
for (var i = 0; i < updates; i++)
{
    var due = TimeSpan.FromSeconds(i / rate);
    var wait = due - offered.Elapsed;
    if (wait > TimeSpan.Zero)
    {
        await Task.Delay(wait);
    }

    var name = $"pod-{i % pods}";
    var marker = $"{name}/{i}";
    sent[marker] = Stopwatch.GetTimestamp();
    _ = client.PatchAsync<V1Pod>(new ObjectKey("bench", name), new Patch(PatchKind.Merge, $"{{\"metadata\":{{\"labels\":{{\"seq\":\"{i}\"}}}}}}"));
}

var deadline = Stopwatch.StartNew();
while (Volatile.Read(ref done) < updates && deadline.Elapsed < TimeSpan.FromSeconds(30))
{
    await Task.Delay(50);
}

var sorted = latencies.Order().ToArray();
var dispatch = dispatchLatencies.Order().ToArray();
double Pct(double[] values, double p) => values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)Math.Ceiling(p * values.Length) - 1)];
Console.WriteLine($"write-to-reconcile (API write + server + watch + queue + reconcile) over {sorted.Length}/{updates} writes at {rate} writes/s: p50 {Pct(sorted, 0.50):F2} ms, p90 {Pct(sorted, 0.90):F2} ms, p99 {Pct(sorted, 0.99):F2} ms, max {sorted.LastOrDefault():F2} ms");
Console.WriteLine($"event-to-reconcile (watch event received → reconcile sees it) over {dispatch.Length} events: p50 {Pct(dispatch, 0.50):F3} ms, p90 {Pct(dispatch, 0.90):F3} ms, p99 {Pct(dispatch, 0.99):F3} ms, max {dispatch.LastOrDefault():F3} ms");
Console.WriteLine($"informer stats: pods lists={podInformer.Stats.Lists} watches={podInformer.Stats.Watches} events={podInformer.Stats.Events}");
Console.WriteLine();
Console.WriteLine($"ratio to bound: sync {syncTime.TotalSeconds / SyncBoundSeconds:F2} of {SyncBoundSeconds} s; memory {bytesPerObject / BytesPerObjectBound:F2} of {BytesPerObjectBound} B/object; event-to-reconcile p99 {Pct(dispatch, 0.99) / P99BoundMs:F3} of {P99BoundMs} ms; write-to-reconcile p99 {Pct(sorted, 0.99) / P99BoundMs:F2} of {P99BoundMs} ms");
await manager.StopAsync();
return sorted.Length == updates ? 0 : 1;

static async Task<(TimeSpan Both, TimeSpan Pods, int Objects, long Footprint)> MeasureSyncAsync(KubeApiEmulator emulator)
{
    var (both, pods, objects, withManager, cache) = await SyncAndDropAsync(emulator);

    // Leave the stack that completed the await: its frames (the manager's own StopAsync) still hold the manager.
    await Task.Delay(100);
    var without = FullGc();
    if (cache.IsAlive)
    {
        Console.WriteLine("warning: the disposed manager's cache is still reachable; footprint is unreliable");
    }

    return (both, pods, objects, withManager - without);
}

[MethodImpl(MethodImplOptions.NoInlining)]
static async Task<(TimeSpan Both, TimeSpan Pods, int Objects, long WithManager, WeakReference Cache)> SyncAndDropAsync(KubeApiEmulator emulator)
{
    using var kubernetes = new Kubernetes(emulator.CreateClientConfiguration());
    await using var manager = new KubeManager(new KubeApiClient(kubernetes), new KubeManagerOptions { MeterName = "bench-sync" });
    manager.AddIndex<V1Pod>("spec.nodeName", Indexes.ByField<V1Pod>(p => p.Spec?.NodeName));
    manager.AddIndex<V1Beta1PodEni>("node", Indexes.ByLabel<V1Beta1PodEni>(Labels.Node));
    var pods = manager.GetInformer<V1Pod>();
    var enis = manager.GetInformer<V1Beta1PodEni>();
    var sw = Stopwatch.StartNew();
    await manager.StartAsync();
    await pods.WaitForSyncAsync(CancellationToken.None);
    var podTime = sw.Elapsed;
    await enis.WaitForSyncAsync(CancellationToken.None);
    var both = sw.Elapsed;
    var objects = pods.Cache.Count + enis.Cache.Count;
    var withManager = FullGc();
    await manager.StopAsync();
    return (both, podTime, objects, withManager, new WeakReference(pods.Cache));
}

static long FullGc()
{
    for (var i = 0; i < 3; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    return GC.GetTotalMemory(forceFullCollection: true);
}

static V1Pod NewPod(int i) => new()
{
    Metadata = new V1ObjectMeta
    {
        Name = $"pod-{i}",
        NamespaceProperty = "bench",
        Labels = new Dictionary<string, string> { ["app"] = $"app-{i % 50}", ["pod-template-hash"] = "5d9c7b8f6d", ["tier"] = "web" },
        Annotations = new Dictionary<string, string> { ["k8s.aliyun.com/pod-eni"] = "true", ["kubernetes.io/psp"] = "restricted" },
    },
    Spec = new V1PodSpec
    {
        NodeName = $"node-{i % Nodes}",
        Containers =
        [
            new V1Container
            {
                Name = "app",
                Image = "registry.example.com/team/app:1.2.3",
                Ports = [new V1ContainerPort { ContainerPort = 8080, Protocol = "TCP" }],
                Resources = new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("256Mi") },
                },
                Env = [new V1EnvVar { Name = "MODE", Value = "production" }],
            },
            new V1Container { Name = "sidecar", Image = "registry.example.com/infra/proxy:2.0" },
        ],
    },
};

static V1Beta1PodEni NewPodEni(int i) => new()
{
    Metadata = new V1ObjectMeta
    {
        Name = $"pod-{i}",
        NamespaceProperty = "bench",
        Labels = new Dictionary<string, string> { [Labels.Node] = $"node-{i % Nodes}" },
    },
    Spec = new PodEniSpec
    {
        Zone = "cn-hangzhou-h",
        Allocations =
        [
            new Allocation
            {
                Eni = new Eni
                {
                    Id = $"eni-bp1{i:x12}",
                    Mac = $"00:16:3e:{(i >> 16) & 0xff:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}",
                    VSwitchId = "vsw-bp1234567890abcdef",
                    Zone = "cn-hangzhou-h",
                    VpcId = "vpc-bp1234567890abcdef",
                    SecurityGroupIds = ["sg-bp1111111111", "sg-bp2222222222"],
                },
                Ipv4 = $"10.{(i >> 16) & 0xff}.{(i >> 8) & 0xff}.{i & 0xff}",
                Ipv4Cidr = "10.0.0.0/16",
                Interface = "eth0",
            },
        ],
    },
};

static async Task InstallCrdAsync(KubeApiClient client)
{
    // The real PodENI CRD from Terway.Crds (schema, status subresource, printer columns).
    var definition = CrdManifests.Definitions().Single(d => (string?)d["metadata"]?["name"] == "podenis.network.alibabacloud.com");
    await client.CreateAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(definition.ToJsonString()));
    for (var i = 0; i < 500; i++)
    {
        try
        {
            await client.ListPageAsync<V1Beta1PodEni>(new ListOptions { Namespace = "bench" }, 1, null);
            return;
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            await Task.Delay(20);
        }
    }
}

/// <summary>Stamps when the informer delivered each labelled version (the start of event-to-reconcile).</summary>
internal sealed class ReceiveStamp(ConcurrentDictionary<string, long> received) : IResourceEventHandler<V1Pod>
{
    public void OnAdd(V1Pod obj, bool isInInitialList) => Stamp(obj);

    public void OnUpdate(V1Pod oldObj, V1Pod newObj) => Stamp(newObj);

    public void OnDelete(V1Pod obj, bool finalStateUnknown)
    {
    }

    private void Stamp(V1Pod pod)
    {
        if (pod.Metadata.Labels?.TryGetValue("seq", out var seq) == true)
        {
            received.TryAdd($"{pod.Metadata.Name}/{seq}", Stopwatch.GetTimestamp());
        }
    }
}
