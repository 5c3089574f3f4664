namespace Terway.Kube.Queues;

/// <summary>
/// Decides how long an item waits before it is retried (client-go's <c>workqueue.TypedRateLimiter</c>).
/// </summary>
/// <typeparam name="TKey">The queue's item type.</typeparam>
public interface IRateLimiter<TKey>
    where TKey : notnull
{
    /// <summary>Records one more failure of <paramref name="item"/> and returns how long it should wait.</summary>
    TimeSpan When(TKey item);

    /// <summary>Forgets the failures of <paramref name="item"/> (after a success).</summary>
    void Forget(TKey item);

    /// <summary>How many failures of <paramref name="item"/> are being remembered.</summary>
    int NumRequeues(TKey item);
}

/// <summary>
/// Per-item exponential backoff: <c>baseDelay * 2^failures</c>, capped at <c>maxDelay</c>
/// (controller-runtime's default: 5 ms doubling to 1000 s).
/// </summary>
/// <typeparam name="TKey">The item type.</typeparam>
public sealed class ItemExponentialFailureRateLimiter<TKey> : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the limiter.</summary>
    public ItemExponentialFailureRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
    }

    /// <summary>The first delay.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>The cap.</summary>
    public TimeSpan MaxDelay { get; }

    /// <inheritdoc/>
    public TimeSpan When(TKey item)
    {
        int exp;
        lock (_lock)
        {
            _failures.TryGetValue(item, out exp);
            _failures[item] = exp + 1;
        }

        // Compute in double so 2^exp cannot overflow; anything past the cap is the cap.
        var delay = BaseDelay.TotalSeconds * Math.Pow(2, exp);
        return delay >= MaxDelay.TotalSeconds || double.IsInfinity(delay) ? MaxDelay : TimeSpan.FromSeconds(delay);
    }

    /// <inheritdoc/>
    public void Forget(TKey item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    /// <inheritdoc/>
    public int NumRequeues(TKey item)
    {
        lock (_lock)
        {
            return _failures.TryGetValue(item, out var n) ? n : 0;
        }
    }
}

/// <summary>An overall token bucket shared by all items (controller-runtime's default: 10 qps, burst 100).</summary>
/// <typeparam name="TKey">The item type.</typeparam>
public sealed class BucketRateLimiter<TKey> : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly TokenBucket _bucket;

    /// <summary>Creates the limiter.</summary>
    public BucketRateLimiter(double ratePerSecond, int burst, TimeProvider time) =>
        _bucket = new TokenBucket(ratePerSecond, burst, time);

    /// <inheritdoc/>
    public TimeSpan When(TKey item) => _bucket.Reserve();

    /// <inheritdoc/>
    public void Forget(TKey item)
    {
        // A bucket has no per-item state.
    }

    /// <inheritdoc/>
    public int NumRequeues(TKey item) => 0;
}

/// <summary>The longest delay of several limiters; every limiter records every failure.</summary>
/// <typeparam name="TKey">The item type.</typeparam>
public sealed class MaxOfRateLimiter<TKey> : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly IRateLimiter<TKey>[] _limiters;

    /// <summary>Combines <paramref name="limiters"/>.</summary>
    public MaxOfRateLimiter(params IRateLimiter<TKey>[] limiters)
    {
        ArgumentOutOfRangeException.ThrowIfZero(limiters.Length);
        _limiters = limiters;
    }

    /// <inheritdoc/>
    public TimeSpan When(TKey item)
    {
        var max = TimeSpan.Zero;
        foreach (var limiter in _limiters)
        {
            var d = limiter.When(item);
            if (d > max)
            {
                max = d;
            }
        }

        return max;
    }

    /// <inheritdoc/>
    public void Forget(TKey item)
    {
        foreach (var limiter in _limiters)
        {
            limiter.Forget(item);
        }
    }

    /// <inheritdoc/>
    public int NumRequeues(TKey item)
    {
        var max = 0;
        foreach (var limiter in _limiters)
        {
            max = Math.Max(max, limiter.NumRequeues(item));
        }

        return max;
    }
}

/// <summary>Factory for the rate limiters controllers use by default.</summary>
public static class RateLimiters
{
    /// <summary>
    /// controller-runtime's default: the max of per-item exponential backoff (5 ms → 1000 s) and an overall
    /// token bucket (10 qps, burst 100).
    /// </summary>
    public static IRateLimiter<TKey> DefaultController<TKey>(TimeProvider time)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ItemExponentialFailureRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new BucketRateLimiter<TKey>(10, 100, time));
}
