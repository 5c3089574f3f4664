namespace Terway.Cloud.Vpc;

/// <summary>Filters and paging of DescribeVSwitches (reference §4.1).</summary>
public sealed record DescribeVSwitchesRequest
{
    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>VSwitchId</c>.</summary>
    public string? VSwitchId { get; init; }

    /// <summary><c>ZoneId</c>.</summary>
    public string? ZoneId { get; init; }

    /// <summary><c>Tag.N.Key</c>/<c>Tag.N.Value</c>.</summary>
    public IReadOnlyList<CloudTag>? Tags { get; init; }

    /// <summary><c>PageNumber</c> (from 1).</summary>
    public int PageNumber { get; init; } = 1;

    /// <summary><c>PageSize</c> (max 50).</summary>
    public int PageSize { get; init; } = 50;
}

/// <summary>A vSwitch (<c>VSwitches.VSwitch[]</c>).</summary>
public sealed record VSwitch
{
    /// <summary><c>VSwitchId</c>.</summary>
    public required string VSwitchId { get; init; }

    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>ZoneId</c>.</summary>
    public string? ZoneId { get; init; }

    /// <summary><c>CidrBlock</c>.</summary>
    public string? CidrBlock { get; init; }

    /// <summary><c>Ipv6CidrBlock</c>.</summary>
    public string? Ipv6CidrBlock { get; init; }

    /// <summary><c>AvailableIpAddressCount</c>: free IPv4 addresses.</summary>
    public long AvailableIpAddressCount { get; init; }

    /// <summary><c>Status</c> (<c>Pending</c>, <c>Available</c>).</summary>
    public string? Status { get; init; }

    /// <summary><c>VSwitchName</c>.</summary>
    public string? VSwitchName { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>IsDefault</c>.</summary>
    public bool? IsDefault { get; init; }

    /// <summary><c>EnabledIpv6</c>.</summary>
    public bool? EnabledIpv6 { get; init; }

    /// <summary><c>CreationTime</c>.</summary>
    public DateTimeOffset? CreationTime { get; init; }

    /// <summary><c>RouteTable.RouteTableId</c>.</summary>
    public string? RouteTableId { get; init; }

    /// <summary><c>Tags.Tag[]</c> (<c>Key</c>/<c>Value</c> in VPC responses).</summary>
    public IReadOnlyList<CloudTag> Tags { get; init; } = [];
}

/// <summary>Parameters of CreateRouteEntry (reference §4.3). Asynchronous: the entry is <c>Pending</c> first.</summary>
public sealed record CreateRouteEntryRequest
{
    /// <summary><c>RouteTableId</c>.</summary>
    public required string RouteTableId { get; init; }

    /// <summary><c>DestinationCidrBlock</c>, e.g. a node's podCIDR.</summary>
    public required string DestinationCidrBlock { get; init; }

    /// <summary><c>NextHopType</c> (default <c>Instance</c>).</summary>
    public string NextHopType { get; init; } = "Instance";

    /// <summary><c>NextHopId</c>, e.g. the node's instance ID.</summary>
    public required string NextHopId { get; init; }

    /// <summary><c>RouteEntryName</c>.</summary>
    public string? RouteEntryName { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>ClientToken</c>; derive from intent (e.g. node name + podCIDR), else random per call.</summary>
    public string? ClientToken { get; init; }
}

/// <summary>Parameters of DeleteRouteEntry: either <see cref="RouteEntryId"/>, or table + destination (+ next hop).</summary>
public sealed record DeleteRouteEntryRequest
{
    /// <summary><c>RouteEntryId</c>.</summary>
    public string? RouteEntryId { get; init; }

    /// <summary><c>RouteTableId</c>.</summary>
    public string? RouteTableId { get; init; }

    /// <summary><c>DestinationCidrBlock</c>.</summary>
    public string? DestinationCidrBlock { get; init; }

    /// <summary><c>NextHopId</c>.</summary>
    public string? NextHopId { get; init; }
}

/// <summary>Filters and paging of DescribeRouteEntryList (reference §4.5).</summary>
public sealed record DescribeRouteEntryListRequest
{
    /// <summary><c>RouteTableId</c> (required).</summary>
    public required string RouteTableId { get; init; }

    /// <summary><c>RouteEntryId</c>.</summary>
    public string? RouteEntryId { get; init; }

    /// <summary><c>DestinationCidrBlock</c>.</summary>
    public string? DestinationCidrBlock { get; init; }

    /// <summary><c>RouteEntryType</c>: Custom, System, BGP, CEN, ECR.</summary>
    public string? RouteEntryType { get; init; }

    /// <summary><c>NextHopId</c>.</summary>
    public string? NextHopId { get; init; }

    /// <summary><c>NextHopType</c>.</summary>
    public string? NextHopType { get; init; }

    /// <summary><c>IpVersion</c>: ipv4 or ipv6.</summary>
    public string? IpVersion { get; init; }

    /// <summary><c>MaxResult</c> (singular on the wire; 1–100).</summary>
    public int MaxResult { get; init; } = 100;

    /// <summary><c>NextToken</c>.</summary>
    public string? NextToken { get; init; }
}

/// <summary>A next hop of a route entry (<c>NextHops.NextHop[]</c>).</summary>
/// <param name="NextHopType">Type, e.g. Instance.</param>
/// <param name="NextHopId">ID, e.g. an instance ID.</param>
/// <param name="Enabled">1 if enabled (ECMP), as the API returns it.</param>
/// <param name="Weight">ECMP weight.</param>
public sealed record RouteNextHop(string? NextHopType, string? NextHopId, int? Enabled, int? Weight);

/// <summary>A route entry (<c>RouteEntrys.RouteEntry[]</c>).</summary>
public sealed record RouteEntry
{
    /// <summary><c>RouteEntryId</c>.</summary>
    public string? RouteEntryId { get; init; }

    /// <summary><c>RouteTableId</c>.</summary>
    public string? RouteTableId { get; init; }

    /// <summary><c>DestinationCidrBlock</c>.</summary>
    public required string DestinationCidrBlock { get; init; }

    /// <summary><c>Type</c>: Custom, System, ...</summary>
    public string? Type { get; init; }

    /// <summary><c>Status</c>: Pending, Available, Modifying.</summary>
    public string? Status { get; init; }

    /// <summary><c>IpVersion</c>.</summary>
    public string? IpVersion { get; init; }

    /// <summary><c>RouteEntryName</c>.</summary>
    public string? RouteEntryName { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>NextHops.NextHop[]</c>.</summary>
    public IReadOnlyList<RouteNextHop> NextHops { get; init; } = [];
}

/// <summary>Filters and paging of DescribeRouteTableList (reference §4.6).</summary>
public sealed record DescribeRouteTableListRequest
{
    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>RouterId</c>.</summary>
    public string? RouterId { get; init; }

    /// <summary><c>RouterType</c>: VRouter (default) or VBR.</summary>
    public string? RouterType { get; init; }

    /// <summary><c>RouteTableId</c>.</summary>
    public string? RouteTableId { get; init; }

    /// <summary><c>RouteTableName</c>.</summary>
    public string? RouteTableName { get; init; }

    /// <summary><c>RouteTableType</c>: System or Custom.</summary>
    public string? RouteTableType { get; init; }

    /// <summary><c>PageNumber</c> (from 1).</summary>
    public int PageNumber { get; init; } = 1;

    /// <summary><c>PageSize</c> (max 50).</summary>
    public int PageSize { get; init; } = 50;
}

/// <summary>A route table (<c>RouterTableList.RouterTableListType[]</c>).</summary>
public sealed record RouteTable
{
    /// <summary><c>RouteTableId</c>.</summary>
    public required string RouteTableId { get; init; }

    /// <summary><c>RouteTableName</c>.</summary>
    public string? RouteTableName { get; init; }

    /// <summary><c>RouteTableType</c>: System or Custom.</summary>
    public string? RouteTableType { get; init; }

    /// <summary><c>RouterId</c>.</summary>
    public string? RouterId { get; init; }

    /// <summary><c>RouterType</c>.</summary>
    public string? RouterType { get; init; }

    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>Status</c>.</summary>
    public string? Status { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>VSwitchIds.VSwitchId[]</c>.</summary>
    public IReadOnlyList<string> VSwitchIds { get; init; } = [];

    /// <summary><c>Tags.Tag[]</c> (<c>Key</c>/<c>Value</c>).</summary>
    public IReadOnlyList<CloudTag> Tags { get; init; } = [];
}
