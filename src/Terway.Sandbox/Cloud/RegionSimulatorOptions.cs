using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Terway.Sandbox.Cloud;

/// <summary>
/// Everything the region simulator is started with: the region's resources, the accepted
/// credentials, the knobs, and (from code only) the clock and logging. Also the JSON config format
/// of <c>Terway.Sandbox cloud --config FILE</c> (property names case-insensitive; see
/// docs/region-simulator.md).
/// </summary>
public sealed class RegionSimulatorOptions
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The region ID, e.g. <c>cn-hangzhou</c>.</summary>
    public string RegionId { get; set; } = "cn-hangzhou";

    /// <summary>Zone IDs; zones named by vSwitches are added automatically.</summary>
    public List<string> Zones { get; set; } = [];

    /// <summary>VPCs (at least one).</summary>
    public List<VpcDefinition> Vpcs { get; set; } = [];

    /// <summary>vSwitches.</summary>
    public List<VSwitchDefinition> VSwitches { get; set; } = [];

    /// <summary>Security groups.</summary>
    public List<SecurityGroupDefinition> SecurityGroups { get; set; } = [];

    /// <summary>Instances, each created with its primary ENI.</summary>
    public List<InstanceDefinition> Instances { get; set; } = [];

    /// <summary>Instance types in addition to (or replacing) the built-in ones.</summary>
    public List<InstanceTypeDefinition> InstanceTypes { get; set; } = [];

    /// <summary>Accepted AccessKey pairs; <c>testid</c>/<c>testsecret</c> when empty.</summary>
    public List<AccessKeyDefinition> AccessKeys { get; set; } = [];

    /// <summary>Resource groups a ResourceGroupId parameter may name.</summary>
    public List<string> ResourceGroupIds { get; set; } = [];

    /// <summary>The account ID reported as OwnerId.</summary>
    public string AccountId { get; set; } = "1234567890123456";

    /// <summary>Host names accepted besides the regional endpoints, <c>localhost</c> and IP literals.</summary>
    public List<string> ExtraHosts { get; set; } = [];

    /// <summary>Where to listen, <c>HOST:PORT</c>; port 0 picks a free port.</summary>
    public string Listen { get; set; } = "127.0.0.1:0";

    /// <summary>Seed for IDs, addresses and random faults, so runs repeat.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Behaviour knobs.</summary>
    public SimulatorKnobs Knobs { get; set; } = new();

    /// <summary>The clock (tests pass a FakeTimeProvider). Not part of the JSON config.</summary>
    [JsonIgnore]
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logging for the simulator. Not part of the JSON config.</summary>
    [JsonIgnore]
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The default sandbox region (see docs/region-simulator.md).</summary>
    public static RegionSimulatorOptions CreateDefault() => new()
    {
        RegionId = "cn-hangzhou",
        Zones = ["cn-hangzhou-h", "cn-hangzhou-i"],
        Vpcs =
        [
            new VpcDefinition
            {
                VpcId = "vpc-bp1sandbox00000000001",
                CidrBlock = "192.168.0.0/16",
                Ipv6CidrBlock = "2408:4005:3ed:d00::/56",
            },
        ],
        VSwitches =
        [
            new VSwitchDefinition
            {
                VSwitchId = "vsw-bp1sandboxh0000000001",
                ZoneId = "cn-hangzhou-h",
                CidrBlock = "192.168.0.0/20",
                Ipv6CidrBlock = "2408:4005:3ed:d01::/64",
                VSwitchName = "sandbox-h",
            },
            new VSwitchDefinition
            {
                VSwitchId = "vsw-bp1sandboxi0000000001",
                ZoneId = "cn-hangzhou-i",
                CidrBlock = "192.168.16.0/20",
                Ipv6CidrBlock = "2408:4005:3ed:d02::/64",
                VSwitchName = "sandbox-i",
            },
        ],
        SecurityGroups =
        [
            new SecurityGroupDefinition { SecurityGroupId = "sg-bp1sandboxnodes000001", SecurityGroupName = "sandbox-nodes" },
            new SecurityGroupDefinition { SecurityGroupId = "sg-bp1sandboxpods0000001", SecurityGroupName = "sandbox-pods" },
        ],
        Instances =
        [
            Node("i-bp1sandboxnode00000001", "cn-hangzhou-h", "vsw-bp1sandboxh0000000001"),
            Node("i-bp1sandboxnode00000002", "cn-hangzhou-h", "vsw-bp1sandboxh0000000001"),
            Node("i-bp1sandboxnode00000003", "cn-hangzhou-i", "vsw-bp1sandboxi0000000001"),
        ],
        ResourceGroupIds = ["rg-acfmsandbox0000001"],
        AccessKeys = [new AccessKeyDefinition { AccessKeyId = "testid", AccessKeySecret = "testsecret" }],
    };

    /// <summary>Parses a JSON config. Throws <see cref="JsonException"/> or <see cref="ArgumentException"/> when it is invalid.</summary>
    public static RegionSimulatorOptions FromJson(string json)
    {
        var options = JsonSerializer.Deserialize<RegionSimulatorOptions>(json, JsonOptions)
            ?? throw new ArgumentException("The region config is empty.");
        options.Knobs ??= new SimulatorKnobs();
        options.Knobs.Apis = new Dictionary<string, ApiKnobs>(options.Knobs.Apis ?? [], StringComparer.Ordinal);
        options.Knobs.Validate();
        return options;
    }

    /// <summary>Reads a JSON config file.</summary>
    public static RegionSimulatorOptions LoadFile(string path) => FromJson(File.ReadAllText(path));

    /// <summary>This configuration as JSON (the config file format).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static InstanceDefinition Node(string id, string zone, string vSwitch) => new()
    {
        InstanceId = id,
        InstanceType = "ecs.g7.xlarge",
        ZoneId = zone,
        VSwitchId = vSwitch,
        SecurityGroupIds = ["sg-bp1sandboxnodes000001"],
    };
}
