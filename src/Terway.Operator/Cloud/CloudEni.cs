using Terway.Cloud.Ecs;

namespace Terway.Operator.Cloud;

/// <summary>What the cloud says about one ENI, in the shape the controllers reason about.</summary>
/// <param name="Id">The ENI ID.</param>
/// <param name="Status">Available, Attaching, InUse, Detaching or Deleting.</param>
/// <param name="Type">Primary, Secondary, Trunk or Member.</param>
/// <param name="VpcId">Its VPC.</param>
/// <param name="VSwitchId">Its vSwitch.</param>
/// <param name="ZoneId">Its zone.</param>
/// <param name="MacAddress">Its MAC address.</param>
/// <param name="PrimaryIp">Its primary IPv4 address.</param>
/// <param name="Ipv6">Its first IPv6 address, if any.</param>
/// <param name="InstanceId">The instance it is attached to (for members: <c>Attachment.InstanceId</c>), or null.</param>
/// <param name="TrunkId">For a member: its trunk ENI.</param>
/// <param name="DeviceIndex">For a member: the VLAN ID; otherwise the device index.</param>
/// <param name="SecurityGroupIds">Its security groups.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="CreationTime">When it was created.</param>
internal sealed record CloudEni(
    string Id,
    string Status,
    string? Type,
    string? VpcId,
    string? VSwitchId,
    string? ZoneId,
    string? MacAddress,
    string? PrimaryIp,
    string? Ipv6,
    string? InstanceId,
    string? TrunkId,
    int? DeviceIndex,
    IReadOnlyList<string> SecurityGroupIds,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset? CreationTime)
{
    /// <summary>Maps the client's record (reading the instance from <c>InstanceId</c> or <c>Attachment</c>, as Terway does).</summary>
    public static CloudEni From(NetworkInterface n) => new(
        n.NetworkInterfaceId,
        n.Status ?? "",
        n.Type,
        n.VpcId,
        n.VSwitchId,
        n.ZoneId,
        n.MacAddress,
        n.PrimaryIpAddress ?? n.PrivateIps.FirstOrDefault(p => p.Primary)?.Address,
        n.Ipv6Addresses.Count > 0 ? n.Ipv6Addresses[0] : null,
        string.IsNullOrEmpty(n.InstanceId) ? (string.IsNullOrEmpty(n.Attachment?.InstanceId) ? null : n.Attachment!.InstanceId) : n.InstanceId,
        string.IsNullOrEmpty(n.Attachment?.TrunkNetworkInterfaceId) ? null : n.Attachment!.TrunkNetworkInterfaceId,
        n.Attachment?.DeviceIndex,
        n.SecurityGroupIds,
        n.Tags.GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal),
        n.CreationTime);
}

/// <summary>What to create.</summary>
internal sealed record EniCreateSpec
{
    /// <summary>The vSwitch (and so the zone and primary IP range).</summary>
    public required string VSwitchId { get; init; }

    /// <summary>Security groups.</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    /// <summary>A trunk ENI rather than a secondary (member or exclusive) one.</summary>
    public bool Trunk { get; init; }

    /// <summary>Tags (ownership).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; }

    /// <summary>The idempotency token (derived from what the ENI is for).</summary>
    public required string ClientToken { get; init; }

    /// <summary>Released with the instance (Elastic member ENIs and trunks; never fixed-IP ENIs).</summary>
    public bool DeleteOnRelease { get; init; }

    /// <summary>Also one IPv6 address.</summary>
    public bool Ipv6 { get; init; }

    /// <summary>Optional resource group.</summary>
    public string? ResourceGroupId { get; init; }
}
