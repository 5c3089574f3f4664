using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Hosting;

namespace Terway.Sandbox.Cluster.Scheduling;

/// <summary>
/// A minimal kube-scheduler: binds pending pods (no <c>spec.nodeName</c>, scheduler
/// <c>default-scheduler</c>) to the least loaded node that passes <see cref="SchedulerFit"/>.
/// Pods that fit nowhere get <c>PodScheduled=False</c> (reason Unschedulable, the real summary
/// as message) and a FailedScheduling event, and are retried when nodes change and every
/// <see cref="RetryInterval"/>. Bound pods are "assumed" on their node until the cache shows the
/// binding, so two pods in a row never overbook a node's extended resources.
/// </summary>
internal sealed partial class Scheduler : IReconciler<V1Pod>
{
    /// <summary>Index of the pod cache by node name.</summary>
    public const string ByNodeIndex = "spec.nodeName";

    private readonly KubeManager _manager;
    private readonly IKubernetes _kubernetes;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ObjectKey, V1Pod> _assumed = new();
    private IResourceCache<V1Pod> _pods = null!;
    private IResourceCache<V1Node> _nodes = null!;
    private long _bound;

    public Scheduler(KubeManager manager, IKubernetes kubernetes, IEventRecorder events, ILogger<Scheduler> logger)
    {
        _manager = manager;
        _kubernetes = kubernetes;
        _events = events;
        _logger = logger;
    }

    /// <summary>How often an unschedulable pod is tried again without any node change.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pods bound so far.</summary>
    public long Bound => Interlocked.Read(ref _bound);

    /// <summary>Registers the scheduler's informers and controller with the manager.</summary>
    public void Register()
    {
        _pods = _manager.AddIndex<V1Pod>(ByNodeIndex, p => string.IsNullOrEmpty(p.Spec?.NodeName) ? [] : [p.Spec.NodeName]);
        _nodes = _manager.GetCache<V1Node>();
        _manager.NewController<V1Pod>("scheduler")
            .Watches<V1Node>(_ => PendingPodKeys())
            .WithoutLeaderElection()
            .Build(this);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pod = _pods.Get(key);
        if (pod is null || !string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _assumed.TryRemove(key, out _);
            return ReconcileResult.Done;
        }

        if (pod.Metadata.DeletionTimestamp is not null
            || (pod.Spec?.SchedulerName is { Length: > 0 } name && name != KubeNames.DefaultScheduler)
            || _assumed.ContainsKey(key))
        {
            return ReconcileResult.Done;
        }

        var infos = _nodes.List().Select(n => new NodeInfo(n, PodsOn(n.Metadata.Name))).ToList();
        var fits = infos.Select(i => (Info: i, Fit: SchedulerFit.Check(pod, i))).ToList();
        var chosen = SchedulerFit.Choose(fits.Where(f => f.Fit.Fits).Select(f => f.Info));
        if (chosen is null)
        {
            var message = SchedulerFit.Summarize(infos.Count, fits.Select(f => f.Fit));
            await MarkUnschedulableAsync(pod, message, cancellationToken);
            _events.Publish(pod, EventTypes.Warning, KubeNames.FailedSchedulingReason, "Scheduling", message);
            LogUnschedulable(_logger, key, message);
            return ReconcileResult.RequeueAfter(RetryInterval);
        }

        var nodeName = chosen.Node.Metadata.Name;
        var binding = new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty },
            Target = new V1ObjectReference { Kind = "Node", ApiVersion = "v1", Name = nodeName },
        };
        try
        {
            await _kubernetes.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.NotFound)
        {
            // Bound meanwhile, being deleted, or gone: nothing left to schedule.
            return ReconcileResult.Done;
        }

        var assumed = KubeObjects.DeepCopy(pod);
        assumed.Spec.NodeName = nodeName;
        _assumed[key] = assumed;
        Interlocked.Increment(ref _bound);
        _events.Publish(pod, EventTypes.Normal, KubeNames.ScheduledReason, "Binding", $"Successfully assigned {key} to {nodeName}");
        LogBound(_logger, key, nodeName);
        return ReconcileResult.Done;
    }

    /// <summary>Pods holding resources on <paramref name="nodeName"/>: bound ones from the cache plus assumed ones.</summary>
    private List<V1Pod> PodsOn(string nodeName)
    {
        var pods = _pods.ByIndex(ByNodeIndex, nodeName).Where(PodRequests.HoldsResources).ToList();
        foreach (var (key, assumed) in _assumed)
        {
            if (assumed.Spec.NodeName == nodeName && !pods.Any(p => ObjectKey.From(p) == key))
            {
                pods.Add(assumed);
            }
        }

        return pods;
    }

    private List<ObjectKey> PendingPodKeys() =>
        _pods.List().Where(p => string.IsNullOrEmpty(p.Spec?.NodeName) && p.Metadata.DeletionTimestamp is null).Select(ObjectKey.From).ToList();

    private async Task MarkUnschedulableAsync(V1Pod pod, string message, CancellationToken ct)
    {
        var current = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (current is { Status: "False", Reason: KubeNames.UnschedulableReason } && current.Message == message)
        {
            return;
        }

        var patch = new V1Patch(new
        {
            status = new
            {
                conditions = new[]
                {
                    new { type = "PodScheduled", status = "False", reason = KubeNames.UnschedulableReason, message, lastProbeTime = (DateTime?)null, lastTransitionTime = _manager.Time.GetUtcNow().UtcDateTime },
                },
            },
        }, V1Patch.PatchType.StrategicMergePatch);
        try
        {
            await _kubernetes.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Deleted meanwhile.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Bound {Pod} to {Node}")]
    private static partial void LogBound(ILogger logger, ObjectKey pod, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Pod} is unschedulable: {Message}")]
    private static partial void LogUnschedulable(ILogger logger, ObjectKey pod, string message);
}
