namespace Terway.Kube.Queues;

/// <summary>
/// A token bucket in the style of Go's <c>x/time/rate</c>: <see cref="Reserve"/> takes a token now and says
/// how long the caller must wait before using it, so a caller is never refused, only delayed. Driven by an
/// injected <see cref="TimeProvider"/> so tests control time.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _last;

    /// <summary>Creates a bucket that starts full.</summary>
    /// <param name="ratePerSecond">Tokens added per second (must be positive).</param>
    /// <param name="burst">Capacity (at least 1).</param>
    /// <param name="time">The clock.</param>
    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        Rate = ratePerSecond;
        Burst = burst;
        _time = time;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    /// <summary>Tokens per second.</summary>
    public double Rate { get; }

    /// <summary>Capacity.</summary>
    public int Burst { get; }

    /// <summary>Takes one token and returns how long to wait before acting (zero when one was available).</summary>
    public TimeSpan Reserve()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
            _last = now;
            _tokens = Math.Min(Burst, _tokens + (elapsed * Rate));
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Rate);
        }
    }

    /// <summary>Takes a token only if one is available now.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
            _last = now;
            _tokens = Math.Min(Burst, _tokens + (elapsed * Rate));
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    /// <summary>Takes a token and waits for it.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var delay = Reserve();
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, cancellationToken);
    }
}
