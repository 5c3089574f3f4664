using System.Globalization;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>
/// Renders model snapshots in the exact JSON shapes of the ECS and VPC APIs (reference §2.3, §3,
/// §4): collections wrapped in an object holding a singular-named array, ECS tags as
/// <c>TagKey/TagValue</c>, VPC tags as <c>Key/Value</c>, numbers and booleans as JSON values.
/// </summary>
internal static class Wire
{
    /// <summary>The timestamp format of CreationTime and similar fields.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>{ "Outer": { "Inner": [ ... ] } }</c> — the JSON collection convention.</summary>
    public static JsonObject Set(string inner, IEnumerable<JsonNode?> items) => new() { [inner] = new JsonArray(items.ToArray()) };

    public static JsonObject StringSet(string inner, IEnumerable<string> items) => Set(inner, items.Select(i => (JsonNode?)JsonValue.Create(i)));

    public static JsonObject EcsTags(IEnumerable<CloudTag> tags) =>
        Set("Tag", tags.Select(t => (JsonNode?)new JsonObject { ["TagKey"] = t.Key, ["TagValue"] = t.Value }));

    /// <summary>The per-ENI fields shared by DescribeNetworkInterfaces and DescribeNetworkInterfaceAttribute.</summary>
    public static void WriteEni(JsonObject o, EniSnapshot e, string ownerId, bool withMembers)
    {
        var attached = e.Status is EniStatus.Attaching or EniStatus.InUse or EniStatus.Detaching;
        o["NetworkInterfaceId"] = e.NetworkInterfaceId;
        o["Status"] = e.Status.ToString();
        o["Type"] = e.Type.ToString();
        o["VpcId"] = e.VpcId;
        o["VSwitchId"] = e.VSwitchId;
        o["ZoneId"] = e.ZoneId;
        o["PrivateIpAddress"] = e.PrimaryIpAddress;
        o["MacAddress"] = e.MacAddress;
        o["NetworkInterfaceName"] = e.NetworkInterfaceName ?? string.Empty;
        o["Description"] = e.Description ?? string.Empty;

        // A member ENI reports its instance only in Attachment (clients must read both places).
        o["InstanceId"] = e.Type == EniType.Member ? string.Empty : e.InstanceId ?? string.Empty;
        o["CreationTime"] = Time(e.CreationTime);
        o["ResourceGroupId"] = e.ResourceGroupId ?? string.Empty;
        o["OwnerId"] = ownerId;
        o["ServiceID"] = 0;
        o["ServiceManaged"] = false;
        o["DeleteOnRelease"] = e.DeleteOnRelease;
        o["SourceDestCheck"] = e.SourceDestCheck;
        o["NetworkInterfaceTrafficMode"] = e.NetworkInterfaceTrafficMode;
        o["SecurityGroupIds"] = StringSet("SecurityGroupId", e.SecurityGroupIds);
        o["AssociatedPublicIp"] = new JsonObject();
        o["PrivateIpSets"] = Set("PrivateIpSet", e.PrivateIpAddresses.Select((ip, i) => (JsonNode?)new JsonObject
        {
            ["PrivateIpAddress"] = ip,
            ["Primary"] = i == 0,
            ["AssociatedPublicIp"] = new JsonObject(),
        }));
        o["Ipv6Sets"] = Set("Ipv6Set", e.Ipv6Addresses.Select(ip => (JsonNode?)new JsonObject { ["Ipv6Address"] = ip }));
        o["Ipv4PrefixSets"] = Set("Ipv4PrefixSet", []);
        o["Ipv6PrefixSets"] = Set("Ipv6PrefixSet", []);
        o["Tags"] = EcsTags(e.Tags);
        if (attached || (withMembers && e.Type == EniType.Trunk))
        {
            var attachment = new JsonObject
            {
                ["InstanceId"] = e.InstanceId ?? string.Empty,
                ["DeviceIndex"] = e.DeviceIndex ?? 0,
                ["NetworkCardIndex"] = 0,
                ["TrunkNetworkInterfaceId"] = e.TrunkNetworkInterfaceId ?? string.Empty,
            };
            if (withMembers)
            {
                attachment["MemberNetworkInterfaceIds"] = StringSet("MemberNetworkInterfaceId", e.MemberNetworkInterfaceIds);
            }

            o["Attachment"] = attachment;
        }
    }

    public static JsonObject Eni(EniSnapshot e, string ownerId)
    {
        var o = new JsonObject();
        WriteEni(o, e, ownerId, withMembers: false);
        return o;
    }

    public static JsonObject InstanceType(InstanceTypeDefinition t) => new()
    {
        ["InstanceTypeId"] = t.InstanceTypeId,
        ["InstanceTypeFamily"] = t.InstanceTypeFamily,
        ["CpuCoreCount"] = t.CpuCoreCount,
        ["MemorySize"] = t.MemorySize,
        ["EniQuantity"] = t.EniQuantity,
        ["EniPrivateIpAddressQuantity"] = t.EniPrivateIpAddressQuantity,
        ["EniIpv6AddressQuantity"] = t.EniIpv6AddressQuantity,
        ["EniTotalQuantity"] = t.EniTotalQuantity,
        ["EniTrunkSupported"] = t.EniTrunkSupported,
        ["EriQuantity"] = 0,
        ["NetworkCardQuantity"] = 1,
        ["NetworkCards"] = Set("NetworkCardInfo", [new JsonObject { ["NetworkCardIndex"] = 0 }]),
    };

    public static JsonObject Instance(InstanceSnapshot i, IReadOnlyList<EniSnapshot> enis, string regionId) => new()
    {
        ["InstanceId"] = i.InstanceId,
        ["InstanceName"] = i.InstanceName,
        ["HostName"] = i.HostName,
        ["InstanceType"] = i.InstanceType.InstanceTypeId,
        ["InstanceTypeFamily"] = i.InstanceType.InstanceTypeFamily,
        ["Cpu"] = i.InstanceType.CpuCoreCount,
        ["Memory"] = (int)(i.InstanceType.MemorySize * 1024),
        ["RegionId"] = regionId,
        ["ZoneId"] = i.ZoneId,
        ["Status"] = i.Status,
        ["InstanceNetworkType"] = "vpc",
        // DescribeInstances reports creation time to the minute (doc examples: 2017-12-10T04:04Z).
        ["CreationTime"] = i.CreationTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
        ["VpcAttributes"] = new JsonObject
        {
            ["VpcId"] = i.VpcId,
            ["VSwitchId"] = i.VSwitchId,
            ["PrivateIpAddress"] = StringSet("IpAddress", [i.PrimaryIpAddress]),
            ["NatIpAddress"] = string.Empty,
        },
        ["NetworkInterfaces"] = Set("NetworkInterface", enis.Select(e => (JsonNode?)new JsonObject
        {
            ["NetworkInterfaceId"] = e.NetworkInterfaceId,
            ["MacAddress"] = e.MacAddress,
            ["PrimaryIpAddress"] = e.PrimaryIpAddress,
            ["Type"] = e.Type.ToString(),
            ["PrivateIpSets"] = Set("PrivateIpSet", e.PrivateIpAddresses.Select((ip, n) => (JsonNode?)new JsonObject
            {
                ["PrivateIpAddress"] = ip,
                ["Primary"] = n == 0,
            })),
            ["Ipv6Sets"] = Set("Ipv6Set", e.Ipv6Addresses.Select(ip => (JsonNode?)new JsonObject { ["Ipv6Address"] = ip })),
        })),
        ["SecurityGroupIds"] = StringSet("SecurityGroupId", i.SecurityGroupIds),
        ["Tags"] = Set("Tag", []),
    };

    public static JsonObject VSwitch(VSwitchSnapshot v, string routeTableId, string ownerId) => new()
    {
        ["VSwitchId"] = v.VSwitchId,
        ["VpcId"] = v.VpcId,
        ["ZoneId"] = v.ZoneId,
        ["CidrBlock"] = v.CidrBlock,
        ["Ipv6CidrBlock"] = v.Ipv6CidrBlock ?? string.Empty,
        ["EnabledIpv6"] = v.Ipv6CidrBlock is not null,
        ["AvailableIpAddressCount"] = (long)v.AvailableIpAddressCount,
        ["Status"] = "Available",
        ["VSwitchName"] = v.VSwitchName ?? string.Empty,
        ["Description"] = string.Empty,
        ["CreationTime"] = Time(v.CreationTime),
        ["IsDefault"] = false,
        ["NetworkAclId"] = string.Empty,
        ["OwnerId"] = long.Parse(ownerId, CultureInfo.InvariantCulture),
        ["ResourceGroupId"] = string.Empty,
        ["ShareType"] = string.Empty,
        ["RouteTable"] = new JsonObject { ["RouteTableId"] = routeTableId, ["RouteTableType"] = "System" },
        ["Tags"] = Set("Tag", []),
    };

    public static JsonObject RouteEntry(RouteEntrySnapshot e, string regionId) => new()
    {
        ["RouteEntryId"] = e.RouteEntryId,
        ["RouteTableId"] = e.RouteTableId,
        ["DestinationCidrBlock"] = e.DestinationCidrBlock,
        ["Type"] = e.Type,
        ["Status"] = e.Status,
        ["IpVersion"] = e.IpVersion,
        ["RouteEntryName"] = e.RouteEntryName ?? string.Empty,
        ["Description"] = e.Description ?? string.Empty,
        ["GmtModified"] = Time(e.GmtModified),
        ["Origin"] = e.Type == "System" ? "System" : "Custom",
        ["ServiceType"] = "TRAFFIC",
        ["NextHops"] = Set("NextHop", [new JsonObject
        {
            ["NextHopType"] = e.NextHopType,
            ["NextHopId"] = e.NextHopId,
            ["Enabled"] = 1,
            ["Weight"] = 0,
            ["NextHopRegionId"] = regionId,
            ["NextHopRelatedInfo"] = new JsonObject
            {
                ["InstanceId"] = e.NextHopId,
                ["InstanceType"] = e.NextHopType,
                ["RegionId"] = regionId,
            },
        }]),
    };

    public static JsonObject RouteTable(RouteTableSnapshot t, string ownerId) => new()
    {
        ["RouteTableId"] = t.RouteTableId,
        ["RouteTableName"] = string.Empty,
        ["RouteTableType"] = t.RouteTableType,
        ["RouterId"] = t.VRouterId,
        ["RouterType"] = "VRouter",
        ["VpcId"] = t.VpcId,
        ["Status"] = "Available",
        ["AssociateType"] = "VSwitch",
        ["CreationTime"] = Time(t.CreationTime),
        ["Description"] = string.Empty,
        ["OwnerId"] = long.Parse(ownerId, CultureInfo.InvariantCulture),
        ["ResourceGroupId"] = string.Empty,
        ["RoutePropagationEnable"] = false,
        ["VSwitchIds"] = StringSet("VSwitchId", t.VSwitchIds),
        ["GatewayIds"] = StringSet("GatewayIds", []),
        ["Tags"] = Set("Tag", []),
    };
}
