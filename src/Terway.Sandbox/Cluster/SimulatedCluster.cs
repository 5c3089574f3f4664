using System.Net;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Kube.Client;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Cluster.Scheduling;
using Terway.Sandbox.Cluster.Workloads;

namespace Terway.Sandbox.Cluster;

/// <summary>Options of the <see cref="SimulatedCluster"/>.</summary>
internal sealed record SimulatedClusterOptions
{
    /// <summary>The CIDR node podCIDRs are carved from (a /24 per node).</summary>
    public IPNetwork ClusterCidr { get; init; } = IPNetwork.Parse("10.244.0.0/16");

    /// <summary>How often nodes report a fresh Ready heartbeat.</summary>
    public TimeSpan NodeHeartbeat { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How often unschedulable pods are tried again.</summary>
    public TimeSpan SchedulingRetry { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The cluster around the simulated instances, on the Kubernetes API emulator over HTTP: a Node
/// per instance kept Ready (<see cref="NodeController"/>), the <see cref="Scheduler"/>, and the
/// StatefulSet, ReplicaSet and Deployment controllers. All of it runs on one
/// <see cref="KubeManager"/> with the admin credentials, as the control plane's own components do.
/// New instances added to the region while it runs become nodes (<see cref="NodeAdded"/>).
/// </summary>
internal sealed partial class SimulatedCluster : IAsyncDisposable
{
    private readonly RegionSimulator _simulator;
    private readonly ILogger _logger;
    private readonly KubeManager _manager;
    private readonly NodeController _nodes;
    private readonly List<EventRecorder> _recorders = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private bool _started;

    public SimulatedCluster(Kubernetes admin, RegionSimulator simulator, SimulatedClusterOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        options ??= new SimulatedClusterOptions();
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        _simulator = simulator;
        _logger = logs.CreateLogger<SimulatedCluster>();
        var client = new KubeApiClient(admin);
        _manager = new KubeManager(client, new KubeManagerOptions { MeterName = "Terway.Sandbox.Cluster", GracefulShutdownTimeout = TimeSpan.FromSeconds(5) }, time, logs);
        Registry = new NodeRegistry(options.ClusterCidr);
        _nodes = new NodeController(_manager, Registry, logs.CreateLogger<NodeController>()) { HeartbeatInterval = options.NodeHeartbeat };
        Scheduler = new Scheduler(_manager, admin, Recorder(client, "default-scheduler", time, logs), logs.CreateLogger<Scheduler>()) { RetryInterval = options.SchedulingRetry };
        var statefulSets = new StatefulSetController(_manager, Recorder(client, "statefulset-controller", time, logs), logs.CreateLogger<StatefulSetController>());
        var replicaSets = new ReplicaSetController(_manager, Recorder(client, "replicaset-controller", time, logs), logs.CreateLogger<ReplicaSetController>());
        var deployments = new DeploymentController(_manager, Recorder(client, "deployment-controller", time, logs), logs.CreateLogger<DeploymentController>());
        _nodes.Register();
        Scheduler.Register();
        statefulSets.Register();
        replicaSets.Register();
        deployments.Register();
    }

    /// <summary>The nodes (one per instance).</summary>
    public NodeRegistry Registry { get; }

    /// <summary>The scheduler.</summary>
    public Scheduler Scheduler { get; }

    /// <summary>The manager the cluster's controllers run on (its caches are readable).</summary>
    public KubeManager Manager => _manager;

    /// <summary>Raised (on a background thread) for every node registered after start.</summary>
    public event Action<SandboxNode>? NodeAdded;

    /// <summary>Registers a node per instance, starts the controllers and follows new instances.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        var initial = Registry.Refresh(_simulator.Snapshot());
        await _manager.StartAsync(ct);
        _started = true;
        foreach (var recorder in _recorders)
        {
            _tasks.Add(Task.Run(() => recorder.RunAsync(_stop.Token), CancellationToken.None));
        }

        await _manager.WaitForCacheSyncAsync(TimeSpan.FromSeconds(30), ct);
        foreach (var node in initial)
        {
            _nodes.Enqueue(node);
        }

        _tasks.Add(Task.Run(() => FollowInstancesAsync(_stop.Token), CancellationToken.None));
    }

    /// <summary>Waits until every registered node has a Node object that is Ready.</summary>
    public async Task WaitForNodesReadyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var cache = _manager.GetCache<k8s.Models.V1Node>();
        try
        {
            while (!Registry.Nodes.All(n => cache.Get(ObjectKey.Cluster(n.Name)) is { } node && NodeObjects.IsFresh(node, DateTimeOffset.MinValue)))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _manager.Time, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"nodes not Ready within {timeout}");
        }
    }

    /// <summary>Stops the controllers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_started)
        {
            await _manager.StopAsync();
        }

        await _manager.DisposeAsync();
        try
        {
            await Task.WhenAll(_tasks);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private EventRecorder Recorder(IKubeApiClient client, string component, TimeProvider time, ILoggerFactory logs)
    {
        var recorder = new EventRecorder(client, new EventRecorderOptions { ReportingController = component, ReportingInstance = component + "-sandbox" }, time, logs.CreateLogger<EventRecorder>());
        _recorders.Add(recorder);
        return recorder;
    }

    private async Task FollowInstancesAsync(CancellationToken ct)
    {
        var version = _simulator.ChangeVersion;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                version = await _simulator.WaitForChangeAsync(version, ct);
                foreach (var node in Registry.Refresh(_simulator.Snapshot()))
                {
                    LogNewInstance(_logger, node.InstanceId, node.Name);
                    _nodes.Enqueue(node);
                    NodeAdded?.Invoke(node);
                }

                // Every API call signals a change; instances come rarely, so look at most twice a second.
                await Task.Delay(TimeSpan.FromMilliseconds(500), _manager.Time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A handler or snapshot failure must not end the follower; the next change retries.
                LogFollowFailed(_logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "New instance {Instance} joins as node {Node}")]
    private static partial void LogNewInstance(ILogger logger, string instance, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the region's instances failed")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception);
}
