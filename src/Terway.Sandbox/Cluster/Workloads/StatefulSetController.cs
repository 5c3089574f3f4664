using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Kube.Status;

namespace Terway.Sandbox.Cluster.Workloads;

/// <summary>
/// A minimal StatefulSet controller: pods <c>&lt;sts&gt;-&lt;ordinal&gt;</c> (ordinals from
/// <c>spec.ordinals.start</c>), owned by the StatefulSet (controller reference), with the
/// pod-name and pod-index labels, hostname and subdomain. OrderedReady creates one pod at a time
/// once every lower ordinal is Running and Ready and scales down from the highest ordinal one at a
/// time; Parallel does both at once. A deleted pod is recreated under the same name once the old
/// one is gone; a Succeeded or Failed pod is deleted so it is recreated. Status: replicas, ready,
/// current, updated, available, observedGeneration. Template changes are not rolled out to
/// existing pods (no revisions); new pods use the current template.
/// </summary>
internal sealed partial class StatefulSetController : IReconciler<V1StatefulSet>
{
    private readonly KubeManager _manager;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;
    private IResourceCache<V1StatefulSet> _sets = null!;
    private IResourceCache<V1Pod> _pods = null!;

    public StatefulSetController(KubeManager manager, IEventRecorder events, ILogger<StatefulSetController> logger)
    {
        _manager = manager;
        _events = events;
        _logger = logger;
    }

    /// <summary>Registers the controller and its indexes with the manager.</summary>
    public void Register()
    {
        _pods = _manager.AddIndex<V1Pod>(PodTemplates.ByControllerUid, PodTemplates.ControllerUid);
        _sets = _manager.GetCache<V1StatefulSet>();
        _manager.NewController<V1StatefulSet>("statefulset").Owns<V1Pod>().WithoutLeaderElection().Build(this);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var sts = _sets.Get(key);
        if (sts is null || sts.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var client = _manager.Client;
        var name = sts.Metadata.Name;
        var replicas = sts.Spec.Replicas ?? 1;
        var start = sts.Spec.Ordinals?.Start ?? 0;
        var parallel = sts.Spec.PodManagementPolicy == "Parallel";
        var pods = _pods.ByIndex(PodTemplates.ByControllerUid, sts.Metadata.Uid);
        var byOrdinal = new SortedDictionary<int, V1Pod>();
        foreach (var pod in pods)
        {
            if (OrdinalOf(name, pod.Metadata.Name) is { } ordinal)
            {
                byOrdinal[ordinal] = pod;
            }
        }

        var waiting = false;
        foreach (var pod in byOrdinal.Values.Where(p => PodTemplates.IsTerminal(p) && !PodTemplates.IsDeleting(p)))
        {
            await DeleteAsync(sts, pod, cancellationToken);
        }

        var condemned = byOrdinal.Where(p => p.Key < start || p.Key >= start + replicas).OrderByDescending(p => p.Key).Select(p => p.Value).ToList();
        foreach (var pod in condemned)
        {
            if (PodTemplates.IsDeleting(pod))
            {
                waiting |= !parallel;
                continue;
            }

            if (waiting)
            {
                break;
            }

            await DeleteAsync(sts, pod, cancellationToken);
            waiting |= !parallel;
        }

        for (var ordinal = start; ordinal < start + replicas && !(waiting && !parallel); ordinal++)
        {
            if (!byOrdinal.TryGetValue(ordinal, out var pod))
            {
                await CreateAsync(sts, ordinal, cancellationToken);
                waiting |= !parallel;
            }
            else if (!parallel && (PodTemplates.IsDeleting(pod) || !PodTemplates.IsRunningAndReady(pod)))
            {
                waiting = true;
            }
        }

        var live = byOrdinal.Values.Where(p => !PodTemplates.IsTerminal(p)).ToList();
        var ready = live.Count(PodTemplates.IsRunningAndReady);
        await client.UpdateStatusAsync<V1StatefulSet>(key, s =>
        {
            var st = s.Status ??= new V1StatefulSetStatus();
            var changed = st.Replicas != live.Count || st.ReadyReplicas != ready || st.AvailableReplicas != ready
                || st.CurrentReplicas != live.Count || st.UpdatedReplicas != live.Count || st.ObservedGeneration != s.Metadata.Generation;
            st.Replicas = live.Count;
            st.ReadyReplicas = ready;
            st.AvailableReplicas = ready;
            st.CurrentReplicas = live.Count;
            st.UpdatedReplicas = live.Count;
            st.ObservedGeneration = s.Metadata.Generation;
            st.CurrentRevision ??= $"{name}-{PodTemplates.Hash(s.Spec.Template)}";
            st.UpdateRevision ??= st.CurrentRevision;
            return changed;
        }, sts, cancellationToken: cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>The ordinal of a pod named <c>&lt;set&gt;-&lt;n&gt;</c>, or null.</summary>
    internal static int? OrdinalOf(string setName, string podName) =>
        podName.Length > setName.Length + 1 && podName.StartsWith(setName + "-", StringComparison.Ordinal)
            && int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The pod of <paramref name="sts"/> with <paramref name="ordinal"/>.</summary>
    internal static V1Pod PodFor(V1StatefulSet sts, int ordinal)
    {
        var podName = $"{sts.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var pod = PodTemplates.NewPod(sts.Spec.Template, sts, podName, null, new Dictionary<string, string>
        {
            [KubeNames.StatefulSetPodName] = podName,
            [KubeNames.PodIndex] = ordinal.ToString(CultureInfo.InvariantCulture),
            [KubeNames.ControllerRevisionHash] = $"{sts.Metadata.Name}-{PodTemplates.Hash(sts.Spec.Template)}",
        });
        pod.Spec.Hostname = podName;
        if (!string.IsNullOrEmpty(sts.Spec.ServiceName))
        {
            pod.Spec.Subdomain = sts.Spec.ServiceName;
        }

        return pod;
    }

    private async Task CreateAsync(V1StatefulSet sts, int ordinal, CancellationToken ct)
    {
        var pod = PodFor(sts, ordinal);
        try
        {
            await _manager.Client.CreateAsync(pod, ct);
            _events.Publish(sts, EventTypes.Normal, KubeNames.SuccessfulCreateReason, "Create",
                $"create Pod {pod.Metadata.Name} in StatefulSet {sts.Metadata.Name} successful");
            LogCreated(_logger, sts.Metadata.NamespaceProperty, pod.Metadata.Name);
        }
        catch (KubeApiException e) when (e.IsAlreadyExists)
        {
            // The cache has not seen it yet, or its predecessor of the same name is still terminating:
            // the pod's own events bring us back.
        }
    }

    private async Task DeleteAsync(V1StatefulSet sts, V1Pod pod, CancellationToken ct)
    {
        try
        {
            await _manager.Client.DeleteAsync<V1Pod>(ObjectKey.From(pod), new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, ct);
            _events.Publish(sts, EventTypes.Normal, KubeNames.SuccessfulDeleteReason, "Delete",
                $"delete Pod {pod.Metadata.Name} in StatefulSet {sts.Metadata.Name} successful");
        }
        catch (KubeApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Gone already, or replaced by a pod with another UID.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "StatefulSet controller created {Namespace}/{Pod}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string pod);
}
