using System.Globalization;
using Terway.Sandbox.Cloud;

namespace Terway.Sandbox.Hosting;

/// <summary>One zone of the sandbox region: a vSwitch for nodes and one for pods.</summary>
/// <param name="ZoneId">The zone.</param>
/// <param name="NodeVSwitchId">vSwitch of the nodes' primary ENIs (and trunk ENIs).</param>
/// <param name="NodeCidr">Its CIDR.</param>
/// <param name="PodVSwitchId">vSwitch for pod ENIs (member and exclusive ENIs), named in the demo's PodNetworkings.</param>
/// <param name="PodCidr">Its CIDR.</param>
public sealed record SandboxZone(string ZoneId, string NodeVSwitchId, string NodeCidr, string PodVSwitchId, string PodCidr);

/// <summary>
/// The simulated region the sandbox runs in: a VPC (192.168.0.0/16), per zone a node vSwitch
/// (192.168.32k.0/20) and a pod vSwitch (192.168.32k+16.0/20), a security group for nodes and one
/// for pods, and the instances spread over the zones in turn. IDs look like real ones and are
/// stable, so a state folder and documentation can name them.
/// </summary>
public sealed record SandboxRegion
{
    /// <summary>The VPC.</summary>
    public const string VpcId = "vpc-bp1sandbox00000000001";

    /// <summary>The nodes' security group.</summary>
    public const string NodeSecurityGroupId = "sg-bp1sandboxnodes000001";

    /// <summary>The pods' security group (named in the demo's PodNetworkings).</summary>
    public const string PodSecurityGroupId = "sg-bp1sandboxpods0000001";

    /// <summary>The region ID.</summary>
    public required string RegionId { get; init; }

    /// <summary>The zones with their vSwitches.</summary>
    public required IReadOnlyList<SandboxZone> Zones { get; init; }

    /// <summary>The instances (the cluster's nodes).</summary>
    public required IReadOnlyList<InstanceDefinition> Instances { get; init; }

    /// <summary>The pod vSwitches of every zone.</summary>
    public IReadOnlyList<string> PodVSwitchIds => [.. Zones.Select(z => z.PodVSwitchId)];

    /// <summary>Lays out a region with <paramref name="nodes"/> instances of <paramref name="instanceType"/> over <paramref name="zones"/>.</summary>
    public static SandboxRegion Create(int nodes, string instanceType, IReadOnlyList<string> zones, string regionId = "cn-hangzhou")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        if (zones.Count is 0 or > 4)
        {
            throw new ArgumentException("between 1 and 4 zones", nameof(zones));
        }

        var tags = zones.Select(Tag).ToList();
        if (tags.Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            tags = [.. zones.Select((_, k) => ((char)('a' + k)).ToString())];
        }

        var layout = zones.Select((zone, k) =>
        {
            var tag = tags[k];
            return new SandboxZone(zone,
                $"vsw-bp1sandboxnodes{tag}00001",
                string.Create(CultureInfo.InvariantCulture, $"192.168.{32 * k}.0/20"),
                $"vsw-bp1sandboxpods{tag}000001",
                string.Create(CultureInfo.InvariantCulture, $"192.168.{(32 * k) + 16}.0/20"));
        }).ToList();
        var instances = Enumerable.Range(1, nodes).Select(n =>
        {
            var zone = layout[(n - 1) % layout.Count];
            return new InstanceDefinition
            {
                InstanceId = string.Create(CultureInfo.InvariantCulture, $"i-bp1sandboxnode{n:D8}"),
                InstanceType = instanceType,
                ZoneId = zone.ZoneId,
                VSwitchId = zone.NodeVSwitchId,
                SecurityGroupIds = [NodeSecurityGroupId],
                HostName = string.Create(CultureInfo.InvariantCulture, $"sandbox-node-{n}"),
            };
        }).ToList();
        return new SandboxRegion { RegionId = regionId, Zones = layout, Instances = instances };
    }

    /// <summary>The region simulator's options for this layout (knobs left at their defaults).</summary>
    public RegionSimulatorOptions ToSimulatorOptions() => new()
    {
        RegionId = RegionId,
        Zones = [.. Zones.Select(z => z.ZoneId)],
        Vpcs = [new VpcDefinition { VpcId = VpcId, CidrBlock = "192.168.0.0/16" }],
        VSwitches =
        [
            .. Zones.SelectMany(z => new[]
            {
                new VSwitchDefinition { VSwitchId = z.NodeVSwitchId, ZoneId = z.ZoneId, CidrBlock = z.NodeCidr, VSwitchName = "sandbox-nodes-" + z.ZoneId },
                new VSwitchDefinition { VSwitchId = z.PodVSwitchId, ZoneId = z.ZoneId, CidrBlock = z.PodCidr, VSwitchName = "sandbox-pods-" + z.ZoneId },
            }),
        ],
        SecurityGroups =
        [
            new SecurityGroupDefinition { SecurityGroupId = NodeSecurityGroupId, SecurityGroupName = "sandbox-nodes" },
            new SecurityGroupDefinition { SecurityGroupId = PodSecurityGroupId, SecurityGroupName = "sandbox-pods" },
        ],
        Instances = [.. Instances],
        ResourceGroupIds = ["rg-acfmsandbox0000001"],
        AccessKeys = [new AccessKeyDefinition { AccessKeyId = "sandboxaccesskeyid", AccessKeySecret = "sandboxaccesskeysecret" }],
    };

    /// <summary>The zone's last letter when it has one (cn-hangzhou-h → h), else a letter from its index.</summary>
    private static string Tag(string zone, int index)
    {
        var last = zone[^1];
        return char.IsAsciiLetterLower(last) ? last.ToString() : ((char)('a' + index)).ToString();
    }
}
