using Terway.Cloud.Vpc;
using Terway.Crds.V1Beta1;

namespace Terway.Operator.Cloud;

/// <summary>A vSwitch as the controllers use it.</summary>
/// <param name="Id">The vSwitch ID.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="ZoneId">Its zone.</param>
/// <param name="Cidr">Its IPv4 CIDR (recorded as a PodENI allocation's <c>ipv4CIDR</c>).</param>
/// <param name="Ipv6Cidr">Its IPv6 CIDR, if any.</param>
/// <param name="AvailableIps">Free addresses when last read (lowered locally as the operator uses them).</param>
internal sealed record VSwitchInfo(string Id, string? VpcId, string ZoneId, string? Cidr, string? Ipv6Cidr, long AvailableIps);

/// <summary>
/// vSwitch lookups cached for <c>vSwitchCacheTTL</c>, selection by policy, and IP-exhaustion blocking: a
/// vSwitch that answered <c>InvalidVSwitchId.IpNotEnough</c> is skipped until the TTL passes (Terway marks it
/// as having no free IPs until its cache entry expires).
/// </summary>
internal interface IVSwitchPool
{
    /// <summary>The vSwitch, from cache or DescribeVSwitches; null when it does not exist.</summary>
    Task<VSwitchInfo?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Picks one of <paramref name="candidates"/> in <paramref name="zone"/> by <paramref name="policy"/>,
    /// skipping blocked and full ones (and any in <paramref name="exclude"/>); null when none is usable.
    /// </summary>
    Task<VSwitchInfo?> SelectAsync(IReadOnlyList<string> candidates, string zone, string? policy, IReadOnlySet<string>? exclude, CancellationToken cancellationToken);

    /// <summary>The candidates that exist and are in <paramref name="zone"/>, in the given order, blocked or not.</summary>
    Task<IReadOnlyList<VSwitchInfo>> InZoneAsync(IReadOnlyList<string> candidates, string zone, CancellationToken cancellationToken);

    /// <summary>Skips <paramref name="id"/> until the cache TTL passes (no free addresses).</summary>
    void Block(string id);

    /// <summary>Whether <paramref name="id"/> is blocked now.</summary>
    bool IsBlocked(string id);

    /// <summary>Notes that one address of <paramref name="id"/> was used, so <c>most</c> spreads allocations.</summary>
    void NoteAllocated(string id);
}

/// <summary>The selection policies as a pure function (table-tested).</summary>
internal static class VSwitchSelection
{
    /// <summary>
    /// <c>ordered</c>: the first usable in the given order; <c>random</c>: a random usable one; <c>most</c>: the
    /// one with the most free addresses (ties keep the given order). Usable = not blocked and not known full.
    /// </summary>
    public static VSwitchInfo? Choose(IReadOnlyList<VSwitchInfo> inZone, string? policy, Func<string, bool> isBlocked, Random random)
    {
        var usable = inZone.Where(v => !isBlocked(v.Id) && v.AvailableIps > 0).ToList();
        if (usable.Count == 0)
        {
            return null;
        }

        return policy switch
        {
            VSwitchSelectionPolicies.Random => usable[random.Next(usable.Count)],
            VSwitchSelectionPolicies.Most => usable.Select((v, i) => (v, i)).OrderByDescending(x => x.v.AvailableIps).ThenBy(x => x.i).First().v,
            _ => usable[0],
        };
    }
}

/// <summary><see cref="IVSwitchPool"/> over <see cref="IVpcClient"/>.</summary>
internal sealed class VSwitchPool(IVpcClient vpc, TimeSpan ttl, TimeProvider time, Random? random = null) : IVSwitchPool
{
    // A vSwitch that does not exist is asked about again after this long, so a typo fixed in the cloud
    // (or a vSwitch created later) is noticed without hammering the API.
    private static readonly TimeSpan NotFoundTtl = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (VSwitchInfo? Info, DateTimeOffset At)> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _blockedUntil = new(StringComparer.Ordinal);
    private readonly Random _random = random ?? Random.Shared;

    public async Task<VSwitchInfo?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_cache.TryGetValue(id, out var entry) && now - entry.At < (entry.Info is null ? NotFoundTtl : ttl))
            {
                return entry.Info;
            }
        }

        var page = await vpc.DescribeVSwitchesAsync(new DescribeVSwitchesRequest { VSwitchId = id }, cancellationToken);
        var found = page.Items.FirstOrDefault(v => v.VSwitchId == id);
        var info = found is null
            ? null
            : new VSwitchInfo(found.VSwitchId, found.VpcId, found.ZoneId ?? "", found.CidrBlock, found.Ipv6CidrBlock, found.AvailableIpAddressCount);
        lock (_lock)
        {
            _cache[id] = (info, time.GetUtcNow());
        }

        return info;
    }

    public async Task<IReadOnlyList<VSwitchInfo>> InZoneAsync(IReadOnlyList<string> candidates, string zone, CancellationToken cancellationToken)
    {
        var inZone = new List<VSwitchInfo>();
        foreach (var id in candidates.Distinct(StringComparer.Ordinal))
        {
            if (await GetAsync(id, cancellationToken) is { } info && info.ZoneId == zone)
            {
                inZone.Add(info);
            }
        }

        return inZone;
    }

    public async Task<VSwitchInfo?> SelectAsync(IReadOnlyList<string> candidates, string zone, string? policy, IReadOnlySet<string>? exclude, CancellationToken cancellationToken)
    {
        var inZone = (await InZoneAsync(candidates, zone, cancellationToken)).Where(v => exclude?.Contains(v.Id) != true).ToList();
        lock (_lock)
        {
            return VSwitchSelection.Choose(inZone, policy, IsBlockedLocked, _random);
        }
    }

    public void Block(string id)
    {
        lock (_lock)
        {
            _blockedUntil[id] = time.GetUtcNow() + ttl;
        }
    }

    public bool IsBlocked(string id)
    {
        lock (_lock)
        {
            return IsBlockedLocked(id);
        }
    }

    public void NoteAllocated(string id)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(id, out var entry) && entry.Info is { } info)
            {
                _cache[id] = (info with { AvailableIps = Math.Max(0, info.AvailableIps - 1) }, entry.At);
            }
        }
    }

    private bool IsBlockedLocked(string id)
    {
        if (!_blockedUntil.TryGetValue(id, out var until))
        {
            return false;
        }

        if (time.GetUtcNow() < until)
        {
            return true;
        }

        _blockedUntil.Remove(id);
        _cache.Remove(id);
        return false;
    }
}
