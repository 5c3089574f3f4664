using Microsoft.Extensions.Time.Testing;

namespace Terway.Cloud.Tests.Contract.Support;

/// <summary>
/// A fake clock shared by the client and the simulator that knows which timers are waiting. A test
/// drives it event by event: when nothing is moving (no HTTP exchange in flight, every unfinished
/// call parked on a timer) it jumps to the earliest due timer. So a call granted by the client's
/// rate limiter at fake time T reaches the simulator at fake time T, and the simulator's per-minute
/// windows see exactly the times the client's limiter chose.
/// </summary>
internal sealed class SteppingClock(DateTimeOffset start) : TimeProvider
{
    /// <summary>Timers due further out than this are call/attempt timeouts, not waits.</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _fake = new(start);
    private readonly Lock _lock = new();
    private readonly HashSet<TrackedTimer> _pending = [];

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Timers that will fire within the horizon (rate-limit and backoff waits).</summary>
    public int WaitingTimers
    {
        get
        {
            lock (_lock)
            {
                var limit = GetUtcNow() + Horizon;
                return _pending.Count(t => t.Due <= limit);
            }
        }
    }

    public void Advance(TimeSpan by) => _fake.Advance(by);

    /// <summary>Moves the clock to the earliest waiting timer (false when none is waiting).</summary>
    public bool AdvanceToNextTimer()
    {
        DateTimeOffset? next;
        lock (_lock)
        {
            var limit = GetUtcNow() + Horizon;
            next = _pending.Where(t => t.Due <= limit).Select(t => (DateTimeOffset?)t.Due).Min();
        }

        if (next is not { } due)
        {
            return false;
        }

        var by = due - GetUtcNow();
        _fake.Advance(by > TimeSpan.Zero ? by : TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="calls"/> to completion on fake time: waits (in real time, with a deadline)
    /// until every unfinished call is parked on a timer and no request is on the wire, then jumps to
    /// the next timer; repeats.
    /// </summary>
    public async Task DriveAsync(IReadOnlyCollection<Task> calls, Func<int> requestsInFlight, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60));
        while (calls.Any(c => !c.IsCompleted))
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"calls did not finish: {calls.Count(c => !c.IsCompleted)} pending, {WaitingTimers} timers, {requestsInFlight()} requests in flight");
            }

            var unfinished = calls.Count(c => !c.IsCompleted);
            if (requestsInFlight() == 0 && WaitingTimers >= unfinished && unfinished > 0)
            {
                AdvanceToNextTimer();
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(calls);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Tracked before the inner timer exists: a zero due time may fire inside CreateTimer.
        var tracked = new TrackedTimer(this);
        tracked.Arm(dueTime);
        tracked.Inner = _fake.CreateTimer(
            s =>
            {
                if (period == Timeout.InfiniteTimeSpan)
                {
                    tracked.Forget();
                }

                callback(s);
            },
            state,
            dueTime,
            period);
        return tracked;
    }

    private sealed class TrackedTimer(SteppingClock clock) : ITimer
    {
        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset Due { get; private set; }

        public void Arm(TimeSpan dueTime)
        {
            lock (clock._lock)
            {
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    clock._pending.Remove(this);
                    return;
                }

                Due = clock.GetUtcNow() + dueTime;
                clock._pending.Add(this);
            }
        }

        public void Forget()
        {
            lock (clock._lock)
            {
                clock._pending.Remove(this);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime);
            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            Forget();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Forget();
            return Inner.DisposeAsync();
        }
    }
}
