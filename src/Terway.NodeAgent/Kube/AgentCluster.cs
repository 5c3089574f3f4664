using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Kube.Informers;
using Terway.NodeAgent.Configuration;

namespace Terway.NodeAgent.Kube;

/// <summary>The pod named in CNI_ARGS is not on this node (or is a different pod with that name).</summary>
internal sealed class PodNotFoundException(string message) : Exception(message);

/// <summary>
/// The agent's view of the cluster, through Terway.Kube informers restricted to its node: its pods
/// (<c>spec.nodeName</c>), its PodENIs (label <c>k8s.aliyun.com/node</c>), its Node CR and its core Node.
/// No leader election: every agent serves only its own node.
/// </summary>
internal sealed partial class AgentCluster
{
    private readonly KubeManager _manager;
    private readonly NodeAgentOptions _options;
    private readonly ILogger _logger;
    private readonly ObjectKey _nodeKey;

    public AgentCluster(KubeManager manager, NodeAgentOptions options)
    {
        _manager = manager;
        _options = options;
        _logger = manager.LoggerFactory.CreateLogger<AgentCluster>();
        _nodeKey = ObjectKey.Cluster(options.NodeName);
        var node = options.NodeName;
        Pods = manager.GetInformer<V1Pod>(new ListOptions { FieldSelector = $"spec.nodeName={node}" });
        PodEnis = manager.GetInformer<V1Beta1PodEni>(new ListOptions { LabelSelector = $"{Labels.Node}={node}" });
        NodeCrs = manager.GetInformer<V1Beta1Node>(new ListOptions { FieldSelector = $"metadata.name={node}" });
        Nodes = manager.GetInformer<V1Node>(new ListOptions { FieldSelector = $"metadata.name={node}" });
        Pods.AddEventHandler(PodChanges);
        PodEnis.AddEventHandler(PodEniChanges);
        NodeCrs.AddEventHandler(NodeCrChanges);
        Nodes.AddEventHandler(NodeChanges);
    }

    public ResourceInformer<V1Pod> Pods { get; }

    public ResourceInformer<V1Beta1PodEni> PodEnis { get; }

    public ResourceInformer<V1Beta1Node> NodeCrs { get; }

    public ResourceInformer<V1Node> Nodes { get; }

    public ChangeSignal<V1Pod> PodChanges { get; } = new();

    public ChangeSignal<V1Beta1PodEni> PodEniChanges { get; } = new();

    public ChangeSignal<V1Beta1Node> NodeCrChanges { get; } = new();

    public ChangeSignal<V1Node> NodeChanges { get; } = new();

    public string NodeName => _options.NodeName;

    /// <summary>The informers that have not finished their first list.</summary>
    public IReadOnlyList<string> NotSynced =>
        [.. new IInformer[] { Pods, PodEnis, NodeCrs, Nodes }.Where(i => !i.HasSynced).Select(i => i.Name)];

    public V1Node? Node => Nodes.Cache.Get(_nodeKey);

    public V1Beta1Node? NodeCr => NodeCrs.Cache.Get(_nodeKey);

    public V1Beta1PodEni? PodEni(string ns, string name) => PodEnis.Cache.Get(new ObjectKey(ns, name));

    /// <summary>Completes when any object an allocation depends on changes: the node, the Node CR, or <paramref name="podEni"/>.</summary>
    public Task NextChange(ObjectKey? podEni) => podEni is { } key
        ? Task.WhenAny(NodeChanges.Next(_nodeKey), NodeCrChanges.Next(_nodeKey), PodEniChanges.Next(key))
        : Task.WhenAny(NodeChanges.Next(_nodeKey), NodeCrChanges.Next(_nodeKey));

    /// <summary>Waits until every informer has listed once.</summary>
    public async Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(Pods.WaitForSyncAsync(cancellationToken), PodEnis.WaitForSyncAsync(cancellationToken),
            NodeCrs.WaitForSyncAsync(cancellationToken), Nodes.WaitForSyncAsync(cancellationToken));

    /// <summary>
    /// The pod from CNI_ARGS. From the cache when it is there with the expected UID; otherwise read
    /// from the API server (the informer may not have seen a pod that was just bound, or may still hold
    /// its predecessor of the same name). Fails when the pod is absent, on another node or has a
    /// different UID than <paramref name="uid"/>.
    /// </summary>
    public async Task<V1Pod> GetPodAsync(string ns, string name, string? uid, CancellationToken cancellationToken)
    {
        var key = new ObjectKey(ns, name);
        var pod = Pods.Cache.Get(key);
        if (pod is null || (uid is not null && pod.Metadata.Uid != uid))
        {
            try
            {
                pod = await _manager.Client.GetAsync<V1Pod>(key, cancellationToken);
            }
            catch (KubeApiException e) when (e.IsNotFound)
            {
                throw new PodNotFoundException($"pod {key} does not exist");
            }
        }

        if (uid is not null && pod.Metadata.Uid != uid)
        {
            throw new PodNotFoundException($"pod {key} has UID {pod.Metadata.Uid}, CNI_ARGS names UID {uid}: the pod was deleted and re-created");
        }

        if (pod.Spec?.NodeName != _options.NodeName)
        {
            throw new PodNotFoundException($"pod {key} is scheduled to node \"{pod.Spec?.NodeName}\", not {_options.NodeName}");
        }

        return pod;
    }

    /// <summary>Records an event on the pod (events.k8s.io/v1); never blocks, never throws.</summary>
    public void Event(V1Pod pod, string type, string reason, string action, string note) =>
        _manager.Events.Publish(pod, type, reason, action, note);

    /// <summary>
    /// Sets <c>k8s.aliyun.com/pod-ips</c> (comma-separated) like Terway, in the background: the
    /// annotation is informational and must not hold up ADD. Skipped when it already has the value.
    /// </summary>
    public void AnnotatePodIps(V1Pod pod, string ips)
    {
        if (pod.Metadata.Annotations is { } a && a.TryGetValue(Annotations.PodIps, out var current) && current == ips)
        {
            return;
        }

        var body = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [Annotations.PodIps] = ips } } }.ToJsonString();
        var key = ObjectKey.From(pod);
        _ = Task.Run(async () =>
        {
            try
            {
                await _manager.Client.PatchAsync<V1Pod>(key, new Patch(PatchKind.Merge, body));
            }
            catch (Exception e)
            {
                LogAnnotateFailed(key.ToString(), e.Message);
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "annotating pod {Pod} with its IPs failed: {Error}")]
    private partial void LogAnnotateFailed(string pod, string error);
}

/// <summary>Event type names, re-exported for the agent.</summary>
internal static class AgentEventTypes
{
    public const string Normal = EventTypes.Normal;
    public const string Warning = EventTypes.Warning;
}
