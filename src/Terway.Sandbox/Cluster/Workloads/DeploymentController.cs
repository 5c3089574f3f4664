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
/// A minimal Deployment controller: one ReplicaSet <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>
/// per template, owned by the Deployment, selecting its pods by the Deployment's selector plus the
/// hash label, scaled to <c>spec.replicas</c>. A new template gets a new ReplicaSet and the old ones
/// are scaled to zero at once (no rolling update: every pod is replaced together, like the
/// Recreate strategy). Status sums the ReplicaSets' counts.
/// </summary>
internal sealed partial class DeploymentController : IReconciler<V1Deployment>
{
    private readonly KubeManager _manager;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;
    private IResourceCache<V1Deployment> _deployments = null!;
    private IResourceCache<V1ReplicaSet> _sets = null!;

    public DeploymentController(KubeManager manager, IEventRecorder events, ILogger<DeploymentController> logger)
    {
        _manager = manager;
        _events = events;
        _logger = logger;
    }

    /// <summary>Registers the controller and its indexes with the manager.</summary>
    public void Register()
    {
        _sets = _manager.AddIndex<V1ReplicaSet>(PodTemplates.ByControllerUid, PodTemplates.ControllerUid);
        _deployments = _manager.GetCache<V1Deployment>();
        _manager.NewController<V1Deployment>("deployment").Owns<V1ReplicaSet>().WithoutLeaderElection().Build(this);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var deployment = _deployments.Get(key);
        if (deployment is null || deployment.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var client = _manager.Client;
        var hash = PodTemplates.Hash(deployment.Spec.Template);
        var name = $"{deployment.Metadata.Name}-{hash}";
        var replicas = deployment.Spec.Replicas ?? 1;
        var owned = _sets.ByIndex(PodTemplates.ByControllerUid, deployment.Metadata.Uid);
        var current = owned.FirstOrDefault(r => r.Metadata.Name == name);
        if (current is null)
        {
            try
            {
                await client.CreateAsync(NewReplicaSet(deployment, name, hash, replicas), cancellationToken);
                _events.Publish(deployment, EventTypes.Normal, "ScalingReplicaSet", "Scale", $"Scaled up replica set {name} to {replicas}");
                LogCreated(_logger, key, name);
            }
            catch (KubeApiException e) when (e.IsAlreadyExists)
            {
                // Created earlier; the cache will show it.
            }
        }
        else if (current.Spec.Replicas != replicas)
        {
            await ScaleAsync(deployment, current, replicas, cancellationToken);
        }

        foreach (var old in owned.Where(r => r.Metadata.Name != name && r.Spec.Replicas != 0))
        {
            await ScaleAsync(deployment, old, 0, cancellationToken);
        }

        int Sum(Func<V1ReplicaSetStatus, int?> f) => owned.Sum(r => r.Status is null ? 0 : f(r.Status) ?? 0);
        var total = Sum(s => s.Replicas);
        var ready = Sum(s => s.ReadyReplicas);
        var updated = current?.Status?.Replicas ?? 0;
        await client.UpdateStatusAsync<V1Deployment>(key, d =>
        {
            var st = d.Status ??= new V1DeploymentStatus();
            var available = ready >= replicas;
            var changed = st.Replicas != total || st.ReadyReplicas != ready || st.AvailableReplicas != ready || st.UpdatedReplicas != updated
                || st.ObservedGeneration != d.Metadata.Generation || st.Conditions?.FirstOrDefault(c => c.Type == "Available")?.Status != (available ? "True" : "False");
            st.Replicas = total;
            st.ReadyReplicas = ready;
            st.AvailableReplicas = ready;
            st.UpdatedReplicas = updated;
            st.UnavailableReplicas = Math.Max(0, replicas - ready);
            st.ObservedGeneration = d.Metadata.Generation;
            var now = _manager.Time.GetUtcNow().UtcDateTime;
            st.Conditions =
            [
                new V1DeploymentCondition
                {
                    Type = "Available",
                    Status = available ? "True" : "False",
                    Reason = available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    Message = available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                    LastUpdateTime = now,
                    LastTransitionTime = st.Conditions?.FirstOrDefault(c => c.Type == "Available" && c.Status == (available ? "True" : "False"))?.LastTransitionTime ?? now,
                },
            ];
            return changed;
        }, deployment, cancellationToken: cancellationToken);
        return ReconcileResult.Done;
    }

    private static V1ReplicaSet NewReplicaSet(V1Deployment deployment, string name, string hash, int replicas)
    {
        var template = KubeObjects.DeepCopy(deployment.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [KubeNames.PodTemplateHash] = hash,
        };
        var selector = KubeObjects.DeepCopy(deployment.Spec.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [KubeNames.PodTemplateHash] = hash,
        };
        return new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = deployment.Metadata.NamespaceProperty,
                Labels = template.Metadata.Labels,
                OwnerReferences = [PodTemplates.ControllerReference(deployment)],
            },
            Spec = new V1ReplicaSetSpec { Replicas = replicas, Selector = selector, Template = template },
        };
    }

    private async Task ScaleAsync(V1Deployment deployment, V1ReplicaSet set, int replicas, CancellationToken ct)
    {
        var patch = new Patch(PatchKind.Merge, $$$"""{"spec":{"replicas":{{{replicas}}}}}""");
        await _manager.Client.PatchAsync<V1ReplicaSet>(ObjectKey.From(set), patch, cancellationToken: ct);
        var verb = replicas > (set.Spec.Replicas ?? 0) ? "up" : "down";
        _events.Publish(deployment, EventTypes.Normal, "ScalingReplicaSet", "Scale", $"Scaled {verb} replica set {set.Metadata.Name} to {replicas}");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deployment {Key}: created ReplicaSet {ReplicaSet}")]
    private static partial void LogCreated(ILogger logger, ObjectKey key, string replicaSet);
}
