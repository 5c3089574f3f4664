using System.Collections.Concurrent;
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
/// A minimal ReplicaSet controller: keeps <c>spec.replicas</c> live pods named
/// <c>&lt;rs&gt;-&lt;random&gt;</c> (generateName), owned by the ReplicaSet. Extra pods go
/// unscheduled first, then not running, then not ready, then newest. Like the real controller it
/// keeps "expectations": after creating or deleting pods it acts again only once the cache has
/// seen those changes, so a lagging cache never makes it create twice.
/// </summary>
internal sealed partial class ReplicaSetController : IReconciler<V1ReplicaSet>
{
    private static readonly TimeSpan ExpectationTimeout = TimeSpan.FromSeconds(30);

    private readonly KubeManager _manager;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ObjectKey, Expectations> _expectations = new();
    private IResourceCache<V1ReplicaSet> _sets = null!;
    private IResourceCache<V1Pod> _pods = null!;

    public ReplicaSetController(KubeManager manager, IEventRecorder events, ILogger<ReplicaSetController> logger)
    {
        _manager = manager;
        _events = events;
        _logger = logger;
    }

    /// <summary>Registers the controller and its indexes with the manager.</summary>
    public void Register()
    {
        _pods = _manager.AddIndex<V1Pod>(PodTemplates.ByControllerUid, PodTemplates.ControllerUid);
        _sets = _manager.GetCache<V1ReplicaSet>();
        _manager.NewController<V1ReplicaSet>("replicaset").Owns<V1Pod>().WithoutLeaderElection().Build(this);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var rs = _sets.Get(key);
        if (rs is null || rs.Metadata.DeletionTimestamp is not null)
        {
            _expectations.TryRemove(key, out _);
            return ReconcileResult.Done;
        }

        var pods = _pods.ByIndex(PodTemplates.ByControllerUid, rs.Metadata.Uid);
        var now = _manager.Time.GetUtcNow();
        if (_expectations.TryGetValue(key, out var pending))
        {
            if (!pending.SatisfiedBy(pods) && now - pending.Since < ExpectationTimeout)
            {
                return ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(200));
            }

            _expectations.TryRemove(key, out _);
        }

        var live = pods.Where(p => !PodTemplates.IsTerminal(p) && !PodTemplates.IsDeleting(p)).ToList();
        var want = rs.Spec.Replicas ?? 1;
        var diff = want - live.Count;
        if (diff > 0)
        {
            var created = new List<string>();
            for (var i = 0; i < diff; i++)
            {
                var pod = PodTemplates.NewPod(rs.Spec.Template, rs, null, rs.Metadata.Name + "-");
                var made = await _manager.Client.CreateAsync(pod, cancellationToken);
                created.Add(made.Metadata.Name);
                _events.Publish(rs, EventTypes.Normal, KubeNames.SuccessfulCreateReason, "Create", $"Created pod: {made.Metadata.Name}");
            }

            _expectations[key] = new Expectations(now, created, []);
            LogScaled(_logger, key, live.Count, want);
        }
        else if (diff < 0)
        {
            var victims = live.OrderBy(p => string.IsNullOrEmpty(p.Spec?.NodeName) ? 0 : 1)
                .ThenBy(p => p.Status?.Phase == "Running" ? 1 : 0)
                .ThenBy(p => PodTemplates.IsRunningAndReady(p) ? 1 : 0)
                .ThenByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue)
                .Take(-diff).ToList();
            foreach (var pod in victims)
            {
                try
                {
                    await _manager.Client.DeleteAsync<V1Pod>(ObjectKey.From(pod), new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken);
                    _events.Publish(rs, EventTypes.Normal, KubeNames.SuccessfulDeleteReason, "Delete", $"Deleted pod: {pod.Metadata.Name}");
                }
                catch (KubeApiException e) when (e.IsNotFound || e.IsConflict)
                {
                    // Gone already.
                }
            }

            _expectations[key] = new Expectations(now, [], [.. victims.Select(p => p.Metadata.Uid)]);
            LogScaled(_logger, key, live.Count, want);
        }

        var ready = live.Count(PodTemplates.IsRunningAndReady);
        var labelled = live.Count;
        await _manager.Client.UpdateStatusAsync<V1ReplicaSet>(key, s =>
        {
            var st = s.Status ??= new V1ReplicaSetStatus();
            var changed = st.Replicas != live.Count || st.ReadyReplicas != ready || st.AvailableReplicas != ready
                || st.FullyLabeledReplicas != labelled || st.ObservedGeneration != s.Metadata.Generation;
            st.Replicas = live.Count;
            st.ReadyReplicas = ready;
            st.AvailableReplicas = ready;
            st.FullyLabeledReplicas = labelled;
            st.ObservedGeneration = s.Metadata.Generation;
            return changed;
        }, rs, cancellationToken: cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>Pods this controller created or deleted and has not yet seen in its cache.</summary>
    private sealed record Expectations(DateTimeOffset Since, IReadOnlyList<string> Creates, IReadOnlyList<string> DeletedUids)
    {
        public bool SatisfiedBy(IReadOnlyList<V1Pod> pods) =>
            Creates.All(name => pods.Any(p => p.Metadata.Name == name))
            && DeletedUids.All(uid => pods.FirstOrDefault(p => p.Metadata.Uid == uid) is not { } p || PodTemplates.IsDeleting(p));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "ReplicaSet {Key}: {Live} live pods, {Want} wanted")]
    private static partial void LogScaled(ILogger logger, ObjectKey key, int live, int want);
}
