namespace Terway.Sandbox.Cloud;

/// <summary>A VPC of the simulated region, with its system route table.</summary>
public sealed record VpcDefinition
{
    /// <summary>The VPC ID, e.g. <c>vpc-bp1sandbox01</c>.</summary>
    public required string VpcId { get; init; }

    /// <summary>The IPv4 CIDR block of the VPC; every vSwitch CIDR lies inside it.</summary>
    public required string CidrBlock { get; init; }

    /// <summary>The IPv6 CIDR block (a /56), or null for an IPv4-only VPC.</summary>
    public string? Ipv6CidrBlock { get; init; }

    /// <summary>The ID of the VPC's system route table; derived from the VPC ID when null.</summary>
    public string? RouteTableId { get; init; }

    /// <summary>The ID of the VPC's vRouter; derived from the VPC ID when null.</summary>
    public string? VRouterId { get; init; }
}

/// <summary>A vSwitch: a subnet of a VPC in one zone.</summary>
public sealed record VSwitchDefinition
{
    /// <summary>The vSwitch ID.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>The zone, e.g. <c>cn-hangzhou-h</c>.</summary>
    public required string ZoneId { get; init; }

    /// <summary>The IPv4 CIDR block (/16 … /29), inside the VPC's block.</summary>
    public required string CidrBlock { get; init; }

    /// <summary>The IPv6 CIDR block (a /64), or null when the vSwitch has no IPv6.</summary>
    public string? Ipv6CidrBlock { get; init; }

    /// <summary>The owning VPC; the region's first VPC when null.</summary>
    public string? VpcId { get; init; }

    /// <summary>The vSwitch name shown by DescribeVSwitches.</summary>
    public string? VSwitchName { get; init; }
}

/// <summary>A VPC security group.</summary>
public sealed record SecurityGroupDefinition
{
    /// <summary>The security group ID.</summary>
    public required string SecurityGroupId { get; init; }

    /// <summary>The owning VPC; the region's first VPC when null.</summary>
    public string? VpcId { get; init; }

    /// <summary>A display name.</summary>
    public string? SecurityGroupName { get; init; }
}

/// <summary>An ECS instance. Its primary ENI is created with it, in its primary vSwitch.</summary>
public sealed record InstanceDefinition
{
    /// <summary>The instance ID, e.g. <c>i-bp1sandbox01</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The instance type, e.g. <c>ecs.g7.xlarge</c>; must be a built-in type or one defined in the options.</summary>
    public required string InstanceType { get; init; }

    /// <summary>The zone; must equal the primary vSwitch's zone.</summary>
    public required string ZoneId { get; init; }

    /// <summary>The vSwitch of the primary ENI.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>Security groups of the primary ENI; the region's first group when empty.</summary>
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    /// <summary>The primary private IP; a free address of the vSwitch when null.</summary>
    public string? PrimaryIpAddress { get; init; }

    /// <summary>Instance status: <c>Running</c> (default), <c>Stopped</c>, <c>Pending</c>, <c>Starting</c>, <c>Stopping</c>.</summary>
    public string Status { get; init; } = "Running";

    /// <summary>Host name; the instance ID when null.</summary>
    public string? HostName { get; init; }

    /// <summary>Instance name; the instance ID when null.</summary>
    public string? InstanceName { get; init; }
}

/// <summary>
/// The ENI limits of an instance type, as DescribeInstanceTypes reports them (reference §8.1).
/// </summary>
public sealed record InstanceTypeDefinition
{
    /// <summary>The type ID, e.g. <c>ecs.g7.xlarge</c>.</summary>
    public required string InstanceTypeId { get; init; }

    /// <summary>The family, e.g. <c>ecs.g7</c>.</summary>
    public required string InstanceTypeFamily { get; init; }

    /// <summary>vCPUs.</summary>
    public int CpuCoreCount { get; init; }

    /// <summary>Memory in GiB.</summary>
    public double MemorySize { get; init; }

    /// <summary>Maximum attached ENIs (primary + secondary + trunk).</summary>
    public required int EniQuantity { get; init; }

    /// <summary>Maximum IPv4 addresses per attached ENI, the primary address included.</summary>
    public required int EniPrivateIpAddressQuantity { get; init; }

    /// <summary>Maximum IPv6 addresses per attached ENI.</summary>
    public required int EniIpv6AddressQuantity { get; init; }

    /// <summary>Maximum ENIs including trunk member ENIs; members per trunk = this − <see cref="EniQuantity"/>.</summary>
    public required int EniTotalQuantity { get; init; }

    /// <summary>Whether a trunk ENI can be attached.</summary>
    public required bool EniTrunkSupported { get; init; }
}

/// <summary>An AccessKey pair the simulator accepts (optionally an STS temporary credential).</summary>
public sealed record AccessKeyDefinition
{
    /// <summary>The AccessKey ID.</summary>
    public required string AccessKeyId { get; init; }

    /// <summary>The AccessKey secret.</summary>
    public required string AccessKeySecret { get; init; }

    /// <summary>For an STS credential: the security token every request must carry.</summary>
    public string? SecurityToken { get; init; }

    /// <summary>For an STS credential: when it stops being accepted.</summary>
    public DateTimeOffset? Expiration { get; init; }

    /// <summary>A disabled key is rejected with <c>InvalidAccessKeyId.Inactive</c>.</summary>
    public bool Enabled { get; init; } = true;
}
