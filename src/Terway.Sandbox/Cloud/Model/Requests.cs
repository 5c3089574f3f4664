namespace Terway.Sandbox.Cloud.Model;

/// <summary>What CreateNetworkInterface asks for, after the API layer checked the syntax.</summary>
internal sealed record CreateEniArgs
{
    public required string VSwitchId { get; init; }

    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    public EniType InstanceType { get; init; } = EniType.Secondary;

    public string? PrimaryIpAddress { get; init; }

    public IReadOnlyList<string> PrivateIpAddresses { get; init; } = [];

    public int SecondaryPrivateIpAddressCount { get; init; }

    public IReadOnlyList<string> Ipv6Addresses { get; init; } = [];

    public int Ipv6AddressCount { get; init; }

    public IReadOnlyList<CloudTag> Tags { get; init; } = [];

    public string? Description { get; init; }

    public string? NetworkInterfaceName { get; init; }

    public string? ResourceGroupId { get; init; }

    public bool DeleteOnRelease { get; init; }

    public bool SourceDestCheck { get; init; }

    public string TrafficMode { get; init; } = "Standard";
}

/// <summary>DescribeNetworkInterfaces filters; null or empty means "any".</summary>
internal sealed record EniFilter
{
    public IReadOnlyList<string> NetworkInterfaceIds { get; init; } = [];

    public string? InstanceId { get; init; }

    public string? VpcId { get; init; }

    public string? VSwitchId { get; init; }

    public string? SecurityGroupId { get; init; }

    public string? PrimaryIpAddress { get; init; }

    public string? NetworkInterfaceName { get; init; }

    public string? ResourceGroupId { get; init; }

    public IReadOnlyList<string> PrivateIpAddresses { get; init; } = [];

    public IReadOnlyList<string> Ipv6Addresses { get; init; } = [];

    public EniType? Type { get; init; }

    public EniStatus? Status { get; init; }

    /// <summary>Tag filters; a null value matches any value of the key.</summary>
    public IReadOnlyList<(string Key, string? Value)> Tags { get; init; } = [];

    /// <summary>ServiceManaged=true matches nothing: the simulator has no service-managed ENIs.</summary>
    public bool? ServiceManaged { get; init; }
}

/// <summary>One page of an ENI query.</summary>
internal sealed record EniPage(IReadOnlyList<EniSnapshot> Items, long? NextAfterSeq, int TotalCount);

/// <summary>What CreateRouteEntry asks for.</summary>
internal sealed record CreateRouteArgs
{
    public required string RouteTableId { get; init; }

    public required string DestinationCidrBlock { get; init; }

    public string NextHopType { get; init; } = "Instance";

    public string? NextHopId { get; init; }

    public string? RouteEntryName { get; init; }

    public string? Description { get; init; }
}
