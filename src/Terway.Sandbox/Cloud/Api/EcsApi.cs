using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>ECS (2014-05-26) operations: parameter parsing per reference §3, model call, response shape.</summary>
internal static class EcsApi
{
    private const int MaxSecurityGroupsPerEni = 5;

    public static IReadOnlyList<ApiOperation> Operations { get; } =
    [
        new(CloudProduct.Ecs, "CreateNetworkInterface", CreateNetworkInterface, AcceptsClientToken: true),
        new(CloudProduct.Ecs, "AttachNetworkInterface", AttachNetworkInterface),
        new(CloudProduct.Ecs, "DetachNetworkInterface", DetachNetworkInterface),
        new(CloudProduct.Ecs, "DeleteNetworkInterface", DeleteNetworkInterface),
        new(CloudProduct.Ecs, "DescribeNetworkInterfaces", DescribeNetworkInterfaces),
        new(CloudProduct.Ecs, "DescribeNetworkInterfaceAttribute", DescribeNetworkInterfaceAttribute),
        new(CloudProduct.Ecs, "AssignPrivateIpAddresses", AssignPrivateIpAddresses, AcceptsClientToken: true, ConflictKey: EniKey),
        new(CloudProduct.Ecs, "UnassignPrivateIpAddresses", UnassignPrivateIpAddresses, ConflictKey: EniKey),
        new(CloudProduct.Ecs, "AssignIpv6Addresses", AssignIpv6Addresses, AcceptsClientToken: true, ConflictKey: EniKey),
        new(CloudProduct.Ecs, "UnassignIpv6Addresses", UnassignIpv6Addresses, ConflictKey: EniKey),
        new(CloudProduct.Ecs, "DescribeInstanceTypes", DescribeInstanceTypes),
        new(CloudProduct.Ecs, "DescribeInstances", DescribeInstances),
        new(CloudProduct.Ecs, "DescribeSecurityGroups", DescribeSecurityGroups),
    ];

    private static string? EniKey(ApiParameters p) => p.Get("NetworkInterfaceId") is { } id ? "eni:" + id : null;

    private static void CreateNetworkInterface(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var vSwitchId = p.Required("VSwitchId");
        var single = p.Get("SecurityGroupId");
        var many = p.List("SecurityGroupIds", MaxSecurityGroupsPerEni);
        if (single is not null && many.Count > 0)
        {
            throw CloudErrors.ParameterConflict("SecurityGroupId", "SecurityGroupIds.N");
        }

        var groups = single is not null ? [single] : many;
        if (groups.Count == 0)
        {
            throw CloudErrors.MissingParameter("SecurityGroupId");
        }

        if (groups.Distinct(StringComparer.Ordinal).Count() != groups.Count)
        {
            throw CloudErrors.InvalidParameter("SecurityGroupIds.N", "A security group is listed twice.");
        }

        var type = p.OneOf("InstanceType", "Secondary", "Trunk") ?? "Secondary";
        var trafficMode = p.OneOf("NetworkInterfaceTrafficMode", "Standard", "HighPerformance") ?? "Standard";
        var privateIps = p.List("PrivateIpAddress", 10);
        var secondaryCount = p.Int("SecondaryPrivateIpAddressCount", 1, 49);
        if (privateIps.Count > 0 && secondaryCount is not null)
        {
            throw CloudErrors.ParameterConflict("PrivateIpAddress.N", "SecondaryPrivateIpAddressCount");
        }

        var ipv6 = p.List("Ipv6Address", 10);
        var ipv6Count = p.Int("Ipv6AddressCount", 1, 10);
        if (ipv6.Count > 0 && ipv6Count is not null)
        {
            throw CloudErrors.ParameterConflict("Ipv6Address.N", "Ipv6AddressCount");
        }

        RejectPrefixes(p);
        var description = p.Get("Description");
        if (description is not null && !ValidText(description, 2, 256))
        {
            throw CloudErrors.InvalidDescription();
        }

        var name = p.Get("NetworkInterfaceName");
        if (name is not null && !ValidText(name, 2, 128))
        {
            throw CloudErrors.InvalidEniName();
        }

        var eni = call.Model.CreateNetworkInterface(new CreateEniArgs
        {
            VSwitchId = vSwitchId,
            SecurityGroupIds = groups,
            InstanceType = type == "Trunk" ? EniType.Trunk : EniType.Secondary,
            PrimaryIpAddress = p.Get("PrimaryIpAddress"),
            PrivateIpAddresses = privateIps,
            SecondaryPrivateIpAddressCount = secondaryCount ?? 0,
            Ipv6Addresses = ipv6,
            Ipv6AddressCount = ipv6Count ?? 0,
            Tags = ResourceTags(p),
            Description = description,
            NetworkInterfaceName = name,
            ResourceGroupId = p.Get("ResourceGroupId"),
            DeleteOnRelease = p.Bool("DeleteOnRelease") ?? false,
            SourceDestCheck = p.Bool("SourceDestCheck") ?? false,
            TrafficMode = trafficMode,
        });

        r["NetworkInterfaceId"] = eni.NetworkInterfaceId;
        r["Status"] = eni.Status.ToString();
        r["Type"] = eni.Type.ToString();
        r["VpcId"] = eni.VpcId;
        r["VSwitchId"] = eni.VSwitchId;
        r["ZoneId"] = eni.ZoneId;
        r["PrivateIpAddress"] = eni.PrimaryIpAddress;
        r["MacAddress"] = eni.MacAddress;
        r["NetworkInterfaceName"] = eni.NetworkInterfaceName ?? string.Empty;
        r["Description"] = eni.Description ?? string.Empty;
        r["ResourceGroupId"] = eni.ResourceGroupId ?? string.Empty;
        r["OwnerId"] = call.OwnerId;
        r["ServiceID"] = 0;
        r["ServiceManaged"] = false;
        r["SourceDestCheck"] = eni.SourceDestCheck;
        r["SecurityGroupIds"] = Wire.StringSet("SecurityGroupId", eni.SecurityGroupIds);
        r["PrivateIpSets"] = Wire.Set("PrivateIpSet", eni.PrivateIpAddresses.Select((ip, i) => (JsonNode?)new JsonObject
        {
            ["PrivateIpAddress"] = ip,
            ["Primary"] = i == 0,
        }));
        r["Ipv6Sets"] = Wire.Set("Ipv6Set", eni.Ipv6Addresses.Select(ip => (JsonNode?)new JsonObject { ["Ipv6Address"] = ip }));
        r["Ipv4PrefixSets"] = Wire.Set("Ipv4PrefixSet", []);
        r["Ipv6PrefixSets"] = Wire.Set("Ipv6PrefixSet", []);
        r["Tags"] = Wire.EcsTags(eni.Tags);
    }

    private static void AttachNetworkInterface(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var instanceId = p.Required("InstanceId");
        var eniId = p.Required("NetworkInterfaceId");
        CheckNetworkCardIndex(p);
        p.Bool("WaitForNetworkConfigurationReady");
        call.Model.AttachNetworkInterface(eniId, instanceId, p.Get("TrunkNetworkInstanceId"));
    }

    private static void DetachNetworkInterface(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var instanceId = p.Required("InstanceId");
        var eniId = p.Required("NetworkInterfaceId");
        call.Model.DetachNetworkInterface(eniId, instanceId, p.Get("TrunkNetworkInstanceId"));
    }

    private static void DeleteNetworkInterface(ApiCall call, JsonObject r)
    {
        call.RequireRegion();
        call.Model.DeleteNetworkInterface(call.P.Required("NetworkInterfaceId"));
    }

    private static void DescribeNetworkInterfaces(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var filter = new EniFilter
        {
            NetworkInterfaceIds = p.List("NetworkInterfaceId", 100),
            InstanceId = p.Get("InstanceId"),
            VpcId = p.Get("VpcId"),
            VSwitchId = p.Get("VSwitchId"),
            SecurityGroupId = p.Get("SecurityGroupId"),
            PrimaryIpAddress = p.Get("PrimaryIpAddress"),
            NetworkInterfaceName = p.Get("NetworkInterfaceName"),
            ResourceGroupId = p.Get("ResourceGroupId"),
            PrivateIpAddresses = p.List("PrivateIpAddress", 100),
            Ipv6Addresses = p.List("Ipv6Address", 100),
            Type = p.OneOf("Type", "Primary", "Secondary", "Trunk", "Member") is { } t ? Enum.Parse<EniType>(t) : null,
            Status = p.OneOf("Status", "Available", "Attaching", "InUse", "Detaching", "Deleting") is { } s ? Enum.Parse<EniStatus>(s) : null,
            Tags = FilterTags(p),
            ServiceManaged = p.Bool("ServiceManaged"),
        };

        var maxResults = p.RawInt("MaxResults");
        var nextToken = p.Get("NextToken");
        if (maxResults is not null || nextToken is not null)
        {
            // NextToken mode: MaxResults 10..500 (values outside are clamped), TotalCount not reported.
            var size = Math.Clamp(maxResults ?? 10, 10, 500);
            var after = nextToken is null ? 0 : PageToken.Decode("eni", nextToken);
            var page = call.Model.QueryNetworkInterfaces(filter, after, size);
            r["NextToken"] = page.NextAfterSeq is { } n ? PageToken.Encode("eni", n) : string.Empty;
            r["NetworkInterfaceSets"] = Wire.Set("NetworkInterfaceSet", page.Items.Select(e => (JsonNode?)Wire.Eni(e, call.OwnerId)));
            return;
        }

        var pageNumber = p.Int("PageNumber", 1, int.MaxValue) ?? 1;
        var pageSize = p.Int("PageSize", 1, 1000) ?? 10;
        var all = call.Model.QueryNetworkInterfaces(filter, 0, int.MaxValue - 1);
        var items = all.Items.Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize);
        r["TotalCount"] = all.TotalCount;
        r["PageNumber"] = pageNumber;
        r["PageSize"] = pageSize;
        r["NetworkInterfaceSets"] = Wire.Set("NetworkInterfaceSet", items.Select(e => (JsonNode?)Wire.Eni(e, call.OwnerId)));
    }

    private static void DescribeNetworkInterfaceAttribute(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var eniId = p.Required("NetworkInterfaceId");
        p.OneOf("Attribute", "attachment", "connectionTrackingConfiguration", "basic");
        var eni = call.Model.DescribeNetworkInterface(eniId);
        Wire.WriteEni(r, eni, call.OwnerId, withMembers: true);
    }

    private static void AssignPrivateIpAddresses(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var eniId = p.Required("NetworkInterfaceId");
        var addresses = p.List("PrivateIpAddress", 32);
        var count = p.Int("SecondaryPrivateIpAddressCount", 1, 49);
        RejectPrefixes(p);
        if (addresses.Count > 0 && count is not null)
        {
            throw CloudErrors.ParameterConflict("PrivateIpAddress.N", "SecondaryPrivateIpAddressCount");
        }

        if (addresses.Count == 0 && count is null)
        {
            // This operation's error table lists MissingParameter with HTTP 403.
            throw new CloudErrorException("MissingParameter", 403,
                "The input parameter \"SecondaryPrivateIpAddressCount\" or \"PrivateIpAddress.N\" that is mandatory for processing this request is not supplied.");
        }

        var assigned = call.Model.AssignPrivateIpAddresses(eniId, addresses, count ?? 0);
        r["AssignedPrivateIpAddressesSet"] = new JsonObject
        {
            ["NetworkInterfaceId"] = eniId,
            ["PrivateIpSet"] = Wire.StringSet("PrivateIpAddress", assigned),
        };
    }

    private static void UnassignPrivateIpAddresses(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var eniId = p.Required("NetworkInterfaceId");
        RejectPrefixes(p);
        var addresses = p.List("PrivateIpAddress", 50);
        if (addresses.Count == 0)
        {
            throw CloudErrors.MissingParameter("PrivateIpAddress.N");
        }

        call.Model.UnassignPrivateIpAddresses(eniId, addresses);
    }

    private static void AssignIpv6Addresses(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var eniId = p.Required("NetworkInterfaceId");
        var addresses = p.List("Ipv6Address", 10);
        var count = p.Int("Ipv6AddressCount", 1, 10);
        RejectPrefixes(p);
        if (addresses.Count > 0 && count is not null)
        {
            throw CloudErrors.ParameterConflict("Ipv6Address.N", "Ipv6AddressCount");
        }

        if (addresses.Count == 0 && count is null)
        {
            throw CloudErrors.MissingParameter("Ipv6AddressCount");
        }

        var assigned = call.Model.AssignIpv6Addresses(eniId, addresses, count ?? 0);
        r["NetworkInterfaceId"] = eniId;
        r["Ipv6Sets"] = Wire.StringSet("Ipv6Address", assigned);
    }

    private static void UnassignIpv6Addresses(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var eniId = p.Required("NetworkInterfaceId");
        RejectPrefixes(p);
        var addresses = p.List("Ipv6Address", 10);
        if (addresses.Count == 0)
        {
            throw CloudErrors.MissingParameter("Ipv6Address.N");
        }

        call.Model.UnassignIpv6Addresses(eniId, addresses);
    }

    private static void DescribeInstanceTypes(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var wanted = p.List("InstanceTypes", 10);
        var family = p.Get("InstanceTypeFamily");
        var families = p.List("InstanceTypeFamilies", 10);
        var minEni = p.Int("MinimumEniQuantity", 0, int.MaxValue);
        var minIp = p.Int("MinimumEniPrivateIpAddressQuantity", 0, int.MaxValue);
        var minIp6 = p.Int("MinimumEniIpv6AddressQuantity", 0, int.MaxValue);
        var maxResults = p.Int("MaxResults", 1, 100) ?? 100;
        var after = p.Get("NextToken") is { } token ? PageToken.DecodeKey("itype", token) : null;

        var matches = call.Model.InstanceTypes()
            .Where(t => wanted.Count == 0 || wanted.Contains(t.InstanceTypeId))
            .Where(t => family is null || t.InstanceTypeFamily == family)
            .Where(t => families.Count == 0 || families.Contains(t.InstanceTypeFamily))
            .Where(t => minEni is null || t.EniQuantity >= minEni)
            .Where(t => minIp is null || t.EniPrivateIpAddressQuantity >= minIp)
            .Where(t => minIp6 is null || t.EniIpv6AddressQuantity >= minIp6)
            .Where(t => after is null || string.CompareOrdinal(t.InstanceTypeId, after) > 0)
            .ToList();
        var page = matches.Take(maxResults).ToList();
        r["NextToken"] = matches.Count > maxResults ? PageToken.EncodeKey("itype", page[^1].InstanceTypeId) : string.Empty;
        r["InstanceTypes"] = Wire.Set("InstanceType", page.Select(t => (JsonNode?)Wire.InstanceType(t)));
    }

    private static void DescribeInstances(ApiCall call, JsonObject r)
    {
        var p = call.P;
        call.RequireRegion();
        var ids = p.JsonStringArray("InstanceIds", 100);
        var privateIps = p.JsonStringArray("PrivateIpAddresses", 100);
        var vpcId = p.Get("VpcId");
        var vSwitchId = p.Get("VSwitchId");
        var zoneId = p.Get("ZoneId");
        var instanceType = p.Get("InstanceType");
        var networkType = p.OneOf("InstanceNetworkType", "vpc", "classic");
        var status = p.OneOf("Status", "Pending", "Running", "Starting", "Stopping", "Stopped");
        var tagFilter = FilterTags(p);

        var matches = call.Model.Instances()
            .Where(i => ids.Count == 0 || ids.Contains(i.InstanceId))
            .Where(i => privateIps.Count == 0 || privateIps.Contains(i.PrimaryIpAddress))
            .Where(i => vpcId is null || i.VpcId == vpcId)
            .Where(i => vSwitchId is null || i.VSwitchId == vSwitchId)
            .Where(i => zoneId is null || i.ZoneId == zoneId)
            .Where(i => instanceType is null || i.InstanceType.InstanceTypeId == instanceType)
            .Where(i => networkType is null or "vpc")
            .Where(i => status is null || i.Status == status)
            .Where(_ => tagFilter.Count == 0) // simulated instances carry no tags
            .ToList();

        IEnumerable<InstanceSnapshot> page;
        var maxResults = p.RawInt("MaxResults");
        var nextToken = p.Get("NextToken");
        if (maxResults is not null || nextToken is not null)
        {
            var size = Math.Clamp(maxResults ?? 10, 10, 100);
            var after = nextToken is null ? null : PageToken.DecodeKey("ins", nextToken);
            var rest = matches.SkipWhile(i => after is not null && i.InstanceId != after).Skip(after is null ? 0 : 1).ToList();
            page = rest.Take(size).ToList();
            r["NextToken"] = rest.Count > size ? PageToken.EncodeKey("ins", rest[size - 1].InstanceId) : string.Empty;
        }
        else
        {
            var pageNumber = p.Int("PageNumber", 1, int.MaxValue) ?? 1;
            var pageSize = p.Int("PageSize", 1, 100) ?? 10;
            page = matches.Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize);
            r["TotalCount"] = matches.Count;
            r["PageNumber"] = pageNumber;
            r["PageSize"] = pageSize;
        }

        r["Instances"] = Wire.Set("Instance", page.Select(i =>
            (JsonNode?)Wire.Instance(i, call.Model.InstanceNetworkInterfaces(i.InstanceId), call.RegionId)));
    }

    private static void DescribeSecurityGroups(ApiCall call, JsonObject r)
    {
        // IDs that do not exist are left out of the answer (no error), as the API does; callers check
        // existence by comparing what came back.
        var p = call.P;
        call.RequireRegion();
        var ids = p.JsonStringArray("SecurityGroupIds", 100);
        var single = p.Get("SecurityGroupId");
        var vpcId = p.Get("VpcId");
        var name = p.Get("SecurityGroupName");
        var matches = call.Model.SecurityGroups()
            .Where(g => ids.Count == 0 || ids.Contains(g.SecurityGroupId))
            .Where(g => single is null || g.SecurityGroupId == single)
            .Where(g => vpcId is null || g.VpcId == vpcId)
            .Where(g => name is null || g.SecurityGroupName == name)
            .ToList();

        IEnumerable<SecurityGroupDefinition> page;
        var maxResults = p.RawInt("MaxResults");
        var nextToken = p.Get("NextToken");
        if (maxResults is not null || nextToken is not null)
        {
            var size = Math.Clamp(maxResults ?? 10, 1, 100);
            var after = nextToken is null ? null : PageToken.DecodeKey("sg", nextToken);
            var rest = matches.SkipWhile(g => after is not null && g.SecurityGroupId != after).Skip(after is null ? 0 : 1).ToList();
            page = rest.Take(size).ToList();
            r["NextToken"] = rest.Count > size ? PageToken.EncodeKey("sg", rest[size - 1].SecurityGroupId) : string.Empty;
        }
        else
        {
            var pageNumber = p.Int("PageNumber", 1, int.MaxValue) ?? 1;
            var pageSize = p.Int("PageSize", 1, 50) ?? 10;
            page = matches.Skip((int)Math.Min(int.MaxValue, (long)(pageNumber - 1) * pageSize)).Take(pageSize);
            r["TotalCount"] = matches.Count;
            r["PageNumber"] = pageNumber;
            r["PageSize"] = pageSize;
        }

        r["RegionId"] = call.RegionId;
        r["SecurityGroups"] = Wire.Set("SecurityGroup", page.Select(g => (JsonNode?)new JsonObject
        {
            ["SecurityGroupId"] = g.SecurityGroupId,
            ["VpcId"] = g.VpcId,
            ["SecurityGroupName"] = g.SecurityGroupName ?? string.Empty,
            ["SecurityGroupType"] = "normal",
            ["Description"] = string.Empty,
            ["ResourceGroupId"] = string.Empty,
            ["ServiceManaged"] = false,
        }));
    }

    // ------------------------------------------------------------------ shared checks

    private static void CheckNetworkCardIndex(ApiParameters p)
    {
        // Simulated instance types have a single network card.
        if (p.Int("NetworkCardIndex", 0, int.MaxValue) is > 0)
        {
            throw CloudErrors.InvalidParameter("NetworkCardIndex", "The instance type has one network card (index 0).");
        }
    }

    private static void RejectPrefixes(ApiParameters p)
    {
        foreach (var name in new[] { "Ipv4PrefixCount", "Ipv6PrefixCount" })
        {
            if (p.Get(name) is not null)
            {
                throw Unsupported(name);
            }
        }

        foreach (var name in new[] { "Ipv4Prefix", "Ipv6Prefix" })
        {
            if (p.Values.Keys.Any(k => k.StartsWith(name + ".", StringComparison.Ordinal)))
            {
                throw Unsupported(name + ".N");
            }
        }

        static CloudErrorException Unsupported(string name) =>
            new("UnsupportedParameter", 400, $"The parameter \"{name}\" is not supported: the region simulator does not model IP prefixes.");
    }

    /// <summary>Tags of a create call: ≤20, keys unique and well formed, values well formed.</summary>
    internal static IReadOnlyList<CloudTag> ResourceTags(ApiParameters p)
    {
        var tags = p.Tags();
        if (tags.Count > 20 || tags.Any(t => t.N > 20))
        {
            throw CloudErrors.TagQuota();
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<CloudTag>(tags.Count);
        foreach (var (_, key, value) in tags)
        {
            if (key.Length > 128 || key.StartsWith("aliyun", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("acs:", StringComparison.OrdinalIgnoreCase) || HasUrl(key))
            {
                throw CloudErrors.InvalidTagKey(key);
            }

            if (value is not null && (value.Length > 128 || HasUrl(value)))
            {
                throw CloudErrors.InvalidTagValue(value);
            }

            if (!seen.Add(key))
            {
                throw CloudErrors.DuplicateTagKey(key);
            }

            result.Add(new CloudTag(key, value ?? string.Empty));
        }

        return result;
    }

    /// <summary>Tag filters of a describe call (AND semantics; ≤20).</summary>
    internal static IReadOnlyList<(string Key, string? Value)> FilterTags(ApiParameters p)
    {
        var tags = p.Tags();
        if (tags.Any(t => t.N > 20))
        {
            throw CloudErrors.InvalidParameter("Tag.N", "N must be from 1 to 20.");
        }

        return tags.Select(t => (t.Key, t.Value)).ToList();
    }

    private static bool ValidText(string text, int min, int max) =>
        text.Length >= min && text.Length <= max && !HasUrlPrefix(text);

    private static bool HasUrlPrefix(string text) =>
        text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static bool HasUrl(string text) =>
        text.Contains("http://", StringComparison.OrdinalIgnoreCase) || text.Contains("https://", StringComparison.OrdinalIgnoreCase);
}
