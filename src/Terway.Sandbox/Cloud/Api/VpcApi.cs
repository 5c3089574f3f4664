using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>VPC (2016-04-28) operations per reference §4.</summary>
internal static class VpcApi
{
    public static IReadOnlyList<ApiOperation> Operations { get; } =
    [
        new(CloudProduct.Vpc, "DescribeVSwitches", DescribeVSwitches),
        new(CloudProduct.Vpc, "CreateRouteEntry", CreateRouteEntry, AcceptsClientToken: true),
        new(CloudProduct.Vpc, "DeleteRouteEntry", DeleteRouteEntry),
        new(CloudProduct.Vpc, "DescribeRouteEntryList", DescribeRouteEntryList),
        new(CloudProduct.Vpc, "DescribeRouteTableList", DescribeRouteTableList),
    ];

    private static void DescribeVSwitches(ApiCall call, JsonObject r)
    {
        var p = call.P;
        var vpcId = p.Get("VpcId");
        if (p.Get("RegionId") is null && vpcId is null)
        {
            throw CloudErrors.MissingParameter("RegionId");
        }

        call.CheckRegionIfGiven();
        var vSwitchId = p.Get("VSwitchId");
        var zoneId = p.Get("ZoneId");
        var name = p.Get("VSwitchName");
        var isDefault = p.Bool("IsDefault");
        var routeTableId = p.Get("RouteTableId");
        var enableIpv6 = p.Bool("EnableIpv6");
        var resourceGroupId = p.Get("ResourceGroupId");
        var tags = EcsApi.FilterTags(p);
        var pageNumber = p.Int("PageNumber", 1, int.MaxValue) ?? 1;
        var pageSize = p.Int("PageSize", 1, 50) ?? 10;
        DryRun(p);

        var tables = call.Model.RouteTables().ToDictionary(t => t.VpcId, t => t.RouteTableId, StringComparer.Ordinal);
        var matches = call.Model.VSwitches()
            .Where(v => vpcId is null || v.VpcId == vpcId)
            .Where(v => vSwitchId is null || v.VSwitchId == vSwitchId)
            .Where(v => zoneId is null || v.ZoneId == zoneId)
            .Where(v => name is null || v.VSwitchName == name)
            .Where(_ => isDefault != true) // simulated vSwitches are never default vSwitches
            .Where(v => routeTableId is null || tables[v.VpcId] == routeTableId)
            .Where(v => enableIpv6 is null || (v.Ipv6CidrBlock is not null) == enableIpv6)
            .Where(_ => resourceGroupId is null && tags.Count == 0) // vSwitches carry no resource group or tags
            .ToList();
        r["TotalCount"] = matches.Count;
        r["PageNumber"] = pageNumber;
        r["PageSize"] = pageSize;
        r["VSwitches"] = Wire.Set("VSwitch", matches
            .Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize)
            .Select(v => (JsonNode?)Wire.VSwitch(v, tables[v.VpcId], call.OwnerId)));
    }

    private static void CreateRouteEntry(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.CheckRegionIfGiven();
        var tableId = p.Required("RouteTableId");
        var destination = p.Required("DestinationCidrBlock");
        if (p.Values.Keys.Any(k => k.StartsWith("NextHopList.", StringComparison.Ordinal)))
        {
            throw new CloudErrorException("UnsupportedParameter", 400,
                "The parameter \"NextHopList.N\" is not supported: the region simulator does not model ECMP routes.");
        }

        var name = p.Get("RouteEntryName");
        if (name is not null && name.Length > 128)
        {
            throw CloudErrors.InvalidParameter("RouteEntryName", "It must be 1-128 characters.");
        }

        var description = p.Get("Description");
        if (description is not null && description.Length > 256)
        {
            throw CloudErrors.InvalidParameter("Description", "It must be 1-256 characters.");
        }

        RegionModel.NormalizeDestination(destination);
        DryRun(p);
        var id = call.Model.CreateRouteEntry(new CreateRouteArgs
        {
            RouteTableId = tableId,
            DestinationCidrBlock = destination,
            NextHopType = p.Get("NextHopType") ?? "Instance",
            NextHopId = p.Get("NextHopId"),
            RouteEntryName = name,
            Description = description,
        });
        r["RouteEntryId"] = id;
    }

    private static void DeleteRouteEntry(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.CheckRegionIfGiven();
        var entryId = p.Get("RouteEntryId");
        var tableId = p.Get("RouteTableId");
        var destination = p.Get("DestinationCidrBlock");
        if (entryId is null)
        {
            if (tableId is null)
            {
                throw CloudErrors.MissingParameter("RouteTableId");
            }

            if (destination is null)
            {
                throw CloudErrors.MissingParameter("DestinationCidrBlock");
            }
        }

        if (p.Values.Keys.Any(k => k.StartsWith("NextHopList.", StringComparison.Ordinal)))
        {
            throw new CloudErrorException("UnsupportedParameter", 400,
                "The parameter \"NextHopList.N\" is not supported: the region simulator does not model ECMP routes.");
        }

        DryRun(p);
        call.Model.DeleteRouteEntry(entryId, tableId, destination, p.Get("NextHopId"));
    }

    private static void DescribeRouteEntryList(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var tableId = p.Required("RouteTableId");
        var entryId = p.Get("RouteEntryId");
        var destination = p.Get("DestinationCidrBlock") is { } d ? RegionModel.NormalizeDestination(d).Destination : null;
        var destinations = p.List("DestCidrBlockList", 20).Select(x => RegionModel.NormalizeDestination(x).Destination).ToList();
        var name = p.Get("RouteEntryName");
        var ipVersion = p.OneOf("IpVersion", "ipv4", "ipv6", "IPv4", "IPv6")?.ToLowerInvariant();
        var type = p.OneOf("RouteEntryType", "Custom", "System", "BGP", "CEN", "ECR");
        var nextHopId = p.Get("NextHopId");
        var nextHopType = p.Get("NextHopType");
        var maxResult = p.Int("MaxResult", 1, 100) ?? 10;
        var after = p.Get("NextToken") is { } token ? PageToken.Decode("rte", token) : 0;

        var table = call.Model.RouteTable(tableId) ?? throw CloudErrors.RouteTableNotFound(tableId);
        var matches = table.Entries
            .Where(e => entryId is null || e.RouteEntryId == entryId)
            .Where(e => destination is null || e.DestinationCidrBlock == destination)
            .Where(e => destinations.Count == 0 || destinations.Contains(e.DestinationCidrBlock))
            .Where(e => name is null || e.RouteEntryName == name)
            .Where(e => ipVersion is null || e.IpVersion == ipVersion)
            .Where(e => type is null || e.Type == type)
            .Where(e => nextHopId is null || e.NextHopId == nextHopId)
            .Where(e => nextHopType is null || e.NextHopType == nextHopType)
            .ToList();
        var rest = matches.Where(e => e.Order > after).ToList();
        var page = rest.Take(maxResult).ToList();
        r["NextToken"] = rest.Count > maxResult ? PageToken.Encode("rte", page[^1].Order) : string.Empty;
        r["RouteEntrys"] = Wire.Set("RouteEntry", page.Select(e => (JsonNode?)Wire.RouteEntry(e, call.RegionId)));
    }

    private static void DescribeRouteTableList(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var vpcId = p.Get("VpcId");
        var routerId = p.Get("RouterId");
        var routerType = p.OneOf("RouterType", "VRouter", "VBR") ?? "VRouter";
        var tableId = p.Get("RouteTableId");
        var tableName = p.Get("RouteTableName");
        var tableType = p.OneOf("RouteTableType", "System", "Custom");
        var resourceGroupId = p.Get("ResourceGroupId");
        var tags = EcsApi.FilterTags(p);
        var pageNumber = p.Int("PageNumber", 1, int.MaxValue) ?? 1;
        var pageSize = p.Int("PageSize", 1, 50) ?? 10;

        var matches = call.Model.RouteTables()
            .Where(_ => routerType == "VRouter")
            .Where(t => vpcId is null || t.VpcId == vpcId)
            .Where(t => routerId is null || t.VRouterId == routerId)
            .Where(t => tableId is null || t.RouteTableId == tableId)
            .Where(_ => tableName is null) // simulated tables have no name
            .Where(t => tableType is null || t.RouteTableType == tableType)
            .Where(_ => resourceGroupId is null && tags.Count == 0)
            .ToList();
        r["TotalCount"] = matches.Count;
        r["PageNumber"] = pageNumber;
        r["PageSize"] = pageSize;
        r["RouterTableList"] = Wire.Set("RouterTableListType", matches
            .Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize)
            .Select(t => (JsonNode?)Wire.RouteTable(t, call.OwnerId)));
    }

    /// <summary>With <c>DryRun=true</c> the request stops after its parameters were checked.</summary>
    private static void DryRun(ApiParameters p)
    {
        if (p.Bool("DryRun") == true)
        {
            throw new CloudErrorException("DryRunOperation", 400, "Request validation has been passed with DryRun flag set.");
        }
    }
}
