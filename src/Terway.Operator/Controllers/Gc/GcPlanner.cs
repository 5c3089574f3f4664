using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Cloud;

namespace Terway.Operator.Controllers.Gc;

/// <summary>What garbage collection does to one ENI.</summary>
internal enum GcAction
{
    /// <summary>DetachNetworkInterface (it is attached; it is deleted in a later sweep).</summary>
    Detach,

    /// <summary>DeleteNetworkInterface (it is Available).</summary>
    Delete,
}

/// <summary>One ENI to act on.</summary>
/// <param name="Eni">The ENI.</param>
/// <param name="Action">Detach or delete.</param>
internal sealed record GcStep(CloudEni Eni, GcAction Action);

/// <summary>The outcome of planning a sweep.</summary>
/// <param name="Steps">What to do now (bounded).</param>
/// <param name="Unreferenced">Every owned ENI found unreferenced in this sweep (remembered for the next).</param>
internal sealed record GcPlan(IReadOnlyList<GcStep> Steps, IReadOnlySet<string> Unreferenced);

/// <summary>What the cluster references, read from the caches.</summary>
/// <param name="EniIds">ENIs recorded in PodENIs and Node CRs.</param>
/// <param name="BusyPodEnis">PodENIs (<c>namespace/name</c>) that may own an ENI they have not recorded yet (phase "" or Binding).</param>
/// <param name="BusyNodes">Nodes whose Node CR has no trunk recorded yet (a trunk may be being created).</param>
internal sealed record GcReferences(IReadOnlySet<string> EniIds, IReadOnlySet<string> BusyPodEnis, IReadOnlySet<string> BusyNodes);

/// <summary>
/// The leaked-ENI rules as a pure function: an ENI is collected only when it is tagged as this cluster's and
/// the operator's (the caller lists only those), nothing references it, its owner is not in the middle of
/// recording it, it is older than the minimum age, and it was already unreferenced in the previous sweep. At
/// most <c>max</c> steps per sweep, oldest first; attached ENIs are detached (and deleted a later sweep),
/// Available ones deleted, others (Attaching, Detaching, Deleting) left for later.
/// </summary>
internal static class GcPlanner
{
    public static GcPlan Plan(IReadOnlyList<CloudEni> owned, GcReferences references, IReadOnlySet<string> unreferencedLastSweep, DateTimeOffset now, TimeSpan minAge, int max)
    {
        var unreferenced = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<GcStep>();
        foreach (var eni in owned.OrderBy(e => e.CreationTime ?? DateTimeOffset.MaxValue))
        {
            if (references.EniIds.Contains(eni.Id) || eni.Type == EniTypes.Primary)
            {
                continue;
            }

            if (eni.Tags.TryGetValue(EniTags.OwnerPodEniKey, out var podEni) && references.BusyPodEnis.Contains(podEni))
            {
                continue;
            }

            if (eni.Tags.TryGetValue(EniTags.OwnerNodeKey, out var node) && references.BusyNodes.Contains(node))
            {
                continue;
            }

            unreferenced.Add(eni.Id);
            if (!unreferencedLastSweep.Contains(eni.Id) || eni.CreationTime is not { } created || now - created < minAge || steps.Count >= max)
            {
                continue;
            }

            var action = eni.Status switch
            {
                EniStatuses.InUse when eni.InstanceId is not null => GcAction.Detach,
                EniStatuses.Available => GcAction.Delete,
                _ => (GcAction?)null,
            };
            if (action is { } a)
            {
                steps.Add(new GcStep(eni, a));
            }
        }

        return new GcPlan(steps, unreferenced);
    }
}
