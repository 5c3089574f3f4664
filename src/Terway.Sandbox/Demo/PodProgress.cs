using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Crds.V1Beta1;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Hosting;

namespace Terway.Sandbox.Demo;

/// <summary>What the sandbox knows about one pod's progress.</summary>
/// <param name="Key">namespace/name.</param>
/// <param name="Uid">The pod object's UID (a recreated pod is a new record).</param>
/// <param name="Seen">When it was first seen (sandbox clock).</param>
/// <param name="Scheduled">When it was first seen bound.</param>
/// <param name="Running">When it was first seen Running with an IP.</param>
/// <param name="Phase">Its phase.</param>
/// <param name="Ip">Its IP.</param>
/// <param name="Eni">Its PodENI's ENI and phase, or "-".</param>
/// <param name="Node">Its node.</param>
public sealed record PodRecord(ObjectKey Key, string Uid, TimeSpan Seen, TimeSpan? Scheduled, TimeSpan? Running, string Phase, string Ip, string Eni, string Node);

/// <summary>
/// Watches every pod outside kube-system (and the PodENIs named after them) and prints one
/// compact line whenever a pod's phase, IP, ENI or node changes:
/// <c>[  3.2s] fixed-ip-demo/db-0  Running  10.244.1.2  eni-…(Bind)  cn-hangzhou.192.168.0.11</c>.
/// It also keeps each pod's timings (seen, scheduled, running) for the demo's summary.
/// </summary>
internal sealed class PodProgress : IAsyncDisposable
{
    private readonly KubeManager _manager;
    private readonly TextWriter _output;
    private readonly Stopwatch _clock;
    private readonly ConcurrentDictionary<ObjectKey, PodRecord> _records = new();
    private readonly Lock _print = new();
    private IResourceCache<V1Pod> _pods = null!;
    private IResourceCache<V1Beta1PodEni> _podEnis = null!;
    private bool _started;

    public PodProgress(Kubernetes admin, TextWriter output, Stopwatch clock, ILoggerFactory loggerFactory)
    {
        _manager = new KubeManager(new KubeApiClient(admin), new KubeManagerOptions { MeterName = "Terway.Sandbox.Progress", GracefulShutdownTimeout = TimeSpan.FromSeconds(2) }, null, loggerFactory);
        _output = output;
        _clock = clock;
    }

    /// <summary>Whether lines are printed (the records are kept either way).</summary>
    public bool Print { get; set; } = true;

    /// <summary>The pods seen so far.</summary>
    public IReadOnlyCollection<PodRecord> Records => [.. _records.Values];

    /// <summary>The live pods (cached).</summary>
    public IReadOnlyList<V1Pod> Pods => _pods.List();

    /// <summary>Starts watching.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        _pods = _manager.GetCache<V1Pod>();
        _podEnis = _manager.GetCache<V1Beta1PodEni>();
        _manager.NewController<V1Pod>("progress")
            .Watches<V1Beta1PodEni>(e => [ObjectKey.From(e)])
            .WithoutLeaderElection()
            .Build((key, _) => Task.FromResult(Observe(key)));
        await _manager.StartAsync(ct);
        _started = true;
        await _manager.WaitForCacheSyncAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>The PodENI named after a pod (cached), or null.</summary>
    public V1Beta1PodEni? PodEni(ObjectKey key) => _podEnis.Get(key);

    /// <summary>The record of a pod, or null.</summary>
    public PodRecord? Find(ObjectKey key) => _records.GetValueOrDefault(key);

    /// <summary>Stops watching.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await _manager.StopAsync();
        }

        await _manager.DisposeAsync();
    }

    private Terway.Kube.Controllers.ReconcileResult Observe(ObjectKey key)
    {
        if (key.Namespace is null or "kube-system")
        {
            return Terway.Kube.Controllers.ReconcileResult.Done;
        }

        var pod = _pods.Get(key);
        var now = _clock.Elapsed;
        if (pod is null)
        {
            if (_records.TryRemove(key, out var gone))
            {
                Line(now, key, "Deleted", "", gone.Eni, gone.Node);
            }

            return Terway.Kube.Controllers.ReconcileResult.Done;
        }

        var podEni = _podEnis.Get(key);
        var eniId = podEni?.Spec?.Allocations?.FirstOrDefault()?.Eni?.Id;
        var eni = eniId is null ? "-" : $"{eniId}({(string.IsNullOrEmpty(podEni!.Status?.Phase) ? "Initial" : podEni.Status.Phase)})";
        var phase = pod.Metadata.DeletionTimestamp is not null ? "Terminating" : pod.Status?.Phase ?? "Pending";
        var ip = pod.Status?.PodIP ?? "";
        var node = pod.Spec?.NodeName ?? "";
        var previous = _records.TryGetValue(key, out var p) && p.Uid == pod.Metadata.Uid ? p : null;
        var record = new PodRecord(key, pod.Metadata.Uid, previous?.Seen ?? now,
            previous?.Scheduled ?? (node.Length > 0 ? now : null),
            previous?.Running ?? (phase == "Running" && ip.Length > 0 ? now : null),
            phase, ip, eni, node);
        _records[key] = record;
        if (previous is null || previous.Phase != phase || previous.Ip != ip || previous.Eni != eni || previous.Node != node)
        {
            Line(now, key, phase, ip, eni, node);
        }

        return Terway.Kube.Controllers.ReconcileResult.Done;
    }

    private void Line(TimeSpan at, ObjectKey key, string phase, string ip, string eni, string node)
    {
        if (!Print)
        {
            return;
        }

        lock (_print)
        {
            _output.WriteLine($"  [{at.TotalSeconds,7:0.0}s] {key,-40} {phase,-12} {(ip.Length == 0 ? "-" : ip),-16} eni {eni,-32} node {(node.Length == 0 ? "-" : node)}");
        }
    }
}
