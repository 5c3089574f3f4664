namespace Terway.Cloud.Vpc;

/// <summary>The VPC 2016-04-28 operations Terway needs; same error, retry and rate-limit behaviour as <see cref="Ecs.IEcsClient"/>.</summary>
public interface IVpcClient
{
    /// <summary>DescribeVSwitches: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<VSwitch>> DescribeVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeVSwitches over all pages.</summary>
    /// <param name="request">Filters; <c>PageNumber</c> is ignored.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<VSwitch> ListVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default);

    /// <summary>CreateRouteEntry; returns the new <c>RouteEntryId</c>.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<string> CreateRouteEntryAsync(CreateRouteEntryRequest request, CancellationToken cancellationToken = default);

    /// <summary>DeleteRouteEntry.</summary>
    /// <param name="request">Parameters.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task DeleteRouteEntryAsync(DeleteRouteEntryRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeRouteEntryList: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<RouteEntry>> DescribeRouteEntryListAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeRouteEntryList over all pages.</summary>
    /// <param name="request">Filters.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<RouteEntry> ListRouteEntriesAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeRouteTableList: one page.</summary>
    /// <param name="request">Filters and paging.</param>
    /// <param name="cancellationToken">Cancels waiting and retries.</param>
    Task<CloudPage<RouteTable>> DescribeRouteTableListAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default);

    /// <summary>DescribeRouteTableList over all pages.</summary>
    /// <param name="request">Filters; <c>PageNumber</c> is ignored.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    IAsyncEnumerable<RouteTable> ListRouteTablesAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default);
}
