using System.Globalization;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>
/// Per-API fixed-window rate limits, as ECS throttles: per account, per region, per API, counted
/// per minute ("throttled in minute T, callable again in minute T+1"). The window is one minute
/// divided by the time scale. Limits default to Terway's per-API figures (reference §8.4).
/// </summary>
internal sealed class ApiThrottle(TimeProvider time)
{
    /// <summary>Terway's client-side limits in calls per minute; the simulator's defaults.</summary>
    public static readonly IReadOnlyDictionary<string, int> DefaultLimits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AttachNetworkInterface"] = 500,
        ["CreateNetworkInterface"] = 500,
        ["DeleteNetworkInterface"] = 500,
        ["DescribeNetworkInterfaces"] = 800,
        ["DescribeNetworkInterfaceAttribute"] = 2000,
        ["DetachNetworkInterface"] = 400,
        ["AssignPrivateIpAddresses"] = 400,
        ["UnassignPrivateIpAddresses"] = 400,
        ["AssignIpv6Addresses"] = 400,
        ["UnassignIpv6Addresses"] = 400,
        ["DescribeInstanceTypes"] = 400,
        ["DescribeVSwitches"] = 300,
    };

    /// <summary>The limit for other APIs.</summary>
    public const int DefaultLimit = 500;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Window, int Count)> _counters = new(StringComparer.Ordinal);

    public static int LimitFor(string action, ApiKnobs knobs) =>
        knobs.RateLimitPerMinute ?? (DefaultLimits.TryGetValue(action, out var n) ? n : DefaultLimit);

    /// <summary>
    /// Counts one call. Returns false when the call is over the limit. <paramref name="header"/> is
    /// the <c>x-ratelimit-user-api</c> value (null when unlimited).
    /// </summary>
    public bool TryAcquire(string action, int limit, double timeScale, out string? header)
    {
        header = null;
        if (limit <= 0)
        {
            return true;
        }

        var windowTicks = Math.Max(1, (long)(TimeSpan.TicksPerMinute / timeScale));
        var now = time.GetUtcNow();
        var window = now.UtcTicks / windowTicks;
        int count;
        lock (_gate)
        {
            var (w, c) = _counters.GetValueOrDefault(action);
            count = (w == window ? c : 0) + 1;
            _counters[action] = (window, count);
        }

        var resetTicks = (window + 1) * windowTicks;
        var timeLeftMs = (long)Math.Ceiling((resetTicks - now.UtcTicks) / (double)TimeSpan.TicksPerMillisecond);
        var resetUnix = new DateTimeOffset(resetTicks, TimeSpan.Zero).ToUnixTimeSeconds();
        header = string.Create(CultureInfo.InvariantCulture,
            $"Limit:{limit},Remain:{Math.Max(0, limit - count)},TimeLeft:{timeLeftMs},Reset:{resetUnix}");
        return count <= limit;
    }
}
