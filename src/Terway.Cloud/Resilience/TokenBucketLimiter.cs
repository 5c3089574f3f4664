using System.Threading.RateLimiting;

namespace Terway.Cloud.Resilience;

/// <summary>
/// Token bucket on a <see cref="TimeProvider"/> (<see cref="RateLimitMode.TokenBucket"/>): capacity = burst, refill = rate per second.
/// A caller that finds the bucket empty reserves a future token and waits for it, so waiters are
/// served in arrival order (the semantics of Go's <c>rate.Limiter.Wait</c> that Terway uses).
/// The BCL limiters cannot run on a fake clock, hence this one.
/// </summary>
internal sealed class TokenBucketLimiter : ApiRateLimiter
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _perSecond;
    private double _tokens;
    private long _last;

    public TokenBucketLimiter(int perMinute, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMinute, 1);
        _time = time;
        _capacity = perMinute;
        _perSecond = perMinute / 60.0;
        _tokens = perMinute;
        _last = time.GetTimestamp();
    }

    public override int PerMinute => (int)_capacity;

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)Math.Max(0, Math.Floor(_tokens)) };
        }
    }

    public override TimeSpan TimeUntilAvailable()
    {
        lock (_lock)
        {
            Refill();
            return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _perSecond);
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            Refill();
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                return Lease.Granted;
            }

            return Lease.Denied;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (_lock)
        {
            Refill();
            _tokens -= permitCount;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _perSecond);
        }

        if (wait <= TimeSpan.Zero)
        {
            return Lease.Granted;
        }

        try
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                // Give the reservation back so a cancelled caller does not delay the ones behind it.
                _tokens += permitCount;
            }

            throw;
        }

        return Lease.Granted;
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_last, now);
        _last = now;
        if (elapsed > TimeSpan.Zero)
        {
            _tokens = Math.Min(_capacity, _tokens + (elapsed.TotalSeconds * _perSecond));
        }
    }
}
