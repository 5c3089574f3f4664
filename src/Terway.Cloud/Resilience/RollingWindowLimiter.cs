using System.Threading.RateLimiting;

namespace Terway.Cloud.Resilience;

/// <summary>
/// At most N permits in any window of one minute (<see cref="RateLimitMode.RollingMinute"/>). It keeps
/// the times of the grants of the last minute, including reservations in the future: a caller that
/// finds N grants in the last minute reserves the instant the N-th most recent of them is a minute old
/// and waits for it, so waiters are served in arrival order and any N + 1 consecutive grants span at
/// least a minute. Hence no fixed one-minute window, wherever its boundaries fall, sees more than N.
/// </summary>
/// <remarks>
/// Grant times are kept as runs of (time rounded up to the millisecond, count) in a ring buffer, so
/// memory is bounded by about 60 000 runs whatever the limit, and the common case (fewer than N grants in
/// the last minute) costs O(1). A grant is recorded at its time rounded up, which only ever makes later
/// callers wait up to a millisecond longer. Times are appended in order: while a reservation lies in the
/// future the limit is reached, so nobody is granted "now" ahead of it.
/// </remarks>
internal sealed class RollingWindowLimiter : ApiRateLimiter
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly int _limit;
    private readonly long _window;
    private readonly long _quantum;

    // Runs of grant/reservation times (timestamps, ascending) with their counts; oldest at _head.
    private Run[] _runs = new Run[16];
    private int _head;
    private int _size;
    private long _total;

    public RollingWindowLimiter(int perMinute, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMinute, 1);
        _time = time;
        _limit = perMinute;
        _window = (long)(60 * (double)time.TimestampFrequency);
        _quantum = Math.Max(1, time.TimestampFrequency / 1000);
    }

    public override int PerMinute => _limit;

    /// <summary>Runs held (for tests of the memory bound).</summary>
    internal int RunCount
    {
        get
        {
            lock (_lock)
            {
                return _size;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Prune(_time.GetTimestamp());
            return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, _limit - _total) };
        }
    }

    public override TimeSpan TimeUntilAvailable()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Prune(now);
            var slot = Earliest();
            return slot <= now ? TimeSpan.Zero : _time.GetElapsedTime(now, slot);
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(permitCount, 1);
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Prune(now);
            if (Earliest() > now)
            {
                return Lease.Denied;
            }

            Add(RoundUp(now));
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
            slot = Earliest();
            if (slot <= now)
            {
                Add(RoundUp(now));
                return Lease.Granted;
            }

            // A reservation: the slot stays taken even if the caller gives up, because the
            // reservations made after it were computed with it (freeing it could let a newcomer
            // squeeze an (N+1)-th call into somebody's minute). Cancelling only costs throughput.
            Add(slot);
        }

        await Task.Delay(_time.GetElapsedTime(now, slot), _time, cancellationToken).ConfigureAwait(false);
        return Lease.Granted;
    }

    private long RoundUp(long timestamp) => (timestamp + _quantum - 1) / _quantum * _quantum;

    /// <summary>
    /// The earliest instant a new grant keeps every minute at N or fewer: a minute after the N-th most
    /// recent grant or reservation, or <see cref="long.MinValue"/> with fewer than N in the last minute.
    /// </summary>
    private long Earliest()
    {
        if (_total < _limit)
        {
            return long.MinValue;
        }

        long seen = 0;
        for (var i = _size - 1; i >= 0; i--)
        {
            ref var run = ref At(i);
            seen += run.Count;
            if (seen >= _limit)
            {
                return run.Time + _window;
            }
        }

        return long.MinValue;
    }

    private void Add(long slot)
    {
        _total++;
        if (_size > 0 && At(_size - 1).Time == slot)
        {
            At(_size - 1).Count++;
            return;
        }

        if (_size == _runs.Length)
        {
            var grown = new Run[_runs.Length * 2];
            for (var i = 0; i < _size; i++)
            {
                grown[i] = At(i);
            }

            _runs = grown;
            _head = 0;
        }

        _size++;
        At(_size - 1) = new Run { Time = slot, Count = 1 };
    }

    /// <summary>Forgets grants a minute old or older: they constrain no later grant.</summary>
    private void Prune(long now)
    {
        while (_size > 0 && _runs[_head].Time <= now - _window)
        {
            _total -= _runs[_head].Count;
            _head = (_head + 1) % _runs.Length;
            _size--;
        }
    }

    private ref Run At(int index) => ref _runs[(_head + index) % _runs.Length];

    private struct Run
    {
        public long Time;
        public int Count;
    }
}
