using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Hosting;

namespace Terway.Sandbox.Cluster.Nodes;

/// <summary>
/// What the kubelets do for their Node objects: register each <see cref="SandboxNode"/> (labels,
/// providerID, podCIDR) and keep its status Ready with a fresh heartbeat every
/// <see cref="HeartbeatInterval"/>; a Node that is deleted is registered again, and a Ready
/// condition someone flipped is restored at the next heartbeat.
/// </summary>
internal sealed partial class NodeController : IReconciler<V1Node>
{
    private readonly KubeManager _manager;
    private readonly NodeRegistry _registry;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _readySince = new(StringComparer.Ordinal);
    private IResourceCache<V1Node> _nodes = null!;
    private Controller<V1Node>? _controller;

    public NodeController(KubeManager manager, NodeRegistry registry, ILogger<NodeController> logger)
    {
        _manager = manager;
        _registry = registry;
        _logger = logger;
    }

    /// <summary>How often each node's status is refreshed.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Registers the controller with the manager.</summary>
    public void Register()
    {
        _nodes = _manager.GetCache<V1Node>();
        _controller = _manager.NewController<V1Node>("node-lifecycle").WithoutLeaderElection().Build(this);
    }

    /// <summary>Queues a node (newly registered in the registry).</summary>
    public void Enqueue(SandboxNode node) => _controller?.Enqueue(ObjectKey.Cluster(node.Name));

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (_registry.Find(key.Name) is not { } want)
        {
            return ReconcileResult.Done;
        }

        var now = _manager.Time.GetUtcNow();
        var node = _nodes.Get(key);
        if (node?.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1));
        }

        if (node is null)
        {
            try
            {
                await _manager.Client.CreateAsync(NodeObjects.Build(want), cancellationToken);
                LogRegistered(_logger, want.Name, want.InstanceId);
            }
            catch (KubeApiException e) when (e.IsAlreadyExists)
            {
                // Registered already; the cache is behind.
            }

            _readySince[want.Name] = now;
        }
        else if (NodeObjects.IsFresh(node, now - HeartbeatInterval + TimeSpan.FromSeconds(1)))
        {
            return ReconcileResult.RequeueAfter(HeartbeatInterval);
        }

        var since = _readySince.GetOrAdd(want.Name, now);
        if (node?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready") is { Status: not "True" })
        {
            since = _readySince[want.Name] = now;
        }

        var patch = new Patch(PatchKind.StrategicMerge, NodeObjects.StatusPatch(want, now, since));
        await _manager.Client.PatchAsync<V1Node>(key, patch, "status", cancellationToken);
        return ReconcileResult.RequeueAfter(HeartbeatInterval);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered node {Node} (instance {Instance})")]
    private static partial void LogRegistered(ILogger logger, string node, string instance);
}
