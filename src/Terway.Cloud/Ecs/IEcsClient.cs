namespace Terway.Cloud.Ecs;

/// <summary>
/// The ECS operations Terway needs. Every method signs, rate-limits, retries (same ClientToken) and throws
/// <see cref="Errors.CloudApiException"/> on failure; <c>RegionId</c> comes from the options.
/// </summary>
public interface IEcsClient
{
    /// <summary>CreateNetworkInterface: creates a Secondary or Trunk ENI (synchronous; the ENI is <c>Available</c>).</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<NetworkInterface> CreateNetworkInterfaceAsync(CreateNetworkInterfaceRequest request, CancellationToken cancellationToken = default);

    /// <summary>AttachNetworkInterface (asynchronous on the cloud side).</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task AttachNetworkInterfaceAsync(AttachNetworkInterfaceRequest request, CancellationToken cancellationToken = default);

    /// <summary>DetachNetworkInterface (asynchronous on the cloud side).</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task DetachNetworkInterfaceAsync(DetachNetworkInterfaceRequest request, CancellationToken cancellationToken = default);

    /// <summary>DeleteNetworkInterface (the ENI must be <c>Available</c>).</summary>
    /// <param name="networkInterfaceId">ENI ID.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task DeleteNetworkInterfaceAsync(string networkInterfaceId, CancellationToken cancellationToken = default);

    /// <summary>DescribeNetworkInterfaces: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<NetworkInterface>> DescribeNetworkInterfacesAsync(DescribeNetworkInterfacesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeNetworkInterfaces over all pages (follows <c>NextToken</c>).</summary>
    /// <param name="request">Filters; <c>NextToken</c> is the starting point.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<NetworkInterface> ListNetworkInterfacesAsync(DescribeNetworkInterfacesRequest request, CancellationToken cancellationToken = default);

    /// <summary>AssignPrivateIpAddresses.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<AssignedPrivateIpAddresses> AssignPrivateIpAddressesAsync(AssignPrivateIpAddressesRequest request, CancellationToken cancellationToken = default);

    /// <summary>UnassignPrivateIpAddresses.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task UnassignPrivateIpAddressesAsync(UnassignPrivateIpAddressesRequest request, CancellationToken cancellationToken = default);

    /// <summary>AssignIpv6Addresses.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<AssignedIpv6Addresses> AssignIpv6AddressesAsync(AssignIpv6AddressesRequest request, CancellationToken cancellationToken = default);

    /// <summary>UnassignIpv6Addresses.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task UnassignIpv6AddressesAsync(UnassignIpv6AddressesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeInstanceTypes: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<InstanceTypeInfo>> DescribeInstanceTypesAsync(DescribeInstanceTypesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeInstanceTypes over all pages.</summary>
    /// <param name="request">Filters.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<InstanceTypeInfo> ListInstanceTypesAsync(DescribeInstanceTypesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeInstances: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<EcsInstance>> DescribeInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeInstances over all pages.</summary>
    /// <param name="request">Filters.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<EcsInstance> ListInstancesAsync(DescribeInstancesRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// DescribeSecurityGroups: security groups by ID (a JSON-array parameter, at most 100) and/or VPC. IDs that do
    /// not exist are simply absent from the answer, which is how callers check that groups exist.
    /// </summary>
    Task<CloudPage<SecurityGroup>> DescribeSecurityGroupsAsync(DescribeSecurityGroupsRequest request, CancellationToken cancellationToken = default);

    /// <summary>Every page of <see cref="DescribeSecurityGroupsAsync"/>.</summary>
    IAsyncEnumerable<SecurityGroup> ListSecurityGroupsAsync(DescribeSecurityGroupsRequest request, CancellationToken cancellationToken = default);
}
