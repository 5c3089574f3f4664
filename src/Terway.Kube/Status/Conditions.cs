using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.V1Beta1;

namespace Terway.Kube.Status;

/// <summary>
/// Helpers for <c>status.conditions</c> (<c>metav1.Condition</c>, as <c>meta.SetStatusCondition</c>) on any
/// kind, with the time taken from a <see cref="TimeProvider"/>. The semantics live once, in
/// <see cref="StatusConditions"/> (the CRD contract): <c>lastTransitionTime</c> moves only when the status
/// value changes; reason, message and observedGeneration are always refreshed; <c>Ready</c> travels with the
/// abnormal-true <c>Reconciling</c> and <c>Stalled</c> that Flux and kstatus read.
/// </summary>
public static class Conditions
{
    /// <summary>The summary condition.</summary>
    public const string Ready = ConditionTypes.Ready;

    /// <summary>kstatus: the controller is working towards the desired state.</summary>
    public const string Reconciling = ConditionTypes.Reconciling;

    /// <summary>kstatus: the controller cannot make progress without outside help.</summary>
    public const string Stalled = ConditionTypes.Stalled;

    /// <summary>Condition status True.</summary>
    public const string True = ConditionStatuses.True;

    /// <summary>Condition status False.</summary>
    public const string False = ConditionStatuses.False;

    /// <summary>Condition status Unknown.</summary>
    public const string Unknown = ConditionStatuses.Unknown;

    /// <summary>
    /// Sets condition <paramref name="type"/>. Returns true when anything changed (so callers can skip a
    /// no-op status write).
    /// </summary>
    public static bool Set(IList<V1Condition> conditions, string type, string status, string reason, string message, long? observedGeneration, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (status is not (True or False or Unknown))
        {
            throw new ArgumentException($"condition status must be True, False or Unknown, not '{status}'", nameof(status));
        }

        return StatusConditions.Set(conditions, type, status, reason, message, observedGeneration, Now(time));
    }

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => StatusConditions.Find(conditions, type);

    /// <summary>True when condition <paramref name="type"/> is present with status True.</summary>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => StatusConditions.IsTrue(conditions, type);

    /// <summary>True when condition <paramref name="type"/> is present with status False.</summary>
    public static bool IsFalse(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == False;

    /// <summary>Removes condition <paramref name="type"/>; true if it was there.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type) => StatusConditions.Remove(conditions, type);

    /// <summary>kstatus "Current": Ready=True; Reconciling and Stalled removed.</summary>
    public static bool MarkReady(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null) =>
        StatusConditions.MarkReady(new ListStatus(conditions, observedGeneration), observedGeneration, reason, message, Now(time));

    /// <summary>kstatus "InProgress": Reconciling=True, Ready=False; Stalled removed.</summary>
    public static bool MarkReconciling(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null) =>
        StatusConditions.MarkReconciling(new ListStatus(conditions, observedGeneration), observedGeneration, reason, message, Now(time));

    /// <summary>kstatus "Failed": Stalled=True, Ready=False; Reconciling removed.</summary>
    public static bool MarkStalled(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null) =>
        StatusConditions.MarkStalled(new ListStatus(conditions, observedGeneration), observedGeneration, reason, message, Now(time));

    private static DateTime Now(TimeProvider? time) => (time ?? TimeProvider.System).GetUtcNow().UtcDateTime;

    // Adapts a bare condition list to the contract's status shape. A bare list has no status-level
    // observedGeneration, so the adapter starts at the caller's generation: only condition changes count.
    private sealed class ListStatus(IList<V1Condition> conditions, long? generation) : IConditionedStatus
    {
        public IList<V1Condition>? Conditions { get; set; } = conditions ?? throw new ArgumentNullException(nameof(conditions));

        public long? ObservedGeneration { get; set; } = generation;
    }
}
