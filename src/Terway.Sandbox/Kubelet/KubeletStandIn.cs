using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Sandbox.Cluster;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Fabric;

namespace Terway.Sandbox.Kubelet;

/// <summary>Options of a <see cref="KubeletStandIn"/>.</summary>
public sealed record KubeletOptions
{
    /// <summary>Pods handled at once (a CNI ADD may wait minutes for its ENI, so this is generous).</summary>
    public int MaxConcurrentPods { get; init; } = 32;

    /// <summary>First wait after a failed sandbox creation; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between sandbox creation attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether stopping the kubelet runs CNI DEL for every pod it wired (bounded by <see cref="StopTimeout"/>).</summary>
    public bool TeardownPodsOnStop { get; init; } = true;

    /// <summary>Longest the teardown on stop may take.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The pod-side interface name.</summary>
    public string InterfaceName { get; init; } = "eth0";
}

/// <summary>A pod as this kubelet wired it.</summary>
/// <param name="PodUid">The pod's UID.</param>
/// <param name="ContainerId">The sandbox (infra container) ID passed to CNI.</param>
/// <param name="NetnsPath">The pod's network namespace.</param>
/// <param name="IPs">The pod's addresses from the CNI result.</param>
/// <param name="Call">The CNI call, replayed for DEL.</param>
/// <param name="Started">When the sandbox came up.</param>
public sealed record PodSandbox(string PodUid, string ContainerId, string NetnsPath, IReadOnlyList<IPAddress> IPs, CniCall Call, DateTimeOffset Started);

/// <summary>
/// A kubelet stand-in for one simulated node. It watches the pods bound to its node; for a new pod
/// it creates the pod's network namespace in the fabric node and calls the CNI plugin chain
/// through libcni (ADD with K8S_POD_NAMESPACE/NAME/INFRA_CONTAINER_ID/UID and IgnoreUnknown=1),
/// retrying with backoff and a FailedCreatePodSandBox event on failure (the failed sandbox is
/// torn down first, as kubelet does); on success it reports the pod Running and Ready with its
/// IPs. A pod being deleted gets CNI DEL, its namespace removed, and is then deleted for good
/// (grace period 0, UID precondition), which is what ends a bound pod's graceful deletion.
/// Host-network pods get the node's address and no CNI call.
/// </summary>
public sealed partial class KubeletStandIn : IAsyncDisposable
{
    private readonly SandboxNode _node;
    private readonly VpcFabric _fabric;
    private readonly Kubernetes _client;
    private readonly ICniRuntime _cni;
    private readonly CniNodeConfig _config;
    private readonly KubeletOptions _options;
    private readonly ILogger _logger;
    private readonly KubeManager _manager;
    private readonly EventRecorder _events;
    private readonly ConcurrentDictionary<ObjectKey, PodSandbox> _sandboxes = new();
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IResourceCache<V1Pod> _pods = null!;
    private Task? _eventsTask;
    private bool _started;

    /// <summary>Creates the kubelet of <paramref name="node"/>.</summary>
    /// <param name="node">The node.</param>
    /// <param name="client">An API client (the sandbox gives kubelets the admin credentials).</param>
    /// <param name="fabric">The fabric pod namespaces are made in.</param>
    /// <param name="cni">How CNI is called (libcni inside the node's namespace).</param>
    /// <param name="config">The node's CNI configuration.</param>
    /// <param name="options">Options.</param>
    /// <param name="loggerFactory">Logging.</param>
    /// <param name="time">Clock.</param>
    public KubeletStandIn(SandboxNode node, Kubernetes client, VpcFabric fabric, ICniRuntime cni, CniNodeConfig config,
        KubeletOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        _node = node;
        _fabric = fabric;
        _client = client;
        _cni = cni;
        _config = config;
        _options = options ?? new KubeletOptions();
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = logs.CreateLogger<KubeletStandIn>();
        var api = new KubeApiClient(client);
        _manager = new KubeManager(api, new KubeManagerOptions { MeterName = "Terway.Sandbox.Kubelet", GracefulShutdownTimeout = TimeSpan.FromSeconds(5) }, time, logs);
        _events = new EventRecorder(api, new EventRecorderOptions { ReportingController = "kubelet", ReportingInstance = node.Name }, time, logs.CreateLogger<EventRecorder>());
    }

    /// <summary>The node.</summary>
    public SandboxNode Node => _node;

    /// <summary>The pods this kubelet has wired, by namespace/name.</summary>
    public IReadOnlyDictionary<ObjectKey, PodSandbox> Sandboxes => _sandboxes;

    /// <summary>Watches the node's pods and starts wiring them.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        var mine = new ListOptions { FieldSelector = $"spec.nodeName={_node.Name}" };
        _pods = _manager.GetCache<V1Pod>(mine);
        _manager.NewController<V1Pod>("kubelet", mine)
            .WithoutLeaderElection()
            .WithMaxConcurrentReconciles(_options.MaxConcurrentPods)
            .Build(ReconcileAsync);
        await _manager.StartAsync(ct);
        _started = true;
        _eventsTask = Task.Run(() => _events.RunAsync(_stop.Token), CancellationToken.None);
        await _manager.WaitForCacheSyncAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>Stops watching; with <see cref="KubeletOptions.TeardownPodsOnStop"/> runs CNI DEL for every pod and removes their namespaces.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await _manager.StopAsync();
        }

        if (_options.TeardownPodsOnStop)
        {
            using var deadline = new CancellationTokenSource(_options.StopTimeout);
            await Task.WhenAll(_sandboxes.Values.Select(s => TeardownAsync(s, deadline.Token)));
        }

        await _stop.CancelAsync();
        if (_eventsTask is not null)
        {
            try
            {
                await _eventsTask;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        await _manager.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        var pod = _pods.Get(key);
        _sandboxes.TryGetValue(key, out var sandbox);

        // A sandbox of a pod that is gone, or of an earlier pod with the same name, goes first.
        if (sandbox is not null && (pod is null || pod.Metadata.Uid != sandbox.PodUid))
        {
            await TeardownAsync(sandbox, ct);
            _sandboxes.TryRemove(key, out _);
            sandbox = null;
        }

        if (pod is null)
        {
            return ReconcileResult.Done;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            if (sandbox is not null)
            {
                await TeardownAsync(sandbox, ct);
                _sandboxes.TryRemove(key, out _);
            }

            await ConfirmDeletionAsync(pod, ct);
            return ReconcileResult.Done;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return ReconcileResult.Done;
        }

        if (sandbox is not null)
        {
            // Level-based: a sandbox whose Running report did not land (a failed or cancelled status write
            // after a slow ADD) is reported again, or the pod would stay Pending with its network wired.
            if (pod.Status?.Phase != "Running")
            {
                await ReportRunningAsync(pod, sandbox.IPs, sandbox.ContainerId, ct);
            }

            return ReconcileResult.Done;
        }

        if (pod.Spec?.HostNetwork == true)
        {
            await ReportRunningAsync(pod, [_node.InternalIp], "host", ct);
            return ReconcileResult.Done;
        }

        return await CreateSandboxAsync(key, pod, ct);
    }

    private async Task<ReconcileResult> CreateSandboxAsync(ObjectKey key, V1Pod pod, CancellationToken ct)
    {
        var containerId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var netns = await _fabric.CreatePodNamespaceAsync("cni-" + containerId[..12]);
        var call = new CniCall(_config.ConfListPath, _config.PluginDirectories, netns, containerId, _options.InterfaceName,
        [
            new("IgnoreUnknown", "1"),
            new("K8S_POD_NAMESPACE", pod.Metadata.NamespaceProperty),
            new("K8S_POD_NAME", pod.Metadata.Name),
            new("K8S_POD_INFRA_CONTAINER_ID", containerId),
            new("K8S_POD_UID", pod.Metadata.Uid),
        ]);
        try
        {
            var result = await _cni.AddAsync(call, ct);
            var sandbox = new PodSandbox(pod.Metadata.Uid, containerId, netns, result.IPs, call, _manager.Time.GetUtcNow());
            _sandboxes[key] = sandbox;
            _failures.TryRemove(pod.Metadata.Uid, out _);
            var ips = string.Join(", ", result.IPs);
            LogSandboxReady(_logger, key, ips, _node.Name);
            _events.Publish(pod, EventTypes.Normal, KubeNames.StartedReason, "StartSandbox",
                $"Started pod sandbox {containerId[..12]} with IPs {ips} ({_config.Description})");
            await ReportRunningAsync(pod, result.IPs, containerId, ct);
            return ReconcileResult.Done;
        }
        catch (CniException e)
        {
            // As kubelet: the failed sandbox is torn down (DEL, namespace removed) and tried again later.
            await DeleteQuietlyAsync(call, ct);
            _fabric.DeleteNamespace(netns);
            var attempt = _failures.AddOrUpdate(pod.Metadata.Uid, 1, (_, n) => n + 1);
            var message = $"Failed to create pod sandbox: failed to setup network for sandbox \"{containerId[..12]}\": {e.Message}";
            _events.Publish(pod, EventTypes.Warning, KubeNames.FailedCreatePodSandBoxReason, "CreatePodSandbox", message);
            LogSandboxFailed(_logger, key, attempt, e.Message);
            var backoff = TimeSpan.FromTicks(Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks << Math.Min(attempt - 1, 20)));
            return ReconcileResult.RequeueAfter(backoff);
        }
        catch
        {
            _fabric.DeleteNamespace(netns);
            throw;
        }
    }

    private async Task ReportRunningAsync(V1Pod pod, IReadOnlyList<IPAddress> ips, string containerId, CancellationToken ct)
    {
        var now = _manager.Time.GetUtcNow().UtcDateTime;
        object Condition(string type) => new { type, status = "True", lastProbeTime = (DateTime?)null, lastTransitionTime = now };
        var patch = new V1Patch(new
        {
            status = new
            {
                phase = "Running",
                hostIP = _node.InternalIp.ToString(),
                hostIPs = new[] { new { ip = _node.InternalIp.ToString() } },
                podIP = ips.Count > 0 ? ips[0].ToString() : null,
                podIPs = ips.Select(ip => new { ip = ip.ToString() }).ToArray(),
                startTime = now,
                conditions = new[] { Condition("PodReadyToStartContainers"), Condition("Initialized"), Condition("ContainersReady"), Condition("Ready") },
                containerStatuses = (pod.Spec?.Containers ?? []).Select(c => new
                {
                    name = c.Name,
                    image = c.Image,
                    imageID = "",
                    containerID = $"sandbox://{containerId}",
                    ready = true,
                    started = true,
                    restartCount = 0,
                    state = new { running = new { startedAt = now } },
                }).ToArray(),
            },
        }, V1Patch.PatchType.StrategicMergePatch);
        try
        {
            await _client.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted while it was being wired: its delete event tears the sandbox down.
        }
    }

    private async Task ConfirmDeletionAsync(V1Pod pod, CancellationToken ct)
    {
        try
        {
            await _manager.Client.DeleteAsync<V1Pod>(ObjectKey.From(pod),
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, ct);
        }
        catch (KubeApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Gone already, or a new pod took the name.
        }
    }

    private async Task TeardownAsync(PodSandbox sandbox, CancellationToken ct)
    {
        try
        {
            await _cni.DeleteAsync(sandbox.Call, ct);
        }
        catch (CniException e)
        {
            // Kubelet logs a failed StopPodSandbox and carries on removing the sandbox; so do we.
            LogTeardownFailed(_logger, sandbox.ContainerId, e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the namespace still goes below.
        }

        _fabric.DeleteNamespace(sandbox.NetnsPath);
    }

    private async Task DeleteQuietlyAsync(CniCall call, CancellationToken ct)
    {
        try
        {
            await _cni.DeleteAsync(call, ct);
        }
        catch (CniException)
        {
            // Cleanup after a failed ADD: plugins tolerate DEL of what they never made; a failure here changes nothing.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pod {Pod} is up with {IPs} on {Node}")]
    private static partial void LogSandboxReady(ILogger logger, ObjectKey pod, string ips, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pod {Pod}: sandbox creation failed (attempt {Attempt}): {Error}")]
    private static partial void LogSandboxFailed(ILogger logger, ObjectKey pod, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CNI DEL of sandbox {Sandbox} failed: {Error}")]
    private static partial void LogTeardownFailed(ILogger logger, string sandbox, string error);
}
