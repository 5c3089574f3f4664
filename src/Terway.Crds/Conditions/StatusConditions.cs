using k8s.Models;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.Conditions;

/// <summary>
/// Pure helpers that keep <c>status.conditions</c> consistent with kstatus: one condition per
/// type, <c>lastTransitionTime</c> moved only when the status flips, and the
/// Ready/Reconciling/Stalled trio set together.
/// </summary>
public static class StatusConditions
{
    /// <summary>Finds the condition of a type.</summary>
    /// <param name="conditions">The list, possibly null.</param>
    /// <param name="type">Condition type.</param>
    /// <returns>The condition, or null.</returns>
    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => string.Equals(c.Type, type, StringComparison.Ordinal));

    /// <summary>True when the condition of <paramref name="type"/> exists with status True.</summary>
    /// <param name="conditions">The list, possibly null.</param>
    /// <param name="type">Condition type.</param>
    /// <returns>Whether the condition holds.</returns>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) =>
        Find(conditions, type)?.Status == ConditionStatuses.True;

    /// <summary>
    /// Adds or updates a condition. <c>lastTransitionTime</c> is set to <paramref name="now"/>
    /// only when the condition is new or its status changes.
    /// </summary>
    /// <param name="conditions">The list to change.</param>
    /// <param name="type">Condition type.</param>
    /// <param name="status">A value of <see cref="ConditionStatuses"/>.</param>
    /// <param name="reason">A CamelCase reason, e.g. from <see cref="ConditionReasons"/>.</param>
    /// <param name="message">Human-readable detail.</param>
    /// <param name="observedGeneration">The generation the condition describes.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <returns>True when anything changed.</returns>
    public static bool Set(IList<V1Condition> conditions, string type, string status, string reason, string message, long? observedGeneration, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        if (existing is null)
        {
            conditions.Add(new V1Condition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                ObservedGeneration = observedGeneration,
                LastTransitionTime = Truncate(now),
            });
            return true;
        }

        var changed = false;
        if (existing.Status != status)
        {
            existing.Status = status;
            existing.LastTransitionTime = Truncate(now);
            changed = true;
        }

        if (existing.Reason != reason)
        {
            existing.Reason = reason;
            changed = true;
        }

        if (existing.Message != message)
        {
            existing.Message = message;
            changed = true;
        }

        if (existing.ObservedGeneration != observedGeneration)
        {
            existing.ObservedGeneration = observedGeneration;
            changed = true;
        }

        return changed;
    }

    /// <summary>Removes the condition of a type.</summary>
    /// <param name="conditions">The list to change.</param>
    /// <param name="type">Condition type.</param>
    /// <returns>True when a condition was removed.</returns>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        var existing = Find(conditions, type);
        return existing is not null && conditions.Remove(existing);
    }

    /// <summary>Marks the object reconciled: Ready=True, no Reconciling, no Stalled; records the generation.</summary>
    /// <param name="status">The status to change.</param>
    /// <param name="generation">The object's metadata.generation.</param>
    /// <param name="reason">Why it is ready, e.g. <see cref="ConditionReasons.Bound"/>.</param>
    /// <param name="message">Human-readable detail.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <returns>True when anything changed.</returns>
    public static bool MarkReady(IConditionedStatus status, long? generation, string reason, string message, DateTime now) =>
        Apply(status, generation, ConditionStatuses.True, reason, message, abnormal: null, now);

    /// <summary>Marks work in progress: Ready=False and Reconciling=True with the same reason; no Stalled.</summary>
    /// <param name="status">The status to change.</param>
    /// <param name="generation">The object's metadata.generation.</param>
    /// <param name="reason">What is in progress, e.g. <see cref="ConditionReasons.Binding"/>.</param>
    /// <param name="message">Human-readable detail.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <returns>True when anything changed.</returns>
    public static bool MarkReconciling(IConditionedStatus status, long? generation, string reason, string message, DateTime now) =>
        Apply(status, generation, ConditionStatuses.False, reason, message, ConditionTypes.Reconciling, now);

    /// <summary>Marks progress stopped: Ready=False and Stalled=True with the same reason; no Reconciling.</summary>
    /// <param name="status">The status to change.</param>
    /// <param name="generation">The object's metadata.generation.</param>
    /// <param name="reason">Why, e.g. <see cref="ConditionReasons.VSwitchNotFound"/>.</param>
    /// <param name="message">Human-readable detail.</param>
    /// <param name="now">The current time (UTC).</param>
    /// <returns>True when anything changed.</returns>
    public static bool MarkStalled(IConditionedStatus status, long? generation, string reason, string message, DateTime now) =>
        Apply(status, generation, ConditionStatuses.False, reason, message, ConditionTypes.Stalled, now);

    private static bool Apply(IConditionedStatus status, long? generation, string readyStatus, string reason, string message, string? abnormal, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var changed = false;
        if (status.Conditions is null)
        {
            status.Conditions = new List<V1Condition>();
            changed = true;
        }

        var conditions = status.Conditions;
        changed |= Set(conditions, ConditionTypes.Ready, readyStatus, reason, message, generation, now);
        foreach (var type in AbnormalTypes)
        {
            changed |= type == abnormal
                ? Set(conditions, type, ConditionStatuses.True, reason, message, generation, now)
                : Remove(conditions, type);
        }

        if (status.ObservedGeneration != generation)
        {
            status.ObservedGeneration = generation;
            changed = true;
        }

        return changed;
    }

    private static readonly string[] AbnormalTypes = [ConditionTypes.Reconciling, ConditionTypes.Stalled];

    // metav1.Time has second precision on the wire; keeping sub-seconds would make every
    // comparison against a re-read object report a change.
    private static DateTime Truncate(DateTime now)
    {
        var utc = now.Kind == DateTimeKind.Local ? now.ToUniversalTime() : DateTime.SpecifyKind(now, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
    }
}
