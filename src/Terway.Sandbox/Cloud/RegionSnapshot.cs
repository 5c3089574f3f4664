namespace Terway.Sandbox.Cloud;

/// <summary>ENI types as the API names them.</summary>
public enum EniType
{
    /// <summary>The instance's eth0; created with the instance, never detached or deleted.</summary>
    Primary,

    /// <summary>A secondary ENI (the default of CreateNetworkInterface).</summary>
    Secondary,

    /// <summary>A trunk ENI that carries VLAN-tagged member ENIs.</summary>
    Trunk,

    /// <summary>A secondary ENI attached to a trunk ENI (reported with this type while attached).</summary>
    Member,
}

/// <summary>ENI states as the API names them.</summary>
public enum EniStatus
{
    /// <summary>Not attached.</summary>
    Available,

    /// <summary>Attach in progress.</summary>
    Attaching,

    /// <summary>Attached.</summary>
    InUse,

    /// <summary>Detach in progress (or stuck).</summary>
    Detaching,

    /// <summary>Delete in progress; gone afterwards.</summary>
    Deleting,
}

/// <summary>A resource tag.</summary>
public sealed record CloudTag(string Key, string Value);

/// <summary>The whole state of the simulated region at one instant.</summary>
public sealed record RegionSnapshot
{
    /// <summary>The simulator's clock when the snapshot was taken.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The region ID.</summary>
    public required string RegionId { get; init; }

    /// <summary>Zone IDs.</summary>
    public required IReadOnlyList<string> Zones { get; init; }

    /// <summary>VPCs.</summary>
    public required IReadOnlyList<VpcSnapshot> Vpcs { get; init; }

    /// <summary>vSwitches with their IP accounting.</summary>
    public required IReadOnlyList<VSwitchSnapshot> VSwitches { get; init; }

    /// <summary>Security groups.</summary>
    public required IReadOnlyList<SecurityGroupDefinition> SecurityGroups { get; init; }

    /// <summary>Instances.</summary>
    public required IReadOnlyList<InstanceSnapshot> Instances { get; init; }

    /// <summary>All ENIs, in creation order.</summary>
    public required IReadOnlyList<EniSnapshot> NetworkInterfaces { get; init; }

    /// <summary>Route tables with their entries.</summary>
    public required IReadOnlyList<RouteTableSnapshot> RouteTables { get; init; }

    /// <summary>The most recent API calls (bounded), oldest first.</summary>
    public required IReadOnlyList<ApiCallRecord> Calls { get; init; }

    /// <summary>Per-action call counts since start (never trimmed).</summary>
    public required IReadOnlyDictionary<string, ApiCallStats> CallCounts { get; init; }

    /// <summary>The ENI with this ID, or null.</summary>
    public EniSnapshot? FindEni(string networkInterfaceId) =>
        NetworkInterfaces.FirstOrDefault(e => e.NetworkInterfaceId == networkInterfaceId);

    /// <summary>Total calls of <paramref name="action"/> (0 when never called).</summary>
    public long CountOf(string action) => CallCounts.TryGetValue(action, out var s) ? s.Total : 0;
}

/// <summary>A VPC.</summary>
public sealed record VpcSnapshot(
    string VpcId,
    string CidrBlock,
    string? Ipv6CidrBlock,
    string VRouterId,
    string RouteTableId,
    DateTimeOffset? RouteMutationBusyUntil);

/// <summary>A vSwitch and its address accounting.</summary>
public sealed record VSwitchSnapshot
{
    /// <summary>The vSwitch ID.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>The VPC.</summary>
    public required string VpcId { get; init; }

    /// <summary>The zone.</summary>
    public required string ZoneId { get; init; }

    /// <summary>IPv4 CIDR block.</summary>
    public required string CidrBlock { get; init; }

    /// <summary>IPv6 CIDR block or null.</summary>
    public string? Ipv6CidrBlock { get; init; }

    /// <summary>Name.</summary>
    public string? VSwitchName { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreationTime { get; init; }

    /// <summary>Usable IPv4 addresses (block size − 4 reserved).</summary>
    public required int Capacity { get; init; }

    /// <summary>Free IPv4 addresses, as DescribeVSwitches reports.</summary>
    public required int AvailableIpAddressCount { get; init; }

    /// <summary>Addresses held by out-of-band reservations (see <see cref="RegionSimulator.ReserveAddresses"/>).</summary>
    public required int ReservedOutOfBand { get; init; }
}

/// <summary>An instance with its type limits.</summary>
public sealed record InstanceSnapshot
{
    /// <summary>The instance ID.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The instance type and its ENI limits.</summary>
    public required InstanceTypeDefinition InstanceType { get; init; }

    /// <summary>The zone.</summary>
    public required string ZoneId { get; init; }

    /// <summary>The VPC.</summary>
    public required string VpcId { get; init; }

    /// <summary>The primary ENI's vSwitch.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>Status (Running, Stopped, ...).</summary>
    public required string Status { get; init; }

    /// <summary>Host name.</summary>
    public required string HostName { get; init; }

    /// <summary>Instance name.</summary>
    public required string InstanceName { get; init; }

    /// <summary>Security groups of the instance.</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    /// <summary>The primary ENI.</summary>
    public required string PrimaryNetworkInterfaceId { get; init; }

    /// <summary>The primary private IPv4 address.</summary>
    public required string PrimaryIpAddress { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreationTime { get; init; }
}

/// <summary>An ENI as the model holds it.</summary>
public sealed record EniSnapshot
{
    /// <summary>The ENI ID.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary>The type.</summary>
    public required EniType Type { get; init; }

    /// <summary>The status.</summary>
    public required EniStatus Status { get; init; }

    /// <summary>The VPC.</summary>
    public required string VpcId { get; init; }

    /// <summary>The vSwitch.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>The zone.</summary>
    public required string ZoneId { get; init; }

    /// <summary>MAC address (<c>00:16:3e:..</c>).</summary>
    public required string MacAddress { get; init; }

    /// <summary>The primary private IPv4 address.</summary>
    public required string PrimaryIpAddress { get; init; }

    /// <summary>All private IPv4 addresses, the primary first.</summary>
    public required IReadOnlyList<string> PrivateIpAddresses { get; init; }

    /// <summary>IPv6 addresses.</summary>
    public required IReadOnlyList<string> Ipv6Addresses { get; init; }

    /// <summary>Security groups.</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    /// <summary>Tags in the order they were given.</summary>
    public required IReadOnlyList<CloudTag> Tags { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>Name.</summary>
    public string? NetworkInterfaceName { get; init; }

    /// <summary>Resource group.</summary>
    public string? ResourceGroupId { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreationTime { get; init; }

    /// <summary>The instance the ENI is attached to (or being attached to/detached from); for a member, the trunk's instance.</summary>
    public string? InstanceId { get; init; }

    /// <summary>For a member ENI: its trunk ENI.</summary>
    public string? TrunkNetworkInterfaceId { get; init; }

    /// <summary>Device index while attached; for a member ENI, its VLAN ID.</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>For a trunk ENI: its member ENIs (attaching, attached or detaching).</summary>
    public required IReadOnlyList<string> MemberNetworkInterfaceIds { get; init; }

    /// <summary>Released together with the instance.</summary>
    public bool DeleteOnRelease { get; init; }

    /// <summary>Source/destination check.</summary>
    public bool SourceDestCheck { get; init; }

    /// <summary><c>Standard</c> or <c>HighPerformance</c>.</summary>
    public required string NetworkInterfaceTrafficMode { get; init; }

    /// <summary>When the transition in progress completes, or null.</summary>
    public DateTimeOffset? TransitionDueAt { get; init; }

    /// <summary>True when the ENI is stuck in <c>Detaching</c>.</summary>
    public bool StuckInDetaching { get; init; }
}

/// <summary>A route table with its entries.</summary>
public sealed record RouteTableSnapshot(
    string RouteTableId,
    string VpcId,
    string VRouterId,
    string RouteTableType,
    DateTimeOffset CreationTime,
    IReadOnlyList<string> VSwitchIds,
    IReadOnlyList<RouteEntrySnapshot> Entries);

/// <summary>A route entry.</summary>
public sealed record RouteEntrySnapshot
{
    /// <summary>The entry ID (<c>rte-…</c>).</summary>
    public required string RouteEntryId { get; init; }

    /// <summary>The table.</summary>
    public required string RouteTableId { get; init; }

    /// <summary>Destination CIDR.</summary>
    public required string DestinationCidrBlock { get; init; }

    /// <summary><c>Custom</c> or <c>System</c>.</summary>
    public required string Type { get; init; }

    /// <summary><c>Pending</c>, <c>Available</c> or <c>Deleting</c>.</summary>
    public required string Status { get; init; }

    /// <summary><c>ipv4</c> or <c>ipv6</c>.</summary>
    public required string IpVersion { get; init; }

    /// <summary>Next hop type (<c>Instance</c>, <c>NetworkInterface</c>, <c>local</c>, <c>service</c>).</summary>
    public required string NextHopType { get; init; }

    /// <summary>Next hop ID (empty for system entries).</summary>
    public required string NextHopId { get; init; }

    /// <summary>Entry name.</summary>
    public string? RouteEntryName { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>Last change.</summary>
    public required DateTimeOffset GmtModified { get; init; }

    /// <summary>Creation order within the region; paging tokens refer to it.</summary>
    internal long Order { get; init; }
}

/// <summary>One API call as the simulator saw it.</summary>
public sealed record ApiCallRecord(
    DateTimeOffset Time,
    string Product,
    string Action,
    int HttpStatus,
    string? ErrorCode,
    string RequestId,
    string? AccessKeyId,
    string SignatureAlgorithm,
    string? ClientToken);

/// <summary>Call counts of one action.</summary>
public sealed record ApiCallStats(long Total, long Succeeded, long Failed, long Throttled);
