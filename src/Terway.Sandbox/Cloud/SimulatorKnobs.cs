namespace Terway.Sandbox.Cloud;

/// <summary>
/// Everything about the simulator's behaviour that tests and benchmarks turn: asynchronous
/// durations, fault modes, quotas, and per-API latency, error injection and rate limits.
/// Set at start (options or JSON config) or at run time through
/// <see cref="RegionSimulator.ConfigureKnobs"/>; the simulator always works on a private copy.
/// </summary>
public sealed class SimulatorKnobs
{
    /// <summary>The key in <see cref="Apis"/> whose settings apply to every API not listed by name.</summary>
    public const string AnyApi = "*";

    /// <summary>
    /// Speed-up factor. Asynchronous durations, per-API latency and the length of the per-minute
    /// rate-limit window are divided by it (10 = everything runs ten times faster; a window is then
    /// 6 s). Signature timestamp windows, nonce memory and timeout holds are not scaled.
    /// </summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>Durations of the asynchronous state transitions.</summary>
    public AsyncDurations Durations { get; set; } = new();

    /// <summary>Probability (0–1) that an attach ends back in <c>Available</c> instead of <c>InUse</c>.</summary>
    public double AttachFailureRate { get; set; }

    /// <summary>Probability (0–1) that a detach never completes: the ENI stays <c>Detaching</c> until detached again.</summary>
    public double DetachStuckRate { get; set; }

    /// <summary>Attaches in progress per instance before a further one is refused (Terway: "ECS limits concurrent attach to 5").</summary>
    public int MaxConcurrentAttachesPerInstance { get; set; } = 5;

    /// <summary>Per-account, per-region ENI quota (primary ENIs not counted); <c>MaxEniCountExceeded</c> past it.</summary>
    public int MaxEniCount { get; set; } = 2000;

    /// <summary>Custom route entries per route table; <c>QuotaExceeded</c> past it.</summary>
    public int RouteEntryQuota { get; set; } = 200;

    /// <summary>Per-API settings keyed by action name, with <see cref="AnyApi"/> as the fallback.</summary>
    public Dictionary<string, ApiKnobs> Apis { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The settings that apply to <paramref name="action"/>.</summary>
    public ApiKnobs For(string action) =>
        Apis.TryGetValue(action, out var k) ? k : Apis.TryGetValue(AnyApi, out var any) ? any : ApiKnobs.Default;

    /// <summary>Returns the settings for <paramref name="action"/>, creating an entry for it if needed.</summary>
    public ApiKnobs Api(string action)
    {
        if (!Apis.TryGetValue(action, out var k))
        {
            k = new ApiKnobs();
            Apis[action] = k;
        }

        return k;
    }

    /// <summary>Turns off throttling for every API (rate limit 0 = unlimited) on top of other settings.</summary>
    public SimulatorKnobs WithoutThrottling()
    {
        Api(AnyApi).RateLimitPerMinute = 0;
        foreach (var k in Apis.Values)
        {
            k.RateLimitPerMinute = 0;
        }

        return this;
    }

    /// <summary>Sets every asynchronous duration to zero: transitions complete at the next call.</summary>
    public SimulatorKnobs WithInstantTransitions()
    {
        Durations = AsyncDurations.Instant;
        return this;
    }

    /// <summary>A deep copy.</summary>
    public SimulatorKnobs Clone() => new()
    {
        TimeScale = TimeScale,
        Durations = Durations with { },
        AttachFailureRate = AttachFailureRate,
        DetachStuckRate = DetachStuckRate,
        MaxConcurrentAttachesPerInstance = MaxConcurrentAttachesPerInstance,
        MaxEniCount = MaxEniCount,
        RouteEntryQuota = RouteEntryQuota,
        Apis = Apis.ToDictionary(p => p.Key, p => p.Value.Clone(), StringComparer.Ordinal),
    };

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (!(TimeScale > 0) || double.IsInfinity(TimeScale))
        {
            throw new ArgumentException("TimeScale must be a positive number.");
        }

        CheckRate(AttachFailureRate, nameof(AttachFailureRate));
        CheckRate(DetachStuckRate, nameof(DetachStuckRate));
        if (MaxConcurrentAttachesPerInstance < 1 || MaxEniCount < 0 || RouteEntryQuota < 0)
        {
            throw new ArgumentException("Quotas must be non-negative and MaxConcurrentAttachesPerInstance at least 1.");
        }

        Durations.Validate();
        foreach (var (name, k) in Apis)
        {
            k.Validate(name);
        }
    }

    internal static void CheckRate(double rate, string name)
    {
        if (rate is < 0 or > 1 || double.IsNaN(rate))
        {
            throw new ArgumentException($"{name} must be between 0 and 1.");
        }
    }
}

/// <summary>Durations of the asynchronous transitions, in cloud time (divided by <see cref="SimulatorKnobs.TimeScale"/>).</summary>
public sealed record AsyncDurations
{
    /// <summary>All zero: every transition completes at the next call.</summary>
    public static AsyncDurations Instant { get; } = new()
    {
        Attach = TimeSpan.Zero,
        Detach = TimeSpan.Zero,
        MemberAttach = TimeSpan.Zero,
        MemberDetach = TimeSpan.Zero,
        Delete = TimeSpan.Zero,
        RouteCreate = TimeSpan.Zero,
        RouteDelete = TimeSpan.Zero,
    };

    /// <summary><c>Attaching → InUse</c> for secondary and trunk ENIs.</summary>
    public TimeSpan Attach { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Detaching → Available</c> for secondary and trunk ENIs.</summary>
    public TimeSpan Detach { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary><c>Attaching → InUse</c> for a member ENI on a trunk.</summary>
    public TimeSpan MemberAttach { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Detaching → Available</c> for a member ENI.</summary>
    public TimeSpan MemberDetach { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>Deleting → gone</c>.</summary>
    public TimeSpan Delete { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Route entry <c>Pending → Available</c>; the VPC refuses other route mutations meanwhile.</summary>
    public TimeSpan RouteCreate { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Route entry <c>Deleting → gone</c>; the VPC refuses other route mutations meanwhile.</summary>
    public TimeSpan RouteDelete { get; init; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        foreach (var d in new[] { Attach, Detach, MemberAttach, MemberDetach, Delete, RouteCreate, RouteDelete })
        {
            if (d < TimeSpan.Zero)
            {
                throw new ArgumentException("Durations must not be negative.");
            }
        }
    }
}

/// <summary>Per-API behaviour: latency, injected errors, timeouts and the per-minute rate limit.</summary>
public sealed class ApiKnobs
{
    internal static ApiKnobs Default { get; } = new();

    /// <summary>Delay before the request is processed (scaled by <see cref="SimulatorKnobs.TimeScale"/>).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Probability (0–1) that a call fails with <see cref="ErrorCode"/>.</summary>
    public double ErrorRate { get; set; }

    /// <summary>The injected error code, e.g. <c>Throttling</c>, <c>InternalError</c>, <c>ServiceUnavailable</c>.</summary>
    public string ErrorCode { get; set; } = "ServiceUnavailable";

    /// <summary>The HTTP status of the injected error; derived from the code when null (InternalError 500, ServiceUnavailable 503, ...).</summary>
    public int? ErrorHttpStatus { get; set; }

    /// <summary>When true the operation takes effect before the injected error is returned (a lost success).</summary>
    public bool ErrorAfterApply { get; set; }

    /// <summary>Probability (0–1) that the server holds the request for <see cref="TimeoutHold"/> (past the client's timeout).</summary>
    public double TimeoutRate { get; set; }

    /// <summary>How long a timed-out request is held (not scaled).</summary>
    public TimeSpan TimeoutHold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When true (default) a timed-out request still takes effect and its response is sent after the
    /// hold; when false it has no effect and the connection is aborted after the hold.
    /// </summary>
    public bool TimeoutAfterApply { get; set; } = true;

    /// <summary>
    /// Calls per (scaled) minute before <c>Throttling.User</c>; null = Terway's default for the API
    /// (reference §8.4), 0 = unlimited.
    /// </summary>
    public int? RateLimitPerMinute { get; set; }

    /// <summary>A copy.</summary>
    public ApiKnobs Clone() => (ApiKnobs)MemberwiseClone();

    internal void Validate(string name)
    {
        SimulatorKnobs.CheckRate(ErrorRate, $"{name}.ErrorRate");
        SimulatorKnobs.CheckRate(TimeoutRate, $"{name}.TimeoutRate");
        if (Latency < TimeSpan.Zero || TimeoutHold < TimeSpan.Zero || RateLimitPerMinute < 0)
        {
            throw new ArgumentException($"{name}: latency, hold and rate limit must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(ErrorCode))
        {
            throw new ArgumentException($"{name}: ErrorCode must not be empty.");
        }
    }
}
