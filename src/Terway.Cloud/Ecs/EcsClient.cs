using Terway.Cloud.Resilience;
using Terway.Cloud.Transport;

namespace Terway.Cloud.Ecs;

/// <summary>ECS 2014-05-26 operations over the shared invoker.</summary>
internal sealed class EcsClient(OpenApiInvoker invoker) : IEcsClient
{
    private OpenApiRequest New(string action) => new OpenApiRequest(CloudProduct.Ecs, action).Add("RegionId", invoker.RegionId);

    public Task<NetworkInterface> CreateNetworkInterfaceAsync(CreateNetworkInterfaceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.VSwitchId);
        if (request.SecurityGroupIds is not { Count: > 0 })
        {
            throw new ArgumentException("at least one security group is required", nameof(request));
        }

        ValidateTags(request.Tags);
        var call = New("CreateNetworkInterface")
            .Add("VSwitchId", request.VSwitchId)
            .AddList("SecurityGroupIds", request.SecurityGroupIds)
            .Add("InstanceType", request.Type == NetworkInterfaceCreateType.Trunk ? NetworkInterfaceTypes.Trunk : NetworkInterfaceTypes.Secondary)
            .Add("SecondaryPrivateIpAddressCount", request.SecondaryPrivateIpAddressCount)
            .Add("Ipv6AddressCount", request.Ipv6AddressCount)
            .Add("Ipv4PrefixCount", request.Ipv4PrefixCount)
            .Add("Ipv6PrefixCount", request.Ipv6PrefixCount)
            .Add("PrimaryIpAddress", request.PrimaryIpAddress)
            .Add("Description", request.Description)
            .Add("NetworkInterfaceName", request.NetworkInterfaceName)
            .Add("ResourceGroupId", request.ResourceGroupId)
            .Add("DeleteOnRelease", request.DeleteOnRelease)
            .Add("SourceDestCheck", request.SourceDestCheck)
            .Add("NetworkInterfaceTrafficMode", request.TrafficMode)
            .AddTags(Pairs(request.Tags))
            .WithClientToken(request.ClientToken ?? ClientTokens.NewRandom());
        return invoker.InvokeAsync(call, EcsParsers.NetworkInterface, cancellationToken);
    }

    public Task AttachNetworkInterfaceAsync(AttachNetworkInterfaceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.InstanceId);
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("AttachNetworkInterface")
            .Add("InstanceId", request.InstanceId)
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .Add("TrunkNetworkInstanceId", request.TrunkNetworkInstanceId)
            .Add("NetworkCardIndex", request.NetworkCardIndex);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task DetachNetworkInterfaceAsync(DetachNetworkInterfaceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.InstanceId);
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("DetachNetworkInterface")
            .Add("InstanceId", request.InstanceId)
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .Add("TrunkNetworkInstanceId", request.TrunkNetworkInstanceId);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task DeleteNetworkInterfaceAsync(string networkInterfaceId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(networkInterfaceId);
        var call = New("DeleteNetworkInterface").Add("NetworkInterfaceId", networkInterfaceId);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task<CloudPage<NetworkInterface>> DescribeNetworkInterfacesAsync(DescribeNetworkInterfacesRequest request, CancellationToken cancellationToken = default)
    {
        ValidateTags(request.Tags);
        var call = New("DescribeNetworkInterfaces")
            .Add("VpcId", request.VpcId)
            .Add("VSwitchId", request.VSwitchId)
            .Add("InstanceId", request.InstanceId)
            .Add("Type", request.Type)
            .Add("Status", request.Status)
            .Add("SecurityGroupId", request.SecurityGroupId)
            .AddList("NetworkInterfaceId", request.NetworkInterfaceIds)
            .AddList("PrivateIpAddress", request.PrivateIpAddresses)
            .AddTags(Pairs(request.Tags))
            .Add("MaxResults", Math.Clamp(request.MaxResults, 10, 500))
            .Add("NextToken", string.IsNullOrEmpty(request.NextToken) ? null : request.NextToken);
        return invoker.InvokeAsync(call, EcsParsers.NetworkInterfacePage, cancellationToken);
    }

    public IAsyncEnumerable<NetworkInterface> ListNetworkInterfacesAsync(DescribeNetworkInterfacesRequest request, CancellationToken cancellationToken = default) =>
        Paging.ByToken("DescribeNetworkInterfaces", request.NextToken, (token, ct) => DescribeNetworkInterfacesAsync(request with { NextToken = token }, ct), cancellationToken);

    public Task<AssignedPrivateIpAddresses> AssignPrivateIpAddressesAsync(AssignPrivateIpAddressesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("AssignPrivateIpAddresses")
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .Add("SecondaryPrivateIpAddressCount", request.SecondaryPrivateIpAddressCount)
            .AddList("PrivateIpAddress", request.PrivateIpAddresses)
            .Add("Ipv4PrefixCount", request.Ipv4PrefixCount)
            .WithClientToken(request.ClientToken ?? ClientTokens.NewRandom());
        var eni = request.NetworkInterfaceId;
        return invoker.InvokeAsync(call, e => EcsParsers.AssignedPrivateIps(e, eni), cancellationToken);
    }

    public Task UnassignPrivateIpAddressesAsync(UnassignPrivateIpAddressesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("UnassignPrivateIpAddresses")
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .AddList("PrivateIpAddress", request.PrivateIpAddresses)
            .AddList("Ipv4Prefix", request.Ipv4Prefixes);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task<AssignedIpv6Addresses> AssignIpv6AddressesAsync(AssignIpv6AddressesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("AssignIpv6Addresses")
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .Add("Ipv6AddressCount", request.Ipv6AddressCount)
            .AddList("Ipv6Address", request.Ipv6Addresses)
            .Add("Ipv6PrefixCount", request.Ipv6PrefixCount)
            .WithClientToken(request.ClientToken ?? ClientTokens.NewRandom());
        var eni = request.NetworkInterfaceId;
        return invoker.InvokeAsync(call, e => EcsParsers.AssignedIpv6(e, eni), cancellationToken);
    }

    public Task UnassignIpv6AddressesAsync(UnassignIpv6AddressesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.NetworkInterfaceId);
        var call = New("UnassignIpv6Addresses")
            .Add("NetworkInterfaceId", request.NetworkInterfaceId)
            .AddList("Ipv6Address", request.Ipv6Addresses)
            .AddList("Ipv6Prefix", request.Ipv6Prefixes);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task<CloudPage<InstanceTypeInfo>> DescribeInstanceTypesAsync(DescribeInstanceTypesRequest request, CancellationToken cancellationToken = default)
    {
        var call = New("DescribeInstanceTypes")
            .AddList("InstanceTypes", request.InstanceTypes)
            .Add("InstanceTypeFamily", request.InstanceTypeFamily)
            .Add("MaxResults", Math.Clamp(request.MaxResults, 1, 100))
            .Add("NextToken", string.IsNullOrEmpty(request.NextToken) ? null : request.NextToken);
        return invoker.InvokeAsync(call, EcsParsers.InstanceTypePage, cancellationToken);
    }

    public IAsyncEnumerable<InstanceTypeInfo> ListInstanceTypesAsync(DescribeInstanceTypesRequest request, CancellationToken cancellationToken = default) =>
        Paging.ByToken("DescribeInstanceTypes", request.NextToken, (token, ct) => DescribeInstanceTypesAsync(request with { NextToken = token }, ct), cancellationToken);

    public Task<CloudPage<EcsInstance>> DescribeInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken = default)
    {
        ValidateTags(request.Tags);
        var call = New("DescribeInstances")
            .AddJsonArray("InstanceIds", request.InstanceIds)
            .Add("VpcId", request.VpcId)
            .Add("VSwitchId", request.VSwitchId)
            .Add("ZoneId", request.ZoneId)
            .Add("InstanceType", request.InstanceType)
            .Add("Status", request.Status)
            .AddTags(Pairs(request.Tags))
            .Add("MaxResults", Math.Clamp(request.MaxResults, 10, 100))
            .Add("NextToken", string.IsNullOrEmpty(request.NextToken) ? null : request.NextToken);
        return invoker.InvokeAsync(call, EcsParsers.InstancePage, cancellationToken);
    }

    public IAsyncEnumerable<EcsInstance> ListInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken = default) =>
        Paging.ByToken("DescribeInstances", request.NextToken, (token, ct) => DescribeInstancesAsync(request with { NextToken = token }, ct), cancellationToken);

    public Task<CloudPage<SecurityGroup>> DescribeSecurityGroupsAsync(DescribeSecurityGroupsRequest request, CancellationToken cancellationToken = default)
    {
        if (request.SecurityGroupIds is { Count: > 100 })
        {
            throw new ArgumentException($"at most 100 security group IDs per request, got {request.SecurityGroupIds.Count}", nameof(request));
        }

        var call = New("DescribeSecurityGroups")
            .Add("VpcId", request.VpcId)
            .AddJsonArray("SecurityGroupIds", request.SecurityGroupIds)
            .Add("MaxResults", Math.Clamp(request.MaxResults, 1, 100))
            .Add("NextToken", string.IsNullOrEmpty(request.NextToken) ? null : request.NextToken);
        return invoker.InvokeAsync(call, EcsParsers.SecurityGroupPage, cancellationToken);
    }

    public IAsyncEnumerable<SecurityGroup> ListSecurityGroupsAsync(DescribeSecurityGroupsRequest request, CancellationToken cancellationToken = default) =>
        Paging.ByToken("DescribeSecurityGroups", request.NextToken, (token, ct) => DescribeSecurityGroupsAsync(request with { NextToken = token }, ct), cancellationToken);

    internal static IEnumerable<KeyValuePair<string, string>>? Pairs(IReadOnlyList<CloudTag>? tags) =>
        tags?.Select(t => new KeyValuePair<string, string>(t.Key, t.Value));

    internal static void ValidateTags(IReadOnlyList<CloudTag>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > 20)
        {
            throw new ArgumentException($"at most 20 tags per request, got {tags.Count}", nameof(tags));
        }

        foreach (var tag in tags)
        {
            ArgumentException.ThrowIfNullOrEmpty(tag.Key, nameof(tags));
        }
    }
}
