using System.Collections.Frozen;

namespace Terway.Cloud.Resilience;

/// <summary>Terway's client-side per-API limits in requests per minute (token bucket, refill N/60 per second, burst N).</summary>
public static class ApiRateLimits
{
    /// <summary>Limit of any API not listed in <see cref="Defaults"/>.</summary>
    public const int DefaultPerMinute = 500;

    /// <summary>Per-API defaults, as Terway ships them.</summary>
    public static IReadOnlyDictionary<string, int> Defaults { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
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
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The effective limit for <paramref name="api"/>: explicit override, then Terway's default, then the general default.</summary>
    /// <param name="api">Operation name.</param>
    /// <param name="overrides">Configured per-API overrides.</param>
    /// <param name="fallback">Limit for unlisted APIs.</param>
    public static int Resolve(string api, IReadOnlyDictionary<string, int>? overrides, int fallback)
    {
        if (overrides is not null && overrides.TryGetValue(api, out var n) && n > 0)
        {
            return n;
        }

        return Defaults.TryGetValue(api, out n) ? n : fallback;
    }
}
