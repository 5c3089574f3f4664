namespace Terway.Sandbox.Cloud.Model;

// Mutable entities of the region. Only RegionModel touches them, always under its lock; the
// outside world sees immutable snapshots.

internal sealed class VpcState(VpcDefinition definition, Ipv4Cidr cidr, Ipv6Cidr? ipv6, RouteTableState routeTable)
{
    public string Id { get; } = definition.VpcId;

    public Ipv4Cidr Cidr { get; } = cidr;

    public Ipv6Cidr? Ipv6Cidr { get; } = ipv6;

    public RouteTableState RouteTable { get; } = routeTable;

    /// <summary>A route mutation is in progress in this VPC until then.</summary>
    public DateTimeOffset RouteBusyUntil { get; set; } = DateTimeOffset.MinValue;
}

internal sealed class VSwitchState(VSwitchDefinition definition, string vpcId, Ipv4Pool pool, Ipv6Pool? ipv6Pool, DateTimeOffset created)
{
    public string Id { get; } = definition.VSwitchId;

    public string VpcId { get; } = vpcId;

    public string ZoneId { get; } = definition.ZoneId;

    public string? Name { get; } = definition.VSwitchName;

    public Ipv4Pool Pool { get; } = pool;

    public Ipv6Pool? Ipv6Pool { get; } = ipv6Pool;

    public DateTimeOffset CreationTime { get; } = created;

    /// <summary>Addresses held by out-of-band reservations (another tenant of the vSwitch).</summary>
    public HashSet<uint> Reserved { get; } = [];
}

internal sealed class InstanceState
{
    public required string Id { get; init; }

    public required InstanceTypeDefinition Type { get; init; }

    public required string ZoneId { get; init; }

    public required string VpcId { get; init; }

    public required string VSwitchId { get; init; }

    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    public required string Status { get; set; }

    public required string HostName { get; init; }

    public required string Name { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public string PrimaryEniId { get; set; } = string.Empty;
}

internal enum TransitionKind
{
    Attach,
    Detach,
    Delete,
}

internal sealed class EniState
{
    public required string Id { get; init; }

    /// <summary>Creation order; paging tokens refer to it.</summary>
    public required long Seq { get; init; }

    public required EniType Type { get; set; }

    public required EniStatus Status { get; set; }

    public required string VpcId { get; init; }

    public required string VSwitchId { get; init; }

    public required string ZoneId { get; init; }

    public required string Mac { get; init; }

    /// <summary>IPv4 addresses, the primary first.</summary>
    public List<uint> Ipv4 { get; } = [];

    public List<UInt128> Ipv6 { get; } = [];

    public required List<string> SecurityGroupIds { get; init; }

    public required List<CloudTag> Tags { get; init; }

    public string? Description { get; init; }

    public string? Name { get; init; }

    public string? ResourceGroupId { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public bool DeleteOnRelease { get; init; }

    public bool SourceDestCheck { get; init; }

    public string TrafficMode { get; init; } = "Standard";

    public string? InstanceId { get; set; }

    public string? TrunkId { get; set; }

    public int? DeviceIndex { get; set; }

    /// <summary>Member ENIs of a trunk (attaching, attached or detaching).</summary>
    public List<string> Members { get; } = [];

    // The transition in progress. PendingSeq identifies it so a superseded one is ignored.
    public TransitionKind? Pending { get; set; }

    public long PendingSeq { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    /// <summary>The attach in progress will fall back to Available.</summary>
    public bool AttachWillFail { get; set; }

    public bool StuckInDetaching { get; set; }

    /// <summary>Set by a test: the next detach gets stuck regardless of the rate knob.</summary>
    public bool ForceStuck { get; set; }

    /// <summary>Set by a test: the next attach falls back to Available regardless of the rate knob.</summary>
    public bool ForceAttachFail { get; set; }

    public bool IsAttachedToInstance => Status is EniStatus.Attaching or EniStatus.InUse or EniStatus.Detaching;
}

internal sealed class RouteTableState
{
    public required string Id { get; init; }

    public required string VpcId { get; init; }

    public required string VRouterId { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public List<RouteEntryState> Entries { get; } = [];
}

internal sealed class RouteEntryState
{
    public required string Id { get; init; }

    public required long Seq { get; init; }

    public required string Destination { get; init; }

    public required bool IsIpv6 { get; init; }

    public required bool IsSystem { get; init; }

    public required string NextHopType { get; init; }

    public required string NextHopId { get; init; }

    public required string Status { get; set; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public required DateTimeOffset Modified { get; set; }

    public long PendingSeq { get; set; }
}
