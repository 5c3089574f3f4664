using System.Threading.RateLimiting;

namespace Terway.Cloud.Resilience;

/// <summary>How the client spaces the calls of one API under its per-minute limit.</summary>
public enum RateLimitMode
{
    /// <summary>
    /// Default. At most N calls in any 60 seconds: a bucket of N tokens where a spent token comes back
    /// one minute after it was spent. The cloud counts calls per API in fixed minutes (reference §8.4,
    /// "throttled in minute T, callable in minute T+1"), so with N at or below the cloud's limit the
    /// client is never throttled. After a burst of N the next call waits for the oldest to age out.
    /// </summary>
    RollingMinute = 0,

    /// <summary>
    /// Terway's limiter exactly: burst N, refilled continuously at N/60 per second. Smoother after a
    /// burst, but a burst plus the refill can put up to 2N − 1 calls into one cloud minute, so with N
    /// equal to the cloud's limit some calls are throttled (and then retried).
    /// </summary>
    TokenBucket = 1,
}

/// <summary>A per-API client-side limiter on a <see cref="TimeProvider"/> (so tests can run it on a fake clock).</summary>
internal abstract class ApiRateLimiter : RateLimiter
{
    /// <summary>The configured limit in calls per minute.</summary>
    public abstract int PerMinute { get; }

    public override TimeSpan? IdleDuration => null;

    /// <summary>
    /// How long a call made now would wait for its permit (zero when one is free), without taking one: callers
    /// with other work can do that first instead of blocking behind this API's limit.
    /// </summary>
    public abstract TimeSpan TimeUntilAvailable();

    public static ApiRateLimiter Create(RateLimitMode mode, int perMinute, TimeProvider time) => mode switch
    {
        RateLimitMode.TokenBucket => new TokenBucketLimiter(perMinute, time),
        _ => new RollingWindowLimiter(perMinute, time),
    };

    protected sealed class Lease(bool acquired) : RateLimitLease
    {
        public static readonly Lease Granted = new(true);
        public static readonly Lease Denied = new(false);

        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
