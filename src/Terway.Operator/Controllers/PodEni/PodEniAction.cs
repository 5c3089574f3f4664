using Terway.Operator.Controllers.Pod;

namespace Terway.Operator.Controllers.PodEni;

/// <summary>How a wait ends.</summary>
internal enum WaitKind
{
    /// <summary>An event ends it (a trunk becoming ready, a node getting labels); only a long safety requeue.</summary>
    Event,

    /// <summary>Retry with the work queue's per-key backoff.</summary>
    Backoff,

    /// <summary>Retrying cannot help until something outside changes (kstatus Stalled); long safety requeue.</summary>
    Stalled,
}

/// <summary>One step the phase machine asks for.</summary>
internal abstract record PodEniAction;

/// <summary>Nothing to do now; optionally look again after <paramref name="RequeueAfter"/>.</summary>
internal sealed record Done(TimeSpan? RequeueAfter = null, string? Why = null) : PodEniAction;

/// <summary>Blocked: record <paramref name="Reason"/> on the PodENI (if any) and wait as <paramref name="Kind"/> says.</summary>
internal sealed record WaitFor(string Reason, string Message, WaitKind Kind) : PodEniAction;

/// <summary>Create the PodENI for the pod (allocations planned, vSwitches still to pick).</summary>
internal sealed record CreatePodEni(PodNetworkResolution.Planned Plan) : PodEniAction;

/// <summary>Create the ENI of allocation <paramref name="Index"/> (replacing a vanished ENI when <paramref name="Replaces"/> is set).</summary>
internal sealed record CreateEni(int Index, string? Replaces) : PodEniAction;

/// <summary>Look for ENIs tagged as this PodENI's that it never recorded, then decide again.</summary>
internal sealed record FindStrays : PodEniAction;

/// <summary>Describe the PodENI's ENIs, then decide again.</summary>
internal sealed record ReadCloud : PodEniAction;

/// <summary>AttachNetworkInterface.</summary>
internal sealed record Attach(int Index, string EniId, string InstanceId, string? TrunkId) : PodEniAction;

/// <summary>DetachNetworkInterface.</summary>
internal sealed record Detach(int Index, string EniId, string InstanceId, string? TrunkId, string Why) : PodEniAction;

/// <summary>DeleteNetworkInterface.</summary>
internal sealed record DeleteEni(int Index, string EniId) : PodEniAction;

/// <summary>The ENI is in a transitional state; poll again with the backoff.</summary>
internal sealed record WaitCloud(int Index, string EniId, string State) : PodEniAction;

/// <summary>All ENIs are InUse where the pod runs: write phase Bind with the cloud facts.</summary>
internal sealed record MarkBound : PodEniAction;

/// <summary>All ENIs are detached: write phase Unbind.</summary>
internal sealed record MarkUnbound : PodEniAction;

/// <summary>Move to <paramref name="Phase"/> (Detaching or Deleting).</summary>
internal sealed record SetPhase(string Phase, string Why) : PodEniAction;

/// <summary>Hand the PodENI to pod <paramref name="PodUid"/> on <paramref name="NodeName"/> (annotation, label, phase Binding).</summary>
internal sealed record Retarget(string PodUid, string NodeName, string Why) : PodEniAction;

/// <summary>Refresh <c>podLastSeen</c>.</summary>
internal sealed record RefreshLastSeen : PodEniAction;

/// <summary>Everything is released: remove the finalizer and the PodENI.</summary>
internal sealed record Finalize(string Why) : PodEniAction;
