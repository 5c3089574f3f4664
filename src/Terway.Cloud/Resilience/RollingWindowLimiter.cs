using System.Threading.RateLimiting;

namespace Terway.Cloud.Resilience;

/// <summary>
/// At most N permits in any window of one minute (<see cref="RateLimitMode.RollingMinute"/>). It keeps
/// the times of the last grants, including reservations in the future: a caller that finds N grants
/// in the last minute reserves the instant the oldest of them is a minute old and waits for it, so
/// waiters are served in arrival order and any N + 1 consecutive grants span at least a minute.
/// Hence no fixed one-minute window, wherever its boundaries fall, ever sees more than N.
/// </summary>
internal sealed class RollingWindowLimiter : ApiRateLimiter
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly long _window;

    // Grant and reservation times (timestamps), ascending; at most the last N matter.
    private readonly List<long> _slots = [];

    public RollingWindowLimiter(int perMinute, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMinute, 1);
        _time = time;
        _limit = perMinute;
        _window = (long)(60 * (double)time.TimestampFrequency);
    }

    public override int PerMinute => _limit;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Prune(_time.GetTimestamp());
            return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, _limit - _slots.Count) };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(permitCount, 1);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Prune(now);
            if (NextSlot(now) > now)
            {
                return Lease.Denied;
            }

            _slots.Add(now);
            return Lease.Granted;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(permitCount, 1);
        long now;
        long slot;
        lock (_lock)
        {
            now = _time.GetTimestamp();
            Prune(now);
            slot = NextSlot(now);
            _slots.Add(slot);
        }

        if (slot <= now)
        {
            return Lease.Granted;
        }

        try
        {
            await Task.Delay(_time.GetElapsedTime(now, slot), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                // Dropping a reservation only leaves the later ones more conservative than needed.
                _slots.Remove(slot);
            }

            throw;
        }

        return Lease.Granted;
    }

    /// <summary>The earliest instant at or after <paramref name="now"/> that keeps every minute at N or fewer.</summary>
    private long NextSlot(long now) =>
        _slots.Count < _limit ? now : Math.Max(now, _slots[_slots.Count - _limit] + _window);

    /// <summary>Forgets grants a minute old or older: they constrain no later grant.</summary>
    private void Prune(long now)
    {
        var stale = 0;
        while (stale < _slots.Count && _slots[stale] <= now - _window)
        {
            stale++;
        }

        _slots.RemoveRange(0, stale);
    }
}
