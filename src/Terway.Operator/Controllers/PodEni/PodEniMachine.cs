using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Durations;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.Operator.Cloud;
using Terway.Operator.Controllers.Pod;

namespace Terway.Operator.Controllers.PodEni;

/// <summary>Facts about the node a pod runs on, from the core Node and the Node CR.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Exists">The core Node exists.</param>
/// <param name="InstanceId">The ECS instance (from <c>spec.providerID</c>).</param>
/// <param name="Zone">The zone label.</param>
/// <param name="TrunkEniId">The node's trunk ENI when it is <c>InUse</c> (Node CR status), else null.</param>
/// <param name="TrunkCapable">False when the node can never have a trunk (eniOnly, or an instance type without trunk support); null when not known yet.</param>
internal sealed record NodeFacts(string Name, bool Exists, string? InstanceId, string? Zone, string? TrunkEniId, bool? TrunkCapable);

/// <summary>Where the pod a PodENI is for stands, relative to the PodENI.</summary>
internal enum PodPresence
{
    /// <summary>The pod the PodENI was made for runs on an existing node.</summary>
    Current,

    /// <summary>That pod is being deleted but still exists (its sandbox may still use the ENI).</summary>
    Terminating,

    /// <summary>A new pod with the same name (another UID) exists and is scheduled.</summary>
    Replaced,

    /// <summary>The pod is gone: deleted, finished, unscheduled replacement, or its node was deleted.</summary>
    Gone,
}

/// <summary>Everything the phase machine decides from. Pure data; the reconciler gathers it.</summary>
internal sealed record PodEniInput
{
    /// <summary>The PodENI (null when absent).</summary>
    public V1Beta1PodEni? PodEni { get; init; }

    /// <summary>The pod of the same namespace and name (null when absent).</summary>
    public V1Pod? Pod { get; init; }

    /// <summary>Facts about the pod's node (null when the pod is absent or unscheduled).</summary>
    public NodeFacts? Node { get; init; }

    /// <summary>Whether (and how) the pod needs its own ENIs; consulted only while no PodENI exists.</summary>
    public PodNetworkResolution? Resolution { get; init; }

    /// <summary>Cloud facts for the PodENI's ENIs (absent key = the ENI does not exist); null = not read.</summary>
    public IReadOnlyDictionary<string, CloudEni>? Cloud { get; init; }

    /// <summary>
    /// ENIs tagged as created for this PodENI that it has not recorded (a crash between create and record);
    /// null = not looked up. Looked up only when a PodENI that lacks an ENI ID is released.
    /// </summary>
    public IReadOnlyList<CloudEni>? Strays { get; init; }

    /// <summary>How many consecutive waits each ENI has had in its current transitional state.</summary>
    public IReadOnlyDictionary<string, int> Polls { get; init; } = new Dictionary<string, int>();

    /// <summary>Now.</summary>
    public DateTime Now { get; init; }

    /// <summary>How often a fixed-IP PodENI's <c>podLastSeen</c> is refreshed.</summary>
    public TimeSpan LastSeenRefresh { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Polls of <c>Detaching</c> after which the detach is issued again (a stuck detach).</summary>
    public int StuckDetachPolls { get; init; } = 5;
}

/// <summary>
/// The PodENI phase machine as a pure function: the current PodENI, pod, node facts and (when the phase needs
/// them) cloud facts in; the one next action out. The reconciler executes the action, refreshes its facts and
/// asks again, so each step is small and every crash point resumes from recorded state.
/// <code>
///  (none) ──CreatePodEni──▶ "" ──CreateEni──▶ "" (ENI recorded) ──Attach──▶ (InUse) ──MarkBound──▶ Bind
///  Bind ──pod gone, Elastic──▶ Deleting ──Detach, Delete──▶ (finalized, PodENI removed)
///  Bind ──pod gone, Fixed──▶ Detaching ──Detach──▶ Unbind ──TTL passed──▶ Deleting
///  Bind/Detaching/Unbind ──new pod (Fixed)──▶ Binding ──(detach elsewhere) Attach──▶ Bind (same ENI, IP, MAC)
///  any ──PodENI deleted──▶ Detach, Delete ──▶ finalizer removed
/// </code>
/// </summary>
internal static class PodEniMachine
{
    /// <summary>The next action.</summary>
    public static PodEniAction Decide(PodEniInput input)
    {
        var pe = input.PodEni;
        if (pe is null)
        {
            return DecideWithoutPodEni(input);
        }

        if (pe.Metadata.DeletionTimestamp is not null)
        {
            return HasOurFinalizer(pe) ? Release(input, delete: true) ?? new Finalize("the PodENI was deleted") : new Done();
        }

        var presence = Classify(pe, input.Pod, input.Node);
        var fix = IsFixed(pe);
        var phase = pe.Status?.Phase ?? PodEniPhases.Initial;
        switch (phase)
        {
            case PodEniPhases.Initial:
            case PodEniPhases.Binding:
                return presence switch
                {
                    PodPresence.Current => Bind(input),
                    PodPresence.Terminating => new Done(Why: "the pod is terminating"),
                    PodPresence.Replaced when fix => Retarget(input),
                    _ => fix ? new SetPhase(PodEniPhases.Detaching, "the pod is gone") : new SetPhase(PodEniPhases.Deleting, "the pod is gone"),
                };

            case PodEniPhases.Bind:
                return presence switch
                {
                    PodPresence.Current => Bound(input),
                    PodPresence.Terminating => new Done(Why: "the pod is terminating"),
                    PodPresence.Replaced when fix => Retarget(input),
                    _ => fix ? new SetPhase(PodEniPhases.Detaching, "the pod is gone") : new SetPhase(PodEniPhases.Deleting, "the pod is gone"),
                };

            case PodEniPhases.Detaching:
                if (presence is PodPresence.Replaced or PodPresence.Current && fix)
                {
                    return Retarget(input);
                }

                if (presence is PodPresence.Replaced or PodPresence.Current)
                {
                    return new SetPhase(PodEniPhases.Deleting, "the PodENI belongs to an earlier pod");
                }

                return Release(input, delete: false) ?? new MarkUnbound();

            case PodEniPhases.Unbind:
                if (presence is PodPresence.Replaced or PodPresence.Current)
                {
                    return fix ? Retarget(input) : new SetPhase(PodEniPhases.Deleting, "the PodENI belongs to an earlier pod");
                }

                return Unbound(input, pe);

            case PodEniPhases.Deleting:
                return Release(input, delete: true) ?? new Finalize("the ENIs are released");

            default:
                return new Done(Why: $"unknown phase '{phase}' is left alone");
        }
    }

    /// <summary>Where the PodENI's pod stands (pure).</summary>
    public static PodPresence Classify(V1Beta1PodEni pe, V1Pod? pod, NodeFacts? node)
    {
        if (pod is null)
        {
            return PodPresence.Gone;
        }

        var recorded = pe.GetAnnotation(Annotations.PodUid);
        var same = string.IsNullOrEmpty(recorded) || recorded == pod.Metadata.Uid;
        if (PodIdentity.IsSandboxExited(pod))
        {
            return PodPresence.Gone;
        }

        if (!same)
        {
            var scheduled = !string.IsNullOrEmpty(pod.Spec?.NodeName) && node is { Exists: true };
            return scheduled && pod.Metadata.DeletionTimestamp is null ? PodPresence.Replaced : PodPresence.Gone;
        }

        if (node is not { Exists: true })
        {
            return PodPresence.Gone;
        }

        return pod.Metadata.DeletionTimestamp is null ? PodPresence.Current : PodPresence.Terminating;
    }

    /// <summary>Whether any allocation is Fixed (the PodENI keeps its ENIs for the pod's name).</summary>
    public static bool IsFixed(V1Beta1PodEni pe) =>
        pe.Spec.Allocations?.Any(a => a.AllocationType?.Type == IPAllocTypes.Fixed) == true;

    /// <summary>Whether the PodENI carries the operator's finalizer (or Terway's legacy one).</summary>
    public static bool HasOurFinalizer(V1Beta1PodEni pe) =>
        pe.Metadata.Finalizers?.Any(f => f is Finalizers.PodEni or Finalizers.LegacyPodEni) == true;

    private static PodEniAction DecideWithoutPodEni(PodEniInput input)
    {
        var pod = input.Pod;
        if (pod is null)
        {
            return new Done(Why: "no pod");
        }

        if (pod.Metadata.DeletionTimestamp is not null || PodIdentity.IsSandboxExited(pod))
        {
            return new Done(Why: "the pod is terminating or finished");
        }

        switch (input.Resolution)
        {
            case null:
                return new Done();
            case PodNetworkResolution.NotNeeded notNeeded:
                return new Done(Why: notNeeded.Why);
            case PodNetworkResolution.Pending pending:
                return new WaitFor(pending.Reason, pending.Message, WaitKind.Backoff);
            case PodNetworkResolution.Planned plan:
                if (input.Node is not { Exists: true } node || string.IsNullOrEmpty(node.Zone) || string.IsNullOrEmpty(node.InstanceId))
                {
                    return new WaitFor(ConditionReasons.NodeMetadataMissing,
                        $"node {pod.Spec?.NodeName} has no zone label or providerID yet", WaitKind.Event);
                }

                return new CreatePodEni(plan);
            default:
                return new Done();
        }
    }

    // Phase "" or Binding with the pod present: create missing ENIs, attach them where the pod runs, then Bind.
    private static PodEniAction Bind(PodEniInput input)
    {
        var pe = input.PodEni!;
        var allocations = pe.Spec.Allocations ?? [];
        for (var i = 0; i < allocations.Count; i++)
        {
            if (string.IsNullOrEmpty(allocations[i].Eni?.Id))
            {
                return new CreateEni(i, Replaces: null);
            }
        }

        var node = input.Node!;
        if (!string.IsNullOrEmpty(pe.Spec.Zone) && !string.IsNullOrEmpty(node.Zone) && pe.Spec.Zone != node.Zone)
        {
            return new WaitFor(ConditionReasons.ZoneMismatch,
                $"the ENIs are in zone {pe.Spec.Zone} but node {node.Name} is in zone {node.Zone}; an ENI cannot move between zones", WaitKind.Stalled);
        }

        if (input.Cloud is null)
        {
            return new ReadCloud();
        }

        for (var i = 0; i < allocations.Count; i++)
        {
            var target = Target(allocations[i], node);
            if (target.Wait is { } wait)
            {
                return wait;
            }

            if (EnsureAttached(input, i, allocations[i].Eni!.Id!, target.InstanceId!, target.TrunkId) is { } step)
            {
                return step;
            }
        }

        return new MarkBound();
    }

    // Phase Bind with its pod present: nothing to do in the cloud; keep podLastSeen fresh for fixed IPs, and
    // re-bind when the node's trunk changed underneath.
    private static PodEniAction Bound(PodEniInput input)
    {
        var pe = input.PodEni!;
        var node = input.Node!;
        var trunkAllocations = pe.Spec.Allocations?.Any(a => a.Eni?.AttachmentOptions?.Trunk == true) == true;
        if (trunkAllocations && node.TrunkEniId is { } trunk && !string.IsNullOrEmpty(pe.Status?.TrunkEniId) && pe.Status!.TrunkEniId != trunk)
        {
            return new Retarget(input.Pod!.Metadata.Uid, node.Name, $"the node's trunk ENI is now {trunk}");
        }

        if (!IsFixed(pe))
        {
            return new Done();
        }

        var last = pe.Status?.PodLastSeen;
        if (last is null || input.Now - last.Value >= input.LastSeenRefresh)
        {
            return new RefreshLastSeen();
        }

        return new Done(RequeueAfter: input.LastSeenRefresh - (input.Now - last.Value));
    }

    // Phase Unbind with no pod: wait for the release policy.
    private static PodEniAction Unbound(PodEniInput input, V1Beta1PodEni pe)
    {
        if (!IsFixed(pe))
        {
            return new SetPhase(PodEniPhases.Deleting, "an Elastic allocation is not kept without its pod");
        }

        var allocation = pe.Spec.Allocations!.First(a => a.AllocationType?.Type == IPAllocTypes.Fixed).AllocationType!;
        if (allocation.ReleaseStrategy != ReleaseStrategies.Ttl)
        {
            // Never, or an unknown/empty strategy: Terway keeps the ENI until the PodENI is deleted.
            return new Done(Why: $"release strategy '{allocation.ReleaseStrategy}' keeps the ENI until the PodENI is deleted");
        }

        if (!GoDuration.TryParse(allocation.ReleaseAfter, out var ttl) || ttl < TimeSpan.Zero)
        {
            return new Done(Why: $"releaseAfter '{allocation.ReleaseAfter}' is not a duration; the ENI is kept");
        }

        if (pe.Status?.PodLastSeen is not { } last)
        {
            return new RefreshLastSeen();
        }

        var due = last + ttl;
        return input.Now >= due
            ? new SetPhase(PodEniPhases.Deleting, $"the pod was last seen at {last:O}, more than {allocation.ReleaseAfter} ago")
            : new Done(RequeueAfter: due - input.Now);
    }

    private static PodEniAction Retarget(PodEniInput input)
    {
        var pod = input.Pod!;
        if (string.IsNullOrEmpty(pod.Spec?.NodeName) || input.Node is not { Exists: true })
        {
            return new Done(Why: "waiting for the new pod to be scheduled");
        }

        return new Retarget(pod.Metadata.Uid, input.Node.Name, $"pod {pod.Metadata.Uid} on node {input.Node.Name} takes over the ENIs");
    }

    private static (string? InstanceId, string? TrunkId, PodEniAction? Wait) Target(Allocation allocation, NodeFacts node)
    {
        if (string.IsNullOrEmpty(node.InstanceId))
        {
            return (null, null, new WaitFor(ConditionReasons.NodeMetadataMissing, $"node {node.Name} has no providerID with an instance ID", WaitKind.Event));
        }

        if (allocation.Eni?.AttachmentOptions?.Trunk != true)
        {
            return (node.InstanceId, null, null);
        }

        if (node.TrunkCapable == false)
        {
            return (null, null, new WaitFor(ConditionReasons.TrunkNotReady,
                $"node {node.Name} cannot have a trunk ENI (exclusive ENI mode, or its instance type does not support trunking)", WaitKind.Stalled));
        }

        if (node.TrunkEniId is null)
        {
            return (null, null, new WaitFor(ConditionReasons.TrunkNotReady, $"the trunk ENI of node {node.Name} is not attached yet", WaitKind.Event));
        }

        return (node.InstanceId, node.TrunkEniId, null);
    }

    // The one step that brings ENI i towards "InUse on (instance, trunk)", or null when it is there.
    private static PodEniAction? EnsureAttached(PodEniInput input, int index, string eniId, string instanceId, string? trunkId)
    {
        if (!input.Cloud!.TryGetValue(eniId, out var eni) || eni.Status == EniStatuses.Deleting)
        {
            return new CreateEni(index, Replaces: eniId);
        }

        var polls = input.Polls.GetValueOrDefault(eniId);
        var onTarget = eni.InstanceId == instanceId && (trunkId is null ? eni.TrunkId is null : eni.TrunkId == trunkId);
        return eni.Status switch
        {
            EniStatuses.InUse when onTarget => null,
            EniStatuses.Attaching when onTarget => new WaitCloud(index, eniId, EniStatuses.Attaching),
            EniStatuses.InUse when eni.InstanceId is not null => new Detach(index, eniId, eni.InstanceId, eni.TrunkId, "attached elsewhere"),
            EniStatuses.Detaching when polls >= input.StuckDetachPolls && eni.InstanceId is not null =>
                new Detach(index, eniId, eni.InstanceId, eni.TrunkId, "stuck in Detaching"),
            EniStatuses.Available => new Attach(index, eniId, instanceId, trunkId),
            _ => new WaitCloud(index, eniId, eni.Status),
        };
    }

    // The first step that releases an ENI (detach, and delete when asked), or null when all are released.
    // Deleting a PodENI that never recorded an ENI first looks for ENIs created for it but not recorded.
    private static PodEniAction? Release(PodEniInput input, bool delete)
    {
        var allocations = input.PodEni!.Spec.Allocations ?? [];
        if (delete && input.Strays is null && allocations.Any(a => string.IsNullOrEmpty(a.Eni?.Id)))
        {
            return new FindStrays();
        }

        var ids = allocations.Select((a, i) => (Id: a.Eni?.Id, Index: i)).Where(x => !string.IsNullOrEmpty(x.Id)).ToList();
        var recorded = ids.Select(x => x.Id!).ToHashSet(StringComparer.Ordinal);
        var cloud = new Dictionary<string, CloudEni>(StringComparer.Ordinal);
        foreach (var stray in input.Strays ?? [])
        {
            if (!recorded.Contains(stray.Id))
            {
                ids.Add((stray.Id, -1));
                cloud[stray.Id] = stray;
            }
        }

        if (ids.Count == 0)
        {
            return null;
        }

        if (input.Cloud is null && ids.Any(x => recorded.Contains(x.Id!)))
        {
            return new ReadCloud();
        }

        foreach (var (id, index) in ids)
        {
            if (!(input.Cloud?.TryGetValue(id!, out var eni) == true || cloud.TryGetValue(id!, out eni)))
            {
                continue;
            }

            var polls = input.Polls.GetValueOrDefault(id!);
            PodEniAction? step = eni.Status switch
            {
                EniStatuses.InUse when eni.InstanceId is not null => new Detach(index, id!, eni.InstanceId, eni.TrunkId, "releasing"),
                EniStatuses.Detaching when polls >= input.StuckDetachPolls && eni.InstanceId is not null =>
                    new Detach(index, id!, eni.InstanceId, eni.TrunkId, "stuck in Detaching"),
                EniStatuses.Available when delete => new DeleteEni(index, id!),
                EniStatuses.Available => null,
                EniStatuses.Deleting when !delete => null,
                _ => new WaitCloud(index, id!, eni.Status),
            };
            if (step is not null)
            {
                return step;
            }
        }

        return null;
    }
}
