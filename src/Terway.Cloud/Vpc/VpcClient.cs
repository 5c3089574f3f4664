using System.Text.Json;
using Terway.Cloud.Ecs;
using Terway.Cloud.Json;
using Terway.Cloud.Resilience;
using Terway.Cloud.Transport;

namespace Terway.Cloud.Vpc;

/// <summary>VPC 2016-04-28 operations over the shared invoker.</summary>
internal sealed class VpcClient(OpenApiInvoker invoker) : IVpcClient
{
    private OpenApiRequest New(string action) => new OpenApiRequest(CloudProduct.Vpc, action).Add("RegionId", invoker.RegionId);

    public Task<CloudPage<VSwitch>> DescribeVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default)
    {
        EcsClient.ValidateTags(request.Tags);
        var call = New("DescribeVSwitches")
            .Add("VpcId", request.VpcId)
            .Add("VSwitchId", request.VSwitchId)
            .Add("ZoneId", request.ZoneId)
            .AddTags(EcsClient.Pairs(request.Tags))
            .Add("PageNumber", Math.Max(1, request.PageNumber))
            .Add("PageSize", Math.Clamp(request.PageSize, 1, 50));
        return invoker.InvokeAsync(call, static e => new CloudPage<VSwitch>(e.Items("VSwitches", "VSwitch").Select(ParseVSwitch).ToList(), null, e.Int("TotalCount"), e.Str("RequestId")), cancellationToken);
    }

    public IAsyncEnumerable<VSwitch> ListVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(request.PageSize, 1, 50);
        return Paging.ByPageNumber(size, (n, ct) => DescribeVSwitchesAsync(request with { PageNumber = n, PageSize = size }, ct), cancellationToken);
    }

    public Task<string> CreateRouteEntryAsync(CreateRouteEntryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.RouteTableId);
        ArgumentException.ThrowIfNullOrEmpty(request.DestinationCidrBlock);
        ArgumentException.ThrowIfNullOrEmpty(request.NextHopId);
        var call = New("CreateRouteEntry")
            .Add("RouteTableId", request.RouteTableId)
            .Add("DestinationCidrBlock", request.DestinationCidrBlock)
            .Add("NextHopType", request.NextHopType)
            .Add("NextHopId", request.NextHopId)
            .Add("RouteEntryName", request.RouteEntryName)
            .Add("Description", request.Description)
            .WithClientToken(request.ClientToken ?? ClientTokens.NewRandom());
        return invoker.InvokeAsync(call, static e => e.RequireStr("RouteEntryId"), cancellationToken);
    }

    public Task DeleteRouteEntryAsync(DeleteRouteEntryRequest request, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(request.RouteEntryId) && (string.IsNullOrEmpty(request.RouteTableId) || string.IsNullOrEmpty(request.DestinationCidrBlock)))
        {
            throw new ArgumentException("DeleteRouteEntry needs RouteEntryId, or RouteTableId and DestinationCidrBlock", nameof(request));
        }

        var call = New("DeleteRouteEntry")
            .Add("RouteEntryId", request.RouteEntryId)
            .Add("RouteTableId", request.RouteTableId)
            .Add("DestinationCidrBlock", request.DestinationCidrBlock)
            .Add("NextHopId", request.NextHopId);
        return invoker.InvokeAsync(call, static _ => true, cancellationToken);
    }

    public Task<CloudPage<RouteEntry>> DescribeRouteEntryListAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.RouteTableId);
        var call = New("DescribeRouteEntryList")
            .Add("RouteTableId", request.RouteTableId)
            .Add("RouteEntryId", request.RouteEntryId)
            .Add("DestinationCidrBlock", request.DestinationCidrBlock)
            .Add("RouteEntryType", request.RouteEntryType)
            .Add("NextHopId", request.NextHopId)
            .Add("NextHopType", request.NextHopType)
            .Add("IpVersion", request.IpVersion)
            .Add("MaxResult", Math.Clamp(request.MaxResult, 1, 100))
            .Add("NextToken", string.IsNullOrEmpty(request.NextToken) ? null : request.NextToken);
        return invoker.InvokeAsync(call, static e => new CloudPage<RouteEntry>(e.Items("RouteEntrys", "RouteEntry").Select(ParseRouteEntry).ToList(), e.Str("NextToken"), e.Int("TotalCount"), e.Str("RequestId")), cancellationToken);
    }

    public IAsyncEnumerable<RouteEntry> ListRouteEntriesAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default) =>
        Paging.ByToken("DescribeRouteEntryList", request.NextToken, (token, ct) => DescribeRouteEntryListAsync(request with { NextToken = token }, ct), cancellationToken);

    public Task<CloudPage<RouteTable>> DescribeRouteTableListAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default)
    {
        var call = New("DescribeRouteTableList")
            .Add("VpcId", request.VpcId)
            .Add("RouterId", request.RouterId)
            .Add("RouterType", request.RouterType)
            .Add("RouteTableId", request.RouteTableId)
            .Add("RouteTableName", request.RouteTableName)
            .Add("RouteTableType", request.RouteTableType)
            .Add("PageNumber", Math.Max(1, request.PageNumber))
            .Add("PageSize", Math.Clamp(request.PageSize, 1, 50));
        return invoker.InvokeAsync(call, static e => new CloudPage<RouteTable>(e.Items("RouterTableList", "RouterTableListType").Select(ParseRouteTable).ToList(), null, e.Int("TotalCount"), e.Str("RequestId")), cancellationToken);
    }

    public IAsyncEnumerable<RouteTable> ListRouteTablesAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(request.PageSize, 1, 50);
        return Paging.ByPageNumber(size, (n, ct) => DescribeRouteTableListAsync(request with { PageNumber = n, PageSize = size }, ct), cancellationToken);
    }

    private static List<CloudTag> VpcTags(JsonElement e) =>
        e.Items("Tags", "Tag").Select(t => new CloudTag(t.RequireStr("Key"), t.Str("Value") ?? string.Empty)).ToList();

    internal static VSwitch ParseVSwitch(JsonElement e) => new()
    {
        VSwitchId = e.RequireStr("VSwitchId"),
        VpcId = e.Str("VpcId"),
        ZoneId = e.Str("ZoneId"),
        CidrBlock = e.Str("CidrBlock"),
        Ipv6CidrBlock = e.Str("Ipv6CidrBlock"),
        AvailableIpAddressCount = e.Long("AvailableIpAddressCount") ?? 0,
        Status = e.Str("Status"),
        VSwitchName = e.Str("VSwitchName"),
        Description = e.Str("Description"),
        IsDefault = e.Bool("IsDefault"),
        EnabledIpv6 = e.Bool("EnabledIpv6"),
        CreationTime = e.Time("CreationTime"),
        RouteTableId = e.Prop("RouteTable") is { ValueKind: JsonValueKind.Object } rt ? rt.Str("RouteTableId") : null,
        Tags = VpcTags(e),
    };

    internal static RouteEntry ParseRouteEntry(JsonElement e) => new()
    {
        RouteEntryId = e.Str("RouteEntryId"),
        RouteTableId = e.Str("RouteTableId"),
        DestinationCidrBlock = e.RequireStr("DestinationCidrBlock"),
        Type = e.Str("Type"),
        Status = e.Str("Status"),
        IpVersion = e.Str("IpVersion"),
        RouteEntryName = e.Str("RouteEntryName"),
        Description = e.Str("Description"),
        NextHops = e.Items("NextHops", "NextHop").Select(h => new RouteNextHop(h.Str("NextHopType"), h.Str("NextHopId"), h.Int("Enabled"), h.Int("Weight"))).ToList(),
    };

    internal static RouteTable ParseRouteTable(JsonElement e) => new()
    {
        RouteTableId = e.RequireStr("RouteTableId"),
        RouteTableName = e.Str("RouteTableName"),
        RouteTableType = e.Str("RouteTableType"),
        RouterId = e.Str("RouterId"),
        RouterType = e.Str("RouterType"),
        VpcId = e.Str("VpcId"),
        Status = e.Str("Status"),
        Description = e.Str("Description"),
        VSwitchIds = e.Strings("VSwitchIds", "VSwitchId"),
        Tags = VpcTags(e),
    };
}
