namespace Terway.Cloud.Ecs;

/// <summary>ENI type as the API spells it in <c>Type</c> and <c>InstanceType</c>.</summary>
public static class NetworkInterfaceTypes
{
    /// <summary>The instance's eth0; never detached or deleted.</summary>
    public const string Primary = "Primary";

    /// <summary>A secondary ENI (also what a member ENI is created as).</summary>
    public const string Secondary = "Secondary";

    /// <summary>A trunk ENI that carries VLAN-tagged member ENIs.</summary>
    public const string Trunk = "Trunk";

    /// <summary>A member ENI attached to a trunk ENI.</summary>
    public const string Member = "Member";
}

/// <summary>ENI status values (<c>Status</c>).</summary>
public static class NetworkInterfaceStatuses
{
    /// <summary>Created and not attached.</summary>
    public const string Available = "Available";

    /// <summary>Attach in progress.</summary>
    public const string Attaching = "Attaching";

    /// <summary>Attached to an instance (or a trunk).</summary>
    public const string InUse = "InUse";

    /// <summary>Detach in progress.</summary>
    public const string Detaching = "Detaching";

    /// <summary>Delete in progress.</summary>
    public const string Deleting = "Deleting";
}

/// <summary>What kind of ENI CreateNetworkInterface makes (<c>InstanceType</c> parameter).</summary>
public enum NetworkInterfaceCreateType
{
    /// <summary><c>Secondary</c> (default): pool ENIs, exclusive ENIs and trunk member ENIs.</summary>
    Secondary = 0,

    /// <summary><c>Trunk</c>: one per trunk-enabled node.</summary>
    Trunk = 1,
}

/// <summary>Parameters of CreateNetworkInterface (reference §3.1).</summary>
public sealed record CreateNetworkInterfaceRequest
{
    /// <summary><c>VSwitchId</c>: must be in the instance's zone.</summary>
    public required string VSwitchId { get; init; }

    /// <summary><c>SecurityGroupIds.N</c>: at least one, all in the ENI's VPC.</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    /// <summary><c>InstanceType</c>: <c>Secondary</c> or <c>Trunk</c>.</summary>
    public NetworkInterfaceCreateType Type { get; init; } = NetworkInterfaceCreateType.Secondary;

    /// <summary><c>ClientToken</c>: derive it from the call's intent with <see cref="Resilience.ClientTokens.Derive(string, string[])"/>; if null, a random token makes only this call's retries idempotent.</summary>
    public string? ClientToken { get; init; }

    /// <summary><c>SecondaryPrivateIpAddressCount</c> (1–49); Terway sends IP count − 1.</summary>
    public int? SecondaryPrivateIpAddressCount { get; init; }

    /// <summary><c>Ipv6AddressCount</c> (1–10).</summary>
    public int? Ipv6AddressCount { get; init; }

    /// <summary><c>Ipv4PrefixCount</c> (1–10); never together with an IP count.</summary>
    public int? Ipv4PrefixCount { get; init; }

    /// <summary><c>Ipv6PrefixCount</c> (1–10).</summary>
    public int? Ipv6PrefixCount { get; init; }

    /// <summary><c>PrimaryIpAddress</c>: a fixed primary IP, else the vSwitch picks one.</summary>
    public string? PrimaryIpAddress { get; init; }

    /// <summary><c>Tag.N.Key</c>/<c>Tag.N.Value</c> (at most 20).</summary>
    public IReadOnlyList<CloudTag>? Tags { get; init; }

    /// <summary><c>Description</c> (2–256 characters; Terway: <c>interface create by terway</c>).</summary>
    public string? Description { get; init; }

    /// <summary><c>NetworkInterfaceName</c>.</summary>
    public string? NetworkInterfaceName { get; init; }

    /// <summary><c>ResourceGroupId</c>.</summary>
    public string? ResourceGroupId { get; init; }

    /// <summary><c>DeleteOnRelease</c>: release the ENI with its instance.</summary>
    public bool? DeleteOnRelease { get; init; }

    /// <summary><c>SourceDestCheck</c> (Terway's daemon sends false).</summary>
    public bool? SourceDestCheck { get; init; }

    /// <summary><c>NetworkInterfaceTrafficMode</c>: <c>Standard</c> or <c>HighPerformance</c> (eRDMA).</summary>
    public string? TrafficMode { get; init; }
}

/// <summary>Parameters of AttachNetworkInterface (reference §3.2). Asynchronous: poll until <c>InUse</c>.</summary>
public sealed record AttachNetworkInterfaceRequest
{
    /// <summary><c>InstanceId</c>: the ECS instance (also for trunk members).</summary>
    public required string InstanceId { get; init; }

    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>TrunkNetworkInstanceId</c>: the trunk ENI when attaching a member ENI.</summary>
    public string? TrunkNetworkInstanceId { get; init; }

    /// <summary><c>NetworkCardIndex</c>, for multi-card instance types.</summary>
    public int? NetworkCardIndex { get; init; }
}

/// <summary>Parameters of DetachNetworkInterface (reference §3.3). Asynchronous: poll until <c>Available</c>.</summary>
public sealed record DetachNetworkInterfaceRequest
{
    /// <summary><c>InstanceId</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>TrunkNetworkInstanceId</c>: the trunk ENI for member ENIs.</summary>
    public string? TrunkNetworkInstanceId { get; init; }
}

/// <summary>Filters and paging of DescribeNetworkInterfaces (reference §3.5).</summary>
public sealed record DescribeNetworkInterfacesRequest
{
    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>VSwitchId</c>.</summary>
    public string? VSwitchId { get; init; }

    /// <summary><c>InstanceId</c>: ENIs attached to this instance.</summary>
    public string? InstanceId { get; init; }

    /// <summary><c>Type</c>: Primary, Secondary, Trunk, Member (<see cref="NetworkInterfaceTypes"/>).</summary>
    public string? Type { get; init; }

    /// <summary><c>Status</c> (<see cref="NetworkInterfaceStatuses"/>).</summary>
    public string? Status { get; init; }

    /// <summary><c>SecurityGroupId</c>.</summary>
    public string? SecurityGroupId { get; init; }

    /// <summary><c>NetworkInterfaceId.N</c> (1–100).</summary>
    public IReadOnlyList<string>? NetworkInterfaceIds { get; init; }

    /// <summary><c>PrivateIpAddress.N</c> (1–100).</summary>
    public IReadOnlyList<string>? PrivateIpAddresses { get; init; }

    /// <summary><c>Tag.N.Key</c>/<c>Tag.N.Value</c>: AND semantics.</summary>
    public IReadOnlyList<CloudTag>? Tags { get; init; }

    /// <summary><c>MaxResults</c> (10–500; Terway uses 500).</summary>
    public int MaxResults { get; init; } = 500;

    /// <summary><c>NextToken</c> from the previous page.</summary>
    public string? NextToken { get; init; }
}

/// <summary>A private IPv4 address on an ENI (<c>PrivateIpSets.PrivateIpSet[]</c>).</summary>
/// <param name="Address">The IPv4 address.</param>
/// <param name="Primary">Whether it is the ENI's primary IP.</param>
public sealed record PrivateIp(string Address, bool Primary);

/// <summary>Where an ENI is attached (<c>Attachment</c>).</summary>
public sealed record NetworkInterfaceAttachment
{
    /// <summary>Instance the ENI (or its trunk) is attached to.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Device index on the instance.</summary>
    public int? DeviceIndex { get; init; }

    /// <summary>Network card index.</summary>
    public int? NetworkCardIndex { get; init; }

    /// <summary>Trunk ENI of a member ENI.</summary>
    public string? TrunkNetworkInterfaceId { get; init; }
}

/// <summary>An elastic network interface as CreateNetworkInterface and DescribeNetworkInterfaces return it.</summary>
public sealed record NetworkInterface
{
    /// <summary><c>NetworkInterfaceId</c> (<c>eni-…</c>).</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>Status</c> (<see cref="NetworkInterfaceStatuses"/>).</summary>
    public string? Status { get; init; }

    /// <summary><c>Type</c> (<see cref="NetworkInterfaceTypes"/>).</summary>
    public string? Type { get; init; }

    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>VSwitchId</c>.</summary>
    public string? VSwitchId { get; init; }

    /// <summary><c>ZoneId</c>.</summary>
    public string? ZoneId { get; init; }

    /// <summary>Primary private IPv4 (<c>PrivateIpAddress</c>).</summary>
    public string? PrimaryIpAddress { get; init; }

    /// <summary><c>MacAddress</c>.</summary>
    public string? MacAddress { get; init; }

    /// <summary>Instance it is attached to: <c>InstanceId</c>, or <c>Attachment.InstanceId</c> for members (as Terway reads it).</summary>
    public string? InstanceId { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>NetworkInterfaceName</c>.</summary>
    public string? NetworkInterfaceName { get; init; }

    /// <summary><c>ResourceGroupId</c>.</summary>
    public string? ResourceGroupId { get; init; }

    /// <summary><c>CreationTime</c>.</summary>
    public DateTimeOffset? CreationTime { get; init; }

    /// <summary><c>DeleteOnRelease</c>.</summary>
    public bool? DeleteOnRelease { get; init; }

    /// <summary><c>SourceDestCheck</c>.</summary>
    public bool? SourceDestCheck { get; init; }

    /// <summary><c>ServiceManaged</c>.</summary>
    public bool? ServiceManaged { get; init; }

    /// <summary><c>NetworkInterfaceTrafficMode</c>.</summary>
    public string? TrafficMode { get; init; }

    /// <summary><c>SecurityGroupIds.SecurityGroupId[]</c>.</summary>
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    /// <summary><c>PrivateIpSets.PrivateIpSet[]</c>, primary included.</summary>
    public IReadOnlyList<PrivateIp> PrivateIps { get; init; } = [];

    /// <summary><c>Ipv6Sets.Ipv6Set[].Ipv6Address</c>.</summary>
    public IReadOnlyList<string> Ipv6Addresses { get; init; } = [];

    /// <summary><c>Ipv4PrefixSets.Ipv4PrefixSet[].Ipv4Prefix</c>.</summary>
    public IReadOnlyList<string> Ipv4Prefixes { get; init; } = [];

    /// <summary><c>Ipv6PrefixSets.Ipv6PrefixSet[].Ipv6Prefix</c>.</summary>
    public IReadOnlyList<string> Ipv6Prefixes { get; init; } = [];

    /// <summary><c>Tags.Tag[]</c> (<c>TagKey</c>/<c>TagValue</c>).</summary>
    public IReadOnlyList<CloudTag> Tags { get; init; } = [];

    /// <summary><c>Attachment</c>, if present.</summary>
    public NetworkInterfaceAttachment? Attachment { get; init; }

    /// <summary>For a trunk member ENI, its trunk ENI (<c>Attachment.TrunkNetworkInterfaceId</c>).</summary>
    public string? TrunkNetworkInterfaceId => Attachment?.TrunkNetworkInterfaceId;
}

/// <summary>Parameters of AssignPrivateIpAddresses (reference §3.7). Give a count or addresses, or a prefix count.</summary>
public sealed record AssignPrivateIpAddressesRequest
{
    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>SecondaryPrivateIpAddressCount</c> (Terway batches 10 per call).</summary>
    public int? SecondaryPrivateIpAddressCount { get; init; }

    /// <summary><c>PrivateIpAddress.N</c>: specific addresses.</summary>
    public IReadOnlyList<string>? PrivateIpAddresses { get; init; }

    /// <summary><c>Ipv4PrefixCount</c> (1–10).</summary>
    public int? Ipv4PrefixCount { get; init; }

    /// <summary><c>ClientToken</c>; if null a random one covers this call's retries.</summary>
    public string? ClientToken { get; init; }
}

/// <summary>What AssignPrivateIpAddresses assigned (<c>AssignedPrivateIpAddressesSet</c>).</summary>
/// <param name="NetworkInterfaceId">The ENI.</param>
/// <param name="PrivateIpAddresses">New IPv4 addresses (<c>PrivateIpSet.PrivateIpAddress[]</c>).</param>
/// <param name="Ipv4Prefixes">New prefixes (<c>Ipv4PrefixSet.Ipv4Prefixes[]</c>).</param>
public sealed record AssignedPrivateIpAddresses(string NetworkInterfaceId, IReadOnlyList<string> PrivateIpAddresses, IReadOnlyList<string> Ipv4Prefixes);

/// <summary>Parameters of UnassignPrivateIpAddresses.</summary>
public sealed record UnassignPrivateIpAddressesRequest
{
    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>PrivateIpAddress.N</c>.</summary>
    public IReadOnlyList<string>? PrivateIpAddresses { get; init; }

    /// <summary><c>Ipv4Prefix.N</c> (not together with addresses).</summary>
    public IReadOnlyList<string>? Ipv4Prefixes { get; init; }
}

/// <summary>Parameters of AssignIpv6Addresses (reference §3.8).</summary>
public sealed record AssignIpv6AddressesRequest
{
    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>Ipv6AddressCount</c> (1–10).</summary>
    public int? Ipv6AddressCount { get; init; }

    /// <summary><c>Ipv6Address.N</c>.</summary>
    public IReadOnlyList<string>? Ipv6Addresses { get; init; }

    /// <summary><c>Ipv6PrefixCount</c> (1–10).</summary>
    public int? Ipv6PrefixCount { get; init; }

    /// <summary><c>ClientToken</c>; if null a random one covers this call's retries.</summary>
    public string? ClientToken { get; init; }
}

/// <summary>What AssignIpv6Addresses assigned.</summary>
/// <param name="NetworkInterfaceId">The ENI.</param>
/// <param name="Ipv6Addresses">New addresses (<c>Ipv6Sets.Ipv6Address[]</c>).</param>
/// <param name="Ipv6Prefixes">New prefixes (<c>Ipv6PrefixSets.Ipv6Prefix[]</c>).</param>
public sealed record AssignedIpv6Addresses(string NetworkInterfaceId, IReadOnlyList<string> Ipv6Addresses, IReadOnlyList<string> Ipv6Prefixes);

/// <summary>Parameters of UnassignIpv6Addresses.</summary>
public sealed record UnassignIpv6AddressesRequest
{
    /// <summary><c>NetworkInterfaceId</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary><c>Ipv6Address.N</c>.</summary>
    public IReadOnlyList<string>? Ipv6Addresses { get; init; }

    /// <summary><c>Ipv6Prefix.N</c>.</summary>
    public IReadOnlyList<string>? Ipv6Prefixes { get; init; }
}

/// <summary>Filters and paging of DescribeInstanceTypes (reference §3.9).</summary>
public sealed record DescribeInstanceTypesRequest
{
    /// <summary><c>InstanceTypes.N</c> (1–10); empty = all types.</summary>
    public IReadOnlyList<string>? InstanceTypes { get; init; }

    /// <summary><c>InstanceTypeFamily</c>.</summary>
    public string? InstanceTypeFamily { get; init; }

    /// <summary><c>MaxResults</c> (≤ 100).</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary><c>NextToken</c>.</summary>
    public string? NextToken { get; init; }
}

/// <summary>ENI-relevant facts of an instance type (<c>InstanceTypes.InstanceType[]</c>).</summary>
public sealed record InstanceTypeInfo
{
    /// <summary><c>InstanceTypeId</c>, e.g. <c>ecs.g7.xlarge</c>.</summary>
    public required string InstanceTypeId { get; init; }

    /// <summary><c>InstanceTypeFamily</c>.</summary>
    public string? InstanceTypeFamily { get; init; }

    /// <summary><c>CpuCoreCount</c>.</summary>
    public int? CpuCoreCount { get; init; }

    /// <summary><c>MemorySize</c> in GiB.</summary>
    public double? MemorySize { get; init; }

    /// <summary><c>EniQuantity</c>: ENIs per instance (primary + secondary + trunk).</summary>
    public int EniQuantity { get; init; }

    /// <summary><c>EniPrivateIpAddressQuantity</c>: IPv4 per ENI, primary included.</summary>
    public int EniPrivateIpAddressQuantity { get; init; }

    /// <summary><c>EniIpv6AddressQuantity</c>: IPv6 per ENI.</summary>
    public int EniIpv6AddressQuantity { get; init; }

    /// <summary><c>EniTotalQuantity</c>: all ENIs including trunk members.</summary>
    public int EniTotalQuantity { get; init; }

    /// <summary><c>EniTrunkSupported</c>.</summary>
    public bool EniTrunkSupported { get; init; }

    /// <summary><c>EriQuantity</c>: eRDMA interfaces.</summary>
    public int EriQuantity { get; init; }

    /// <summary><c>NetworkCardQuantity</c>.</summary>
    public int? NetworkCardQuantity { get; init; }

    /// <summary>Member ENIs per trunk as Terway counts them: <c>EniTotalQuantity − EniQuantity</c> (0 without trunk support).</summary>
    public int MemberEniLimit => EniTrunkSupported && EniTotalQuantity > EniQuantity ? EniTotalQuantity - EniQuantity : 0;
}

/// <summary>Filters and paging of DescribeInstances (reference §3.10).</summary>
public sealed record DescribeInstancesRequest
{
    /// <summary><c>InstanceIds</c>: sent as a JSON array string (≤ 100).</summary>
    public IReadOnlyList<string>? InstanceIds { get; init; }

    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>VSwitchId</c>.</summary>
    public string? VSwitchId { get; init; }

    /// <summary><c>ZoneId</c>.</summary>
    public string? ZoneId { get; init; }

    /// <summary><c>InstanceType</c>.</summary>
    public string? InstanceType { get; init; }

    /// <summary><c>Status</c>.</summary>
    public string? Status { get; init; }

    /// <summary><c>Tag.N.Key</c>/<c>Tag.N.Value</c>.</summary>
    public IReadOnlyList<CloudTag>? Tags { get; init; }

    /// <summary><c>MaxResults</c> (≤ 100).</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary><c>NextToken</c>.</summary>
    public string? NextToken { get; init; }
}

/// <summary>An ENI as DescribeInstances lists it (<c>NetworkInterfaces.NetworkInterface[]</c>).</summary>
/// <param name="NetworkInterfaceId">ENI ID.</param>
/// <param name="MacAddress">MAC address.</param>
/// <param name="PrimaryIpAddress">Primary IPv4.</param>
/// <param name="Type">Primary or Secondary.</param>
public sealed record InstanceNetworkInterface(string NetworkInterfaceId, string? MacAddress, string? PrimaryIpAddress, string? Type);

/// <summary>An ECS instance (<c>Instances.Instance[]</c>).</summary>
public sealed record EcsInstance
{
    /// <summary><c>InstanceId</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary><c>InstanceType</c>.</summary>
    public string? InstanceType { get; init; }

    /// <summary><c>InstanceTypeFamily</c>.</summary>
    public string? InstanceTypeFamily { get; init; }

    /// <summary><c>RegionId</c>.</summary>
    public string? RegionId { get; init; }

    /// <summary><c>ZoneId</c>.</summary>
    public string? ZoneId { get; init; }

    /// <summary><c>Status</c> (Running, Stopped, ...).</summary>
    public string? Status { get; init; }

    /// <summary><c>HostName</c>.</summary>
    public string? HostName { get; init; }

    /// <summary><c>VpcAttributes.VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>VpcAttributes.VSwitchId</c>.</summary>
    public string? VSwitchId { get; init; }

    /// <summary><c>VpcAttributes.PrivateIpAddress.IpAddress[]</c>.</summary>
    public IReadOnlyList<string> PrivateIpAddresses { get; init; } = [];

    /// <summary><c>SecurityGroupIds.SecurityGroupId[]</c>.</summary>
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    /// <summary><c>NetworkInterfaces.NetworkInterface[]</c>.</summary>
    public IReadOnlyList<InstanceNetworkInterface> NetworkInterfaces { get; init; } = [];

    /// <summary><c>Tags.Tag[]</c>.</summary>
    public IReadOnlyList<CloudTag> Tags { get; init; } = [];
}

/// <summary>DescribeSecurityGroups filters.</summary>
public sealed record DescribeSecurityGroupsRequest
{
    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>SecurityGroupIds</c>, sent as a JSON array string (at most 100).</summary>
    public IReadOnlyList<string>? SecurityGroupIds { get; init; }

    /// <summary><c>MaxResults</c> (1–100).</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary><c>NextToken</c> of the previous page.</summary>
    public string? NextToken { get; init; }
}

/// <summary>One entry of <c>SecurityGroups.SecurityGroup[]</c>.</summary>
public sealed record SecurityGroup
{
    /// <summary><c>SecurityGroupId</c>.</summary>
    public required string SecurityGroupId { get; init; }

    /// <summary><c>VpcId</c>.</summary>
    public string? VpcId { get; init; }

    /// <summary><c>SecurityGroupName</c>.</summary>
    public string? SecurityGroupName { get; init; }

    /// <summary><c>SecurityGroupType</c> (<c>normal</c> or <c>enterprise</c>).</summary>
    public string? SecurityGroupType { get; init; }

    /// <summary><c>Description</c>.</summary>
    public string? Description { get; init; }

    /// <summary><c>ResourceGroupId</c>.</summary>
    public string? ResourceGroupId { get; init; }

    /// <summary><c>CreationTime</c>.</summary>
    public DateTimeOffset? CreationTime { get; init; }
}
