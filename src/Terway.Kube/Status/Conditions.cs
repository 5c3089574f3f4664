using k8s.Models;

namespace Terway.Kube.Status;

/// <summary>
/// Helpers for <c>status.conditions</c> (<c>metav1.Condition</c>, as <c>meta.SetStatusCondition</c>):
/// <c>lastTransitionTime</c> moves only when the condition's status value changes; reason, message and
/// observedGeneration are always refreshed. Includes the kstatus conventions: <c>Ready</c>, plus the
/// abnormal-true <c>Reconciling</c> and <c>Stalled</c> that Flux and kstatus read.
/// </summary>
public static class Conditions
{
    /// <summary>The summary condition.</summary>
    public const string Ready = "Ready";

    /// <summary>kstatus: the controller is working towards the desired state.</summary>
    public const string Reconciling = "Reconciling";

    /// <summary>kstatus: the controller cannot make progress without outside help.</summary>
    public const string Stalled = "Stalled";

    /// <summary>Condition status True.</summary>
    public const string True = "True";

    /// <summary>Condition status False.</summary>
    public const string False = "False";

    /// <summary>Condition status Unknown.</summary>
    public const string Unknown = "Unknown";

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

        var now = TruncateToSeconds((time ?? TimeProvider.System).GetUtcNow().UtcDateTime);
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
                LastTransitionTime = now,
            });
            return true;
        }

        var changed = false;
        if (existing.Status != status)
        {
            existing.Status = status;
            existing.LastTransitionTime = now;
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

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>True when condition <paramref name="type"/> is present with status True.</summary>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == True;

    /// <summary>True when condition <paramref name="type"/> is present with status False.</summary>
    public static bool IsFalse(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == False;

    /// <summary>Removes condition <paramref name="type"/>; true if it was there.</summary>
    public static bool Remove(IList<V1Condition> conditions, string type)
    {
        var existing = Find(conditions, type);
        return existing is not null && conditions.Remove(existing);
    }

    /// <summary>kstatus "Current": Ready=True; Reconciling and Stalled removed.</summary>
    public static bool MarkReady(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null)
    {
        var changed = Set(conditions, Ready, True, reason, message, observedGeneration, time);
        changed |= Remove(conditions, Reconciling);
        changed |= Remove(conditions, Stalled);
        return changed;
    }

    /// <summary>kstatus "InProgress": Reconciling=True, Ready=False; Stalled removed.</summary>
    public static bool MarkReconciling(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null)
    {
        var changed = Set(conditions, Reconciling, True, reason, message, observedGeneration, time);
        changed |= Set(conditions, Ready, False, reason, message, observedGeneration, time);
        changed |= Remove(conditions, Stalled);
        return changed;
    }

    /// <summary>kstatus "Failed": Stalled=True, Ready=False; Reconciling removed.</summary>
    public static bool MarkStalled(IList<V1Condition> conditions, string reason, string message, long? observedGeneration, TimeProvider? time = null)
    {
        var changed = Set(conditions, Stalled, True, reason, message, observedGeneration, time);
        changed |= Set(conditions, Ready, False, reason, message, observedGeneration, time);
        changed |= Remove(conditions, Reconciling);
        return changed;
    }

    // metav1.Time has second precision on the wire; keeping it in memory avoids spurious diffs.
    private static DateTime TruncateToSeconds(DateTime t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
