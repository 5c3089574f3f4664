using Terway.Cloud.Ecs;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract.Support;

/// <summary>Assertions that what the client parsed is what the simulator holds.</summary>
internal static class Agreement
{
    /// <summary>
    /// The fields a CreateNetworkInterface answer carries (reference §3.1) agree with the model:
    /// IDs, state, type, placement, MAC, IPv4 (primary flagged), IPv6, security groups, tags in
    /// order, description, name and resource group.
    /// </summary>
    public static void SameEni(NetworkInterface client, EniSnapshot sim)
    {
        Assert.Multiple(() =>
        {
            Assert.That(client.NetworkInterfaceId, Is.EqualTo(sim.NetworkInterfaceId), "NetworkInterfaceId");
            Assert.That(client.Status, Is.EqualTo(sim.Status.ToString()), "Status");
            Assert.That(client.Type, Is.EqualTo(sim.Type.ToString()), "Type");
            Assert.That(client.VpcId, Is.EqualTo(sim.VpcId), "VpcId");
            Assert.That(client.VSwitchId, Is.EqualTo(sim.VSwitchId), "VSwitchId");
            Assert.That(client.ZoneId, Is.EqualTo(sim.ZoneId), "ZoneId");
            Assert.That(client.PrimaryIpAddress, Is.EqualTo(sim.PrimaryIpAddress), "PrivateIpAddress");
            Assert.That(client.MacAddress, Is.EqualTo(sim.MacAddress), "MacAddress");
            Assert.That(client.PrivateIps, Is.EqualTo(sim.PrivateIpAddresses.Select((ip, i) => new PrivateIp(ip, i == 0))), "PrivateIpSets");
            Assert.That(client.Ipv6Addresses, Is.EqualTo(sim.Ipv6Addresses), "Ipv6Sets");
            Assert.That(client.SecurityGroupIds, Is.EqualTo(sim.SecurityGroupIds), "SecurityGroupIds");
            Assert.That(client.Tags, Is.EqualTo(sim.Tags.Select(t => new Cloud.CloudTag(t.Key, t.Value))), "Tags");
            Assert.That(Blank(client.Description), Is.EqualTo(Blank(sim.Description)), "Description");
            Assert.That(Blank(client.NetworkInterfaceName), Is.EqualTo(Blank(sim.NetworkInterfaceName)), "NetworkInterfaceName");
            Assert.That(Blank(client.ResourceGroupId), Is.EqualTo(Blank(sim.ResourceGroupId)), "ResourceGroupId");
        });
    }

    /// <summary>
    /// A DescribeNetworkInterfaces entry agrees with the model in everything above plus the
    /// attachment (instance, device index = VLAN ID for members, trunk), creation time and flags.
    /// </summary>
    public static void SameDescribedEni(NetworkInterface client, EniSnapshot sim)
    {
        SameEni(client, sim);
        Assert.Multiple(() =>
        {
            Assert.That(Blank(client.InstanceId), Is.EqualTo(Blank(sim.InstanceId)), "InstanceId (or Attachment.InstanceId for a member)");
            Assert.That(Blank(client.TrunkNetworkInterfaceId), Is.EqualTo(Blank(sim.TrunkNetworkInterfaceId)), "Attachment.TrunkNetworkInterfaceId");
            if (sim.DeviceIndex is { } index && sim.InstanceId is not null)
            {
                Assert.That(client.Attachment?.DeviceIndex, Is.EqualTo(index), "Attachment.DeviceIndex");
            }

            Assert.That(client.CreationTime, Is.EqualTo(TruncateToSecond(sim.CreationTime)), "CreationTime");
            Assert.That(client.DeleteOnRelease, Is.EqualTo(sim.DeleteOnRelease), "DeleteOnRelease");
            Assert.That(client.SourceDestCheck, Is.EqualTo(sim.SourceDestCheck), "SourceDestCheck");
            Assert.That(client.TrafficMode, Is.EqualTo(sim.NetworkInterfaceTrafficMode), "NetworkInterfaceTrafficMode");
        });
    }

    /// <summary>The described ENIs are exactly the simulator's, in the same order, field for field.</summary>
    public static void SameEnis(IReadOnlyList<NetworkInterface> client, IReadOnlyList<EniSnapshot> sim)
    {
        Assert.That(client.Select(e => e.NetworkInterfaceId), Is.EqualTo(sim.Select(e => e.NetworkInterfaceId)), "the same ENIs in the same order");
        for (var i = 0; i < client.Count; i++)
        {
            SameDescribedEni(client[i], sim[i]);
        }
    }

    private static string Blank(string? s) => s ?? string.Empty;

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);
}
