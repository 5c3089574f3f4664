using System.Text.Json;
using Terway.Cloud.Json;

namespace Terway.Cloud.Ecs;

/// <summary>Maps ECS JSON (as the API returns it) to the domain records.</summary>
internal static class EcsParsers
{
    public static NetworkInterface NetworkInterface(JsonElement e)
    {
        var attachment = e.Prop("Attachment") is { ValueKind: JsonValueKind.Object } a
            ? new NetworkInterfaceAttachment
            {
                InstanceId = a.Str("InstanceId"),
                DeviceIndex = a.Int("DeviceIndex"),
                NetworkCardIndex = a.Int("NetworkCardIndex"),
                TrunkNetworkInterfaceId = a.Str("TrunkNetworkInterfaceId"),
            }
            : null;
        if (attachment is { InstanceId: null, DeviceIndex: null, NetworkCardIndex: null, TrunkNetworkInterfaceId: null })
        {
            attachment = null;
        }

        var instanceId = e.Str("InstanceId");
        return new NetworkInterface
        {
            NetworkInterfaceId = e.RequireStr("NetworkInterfaceId"),
            Status = e.Str("Status"),
            Type = e.Str("Type"),
            VpcId = e.Str("VpcId"),
            VSwitchId = e.Str("VSwitchId"),
            ZoneId = e.Str("ZoneId"),
            PrimaryIpAddress = e.Str("PrivateIpAddress"),
            MacAddress = e.Str("MacAddress"),
            InstanceId = string.IsNullOrEmpty(instanceId) ? attachment?.InstanceId : instanceId,
            Description = e.Str("Description"),
            NetworkInterfaceName = e.Str("NetworkInterfaceName"),
            ResourceGroupId = e.Str("ResourceGroupId"),
            CreationTime = e.Time("CreationTime"),
            DeleteOnRelease = e.Bool("DeleteOnRelease"),
            SourceDestCheck = e.Bool("SourceDestCheck"),
            ServiceManaged = e.Bool("ServiceManaged"),
            TrafficMode = e.Str("NetworkInterfaceTrafficMode"),
            SecurityGroupIds = e.Strings("SecurityGroupIds", "SecurityGroupId"),
            PrivateIps = e.Items("PrivateIpSets", "PrivateIpSet").Select(p => new PrivateIp(p.RequireStr("PrivateIpAddress"), p.Bool("Primary") ?? false)).ToList(),
            Ipv6Addresses = e.Items("Ipv6Sets", "Ipv6Set").Select(p => p.RequireStr("Ipv6Address")).ToList(),
            Ipv4Prefixes = e.Items("Ipv4PrefixSets", "Ipv4PrefixSet").Select(p => p.RequireStr("Ipv4Prefix")).ToList(),
            Ipv6Prefixes = e.Items("Ipv6PrefixSets", "Ipv6PrefixSet").Select(p => p.RequireStr("Ipv6Prefix")).ToList(),
            Tags = EcsTags(e),
            Attachment = attachment,
        };
    }

    public static List<CloudTag> EcsTags(JsonElement e) =>
        e.Items("Tags", "Tag").Select(t => new CloudTag(t.RequireStr("TagKey"), t.Str("TagValue") ?? string.Empty)).ToList();

    public static CloudPage<NetworkInterface> NetworkInterfacePage(JsonElement e) => new(
        e.Items("NetworkInterfaceSets", "NetworkInterfaceSet").Select(NetworkInterface).ToList(),
        e.Str("NextToken"),
        e.Int("TotalCount"),
        e.Str("RequestId"));

    public static AssignedPrivateIpAddresses AssignedPrivateIps(JsonElement e, string networkInterfaceId)
    {
        if (e.Prop("AssignedPrivateIpAddressesSet") is not { ValueKind: JsonValueKind.Object } set)
        {
            throw new Json.MissingFieldException("AssignedPrivateIpAddressesSet");
        }

        return new AssignedPrivateIpAddresses(
            set.Str("NetworkInterfaceId") ?? networkInterfaceId,
            set.Strings("PrivateIpSet", "PrivateIpAddress"),
            set.Strings("Ipv4PrefixSet", "Ipv4Prefixes"));
    }

    public static AssignedIpv6Addresses AssignedIpv6(JsonElement e, string networkInterfaceId) => new(
        e.Str("NetworkInterfaceId") ?? networkInterfaceId,
        e.Strings("Ipv6Sets", "Ipv6Address"),
        e.Strings("Ipv6PrefixSets", "Ipv6Prefix"));

    public static InstanceTypeInfo InstanceType(JsonElement e) => new()
    {
        InstanceTypeId = e.RequireStr("InstanceTypeId"),
        InstanceTypeFamily = e.Str("InstanceTypeFamily"),
        CpuCoreCount = e.Int("CpuCoreCount"),
        MemorySize = e.Prop("MemorySize") is { ValueKind: JsonValueKind.Number } m ? m.GetDouble() : null,
        EniQuantity = e.Int("EniQuantity") ?? 0,
        EniPrivateIpAddressQuantity = e.Int("EniPrivateIpAddressQuantity") ?? 0,
        EniIpv6AddressQuantity = e.Int("EniIpv6AddressQuantity") ?? 0,
        EniTotalQuantity = e.Int("EniTotalQuantity") ?? 0,
        EniTrunkSupported = e.Bool("EniTrunkSupported") ?? false,
        EriQuantity = e.Int("EriQuantity") ?? 0,
        NetworkCardQuantity = e.Int("NetworkCardQuantity"),
    };

    public static CloudPage<InstanceTypeInfo> InstanceTypePage(JsonElement e) => new(
        e.Items("InstanceTypes", "InstanceType").Select(InstanceType).ToList(),
        e.Str("NextToken"),
        e.Int("TotalCount"),
        e.Str("RequestId"));

    public static EcsInstance Instance(JsonElement e)
    {
        var vpc = e.Prop("VpcAttributes") is { ValueKind: JsonValueKind.Object } v ? v : default;
        var hasVpc = vpc.ValueKind == JsonValueKind.Object;
        return new EcsInstance
        {
            InstanceId = e.RequireStr("InstanceId"),
            InstanceType = e.Str("InstanceType"),
            InstanceTypeFamily = e.Str("InstanceTypeFamily"),
            RegionId = e.Str("RegionId"),
            ZoneId = e.Str("ZoneId"),
            Status = e.Str("Status"),
            HostName = e.Str("HostName"),
            VpcId = hasVpc ? vpc.Str("VpcId") : null,
            VSwitchId = hasVpc ? vpc.Str("VSwitchId") : null,
            PrivateIpAddresses = hasVpc ? vpc.Strings("PrivateIpAddress", "IpAddress") : [],
            SecurityGroupIds = e.Strings("SecurityGroupIds", "SecurityGroupId"),
            NetworkInterfaces = e.Items("NetworkInterfaces", "NetworkInterface")
                .Select(n => new InstanceNetworkInterface(n.RequireStr("NetworkInterfaceId"), n.Str("MacAddress"), n.Str("PrimaryIpAddress"), n.Str("Type")))
                .ToList(),
            Tags = EcsTags(e),
        };
    }

    public static CloudPage<EcsInstance> InstancePage(JsonElement e) => new(
        e.Items("Instances", "Instance").Select(Instance).ToList(),
        e.Str("NextToken"),
        e.Int("TotalCount"),
        e.Str("RequestId"));

    public static SecurityGroup SecurityGroup(JsonElement e) => new()
    {
        SecurityGroupId = e.RequireStr("SecurityGroupId"),
        VpcId = e.Str("VpcId"),
        SecurityGroupName = e.Str("SecurityGroupName"),
        SecurityGroupType = e.Str("SecurityGroupType"),
        Description = e.Str("Description"),
        ResourceGroupId = e.Str("ResourceGroupId"),
        CreationTime = e.Time("CreationTime"),
    };

    public static CloudPage<SecurityGroup> SecurityGroupPage(JsonElement e) => new(
        e.Items("SecurityGroups", "SecurityGroup").Select(SecurityGroup).ToList(),
        e.Str("NextToken"),
        e.Int("TotalCount"),
        e.Str("RequestId"));
}
