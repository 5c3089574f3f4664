using System.Collections.Concurrent;

namespace Terway.Operator.Controllers.Shared;

/// <summary>
/// Per-ENI memory of waits, in process only: how many polls an ENI has spent in its current transitional
/// state (the backoff step, and the "stuck in Detaching" count) and when an attach started (the attach
/// duration metric). Losing it on restart only restarts backoffs from their first step.
/// </summary>
internal sealed class PollTracker(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string State, int Polls)> _waits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _attachStarted = new(StringComparer.Ordinal);

    /// <summary>Counts one more poll of <paramref name="eniId"/> in <paramref name="state"/>; returns the count (1 for the first).</summary>
    public int Poll(string eniId, string state) =>
        _waits.AddOrUpdate(eniId, _ => (state, 1), (_, old) => old.State == state ? (state, old.Polls + 1) : (state, 1)).Polls;

    /// <summary>Polls counted for <paramref name="eniId"/> in <paramref name="state"/> (0 when it was in another state).</summary>
    public int PollsIn(string eniId, string state) =>
        _waits.TryGetValue(eniId, out var w) && w.State == state ? w.Polls : 0;

    /// <summary>Forgets the waits of <paramref name="eniId"/> (an action was taken).</summary>
    public void Reset(string eniId) => _waits.TryRemove(eniId, out _);

    /// <summary>Notes that an attach of <paramref name="eniId"/> started now (the first attempt wins).</summary>
    public void AttachStarted(string eniId) => _attachStarted.TryAdd(eniId, time.GetTimestamp());

    /// <summary>How long since the attach of <paramref name="eniId"/> started, and forgets it; null if unknown.</summary>
    public TimeSpan? AttachFinished(string eniId) =>
        _attachStarted.TryRemove(eniId, out var started) ? time.GetElapsedTime(started) : null;

    /// <summary>Forgets everything about <paramref name="eniId"/>.</summary>
    public void Forget(string eniId)
    {
        _waits.TryRemove(eniId, out _);
        _attachStarted.TryRemove(eniId, out _);
    }
}
