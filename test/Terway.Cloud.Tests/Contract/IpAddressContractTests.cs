using System.Net;
using Terway.Cloud.Ecs;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>Assign/Unassign private IPv4 and IPv6 addresses, by count and by address, on available and attached ENIs.</summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class IpAddressContractTests(SignatureAlgorithm algorithm)
{
    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp() => _rig = await ContractRig.StartAsync(algorithm);

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private EniSnapshot Sim(string eniId) => _rig.Simulator.Snapshot().FindEni(eniId)!;

    private int FreeIn(string vSwitch) => _rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == vSwitch).AvailableIpAddressCount;

    /// <summary>Addresses of the vSwitch's /20 that no ENI holds (the simulator allocates at random positions, so check).</summary>
    private List<string> UnusedAddresses(int count)
    {
        var held = _rig.Simulator.Snapshot().NetworkInterfaces.SelectMany(e => e.PrivateIpAddresses).ToHashSet();
        return Enumerable.Range(0, 4000).Select(i => $"192.168.{10 + (i / 250)}.{1 + (i % 250)}").Where(a => !held.Contains(a)).Take(count).ToList();
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task AssignPrivateIpAddresses_ByCountThenByAddress_ReturnedAddressesAreTheModelsNewOnes(bool attached)
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] });
        if (attached)
        {
            await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = eni.NetworkInterfaceId });
        }

        var free = FreeIn(Region.VSwitchH);
        var byCount = await _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 3 });

        Assert.That(byCount.NetworkInterfaceId, Is.EqualTo(eni.NetworkInterfaceId));
        Assert.That(byCount.PrivateIpAddresses, Has.Count.EqualTo(3));
        Assert.That(Sim(eni.NetworkInterfaceId).PrivateIpAddresses, Is.EqualTo(new[] { eni.PrimaryIpAddress! }.Concat(byCount.PrivateIpAddresses)));
        Assert.That(byCount.PrivateIpAddresses.Select(IPAddress.Parse).Select(a => a.GetAddressBytes()[2]), Has.All.LessThan(16), "inside 192.168.0.0/20");
        Assert.That(FreeIn(Region.VSwitchH), Is.EqualTo(free - 3));

        var wanted = UnusedAddresses(2);
        var byAddress = await _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, PrivateIpAddresses = wanted });

        Assert.That(byAddress.PrivateIpAddresses, Is.EqualTo(wanted));
        var described = (await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [eni.NetworkInterfaceId] })).Items.Single();
        Agreement.SameDescribedEni(described, Sim(eni.NetworkInterfaceId));
        Assert.That(described.PrivateIps.Where(p => !p.Primary).Select(p => p.Address), Is.EquivalentTo(byCount.PrivateIpAddresses.Concat(wanted)));
        Assert.That(FreeIn(Region.VSwitchH), Is.EqualTo(free - 5));
    }

    [Test]
    public async Task UnassignPrivateIpAddresses_SomeSecondaries_LeaveTheEniAndReturnToTheVSwitch()
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchI, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = 4 });
        var secondaries = eni.PrivateIps.Where(p => !p.Primary).Select(p => p.Address).ToList();
        var free = FreeIn(Region.VSwitchI);

        await _rig.Ecs.UnassignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, PrivateIpAddresses = secondaries.Take(3).ToList() });

        Assert.That(Sim(eni.NetworkInterfaceId).PrivateIpAddresses, Is.EqualTo(new[] { eni.PrimaryIpAddress!, secondaries[3] }));
        Assert.That(FreeIn(Region.VSwitchI), Is.EqualTo(free + 3));
        var described = (await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [eni.NetworkInterfaceId] })).Items.Single();
        Agreement.SameDescribedEni(described, Sim(eni.NetworkInterfaceId));
        var byReleasedAddress = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { PrivateIpAddresses = [secondaries[0]] });
        Assert.That(byReleasedAddress.Items, Is.Empty, "a released address belongs to no ENI");
    }

    [Test]
    public async Task AssignAndUnassignIpv6Addresses_ByCountAndByAddress_MatchTheModel()
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], Ipv6AddressCount = 1 });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = eni.NetworkInterfaceId });

        var byCount = await _rig.Ecs.AssignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6AddressCount = 3 });

        Assert.That(byCount.NetworkInterfaceId, Is.EqualTo(eni.NetworkInterfaceId));
        Assert.That(byCount.Ipv6Addresses, Has.Count.EqualTo(3));
        Assert.That(byCount.Ipv6Addresses, Has.All.StartsWith("2408:4005:3ed:d01:"), "inside the vSwitch's /64");
        Assert.That(Sim(eni.NetworkInterfaceId).Ipv6Addresses, Is.EqualTo(eni.Ipv6Addresses.Concat(byCount.Ipv6Addresses)));

        var held = _rig.Simulator.Snapshot().NetworkInterfaces.SelectMany(e => e.Ipv6Addresses).ToHashSet();
        var wanted = Enumerable.Range(0x100, 50).Select(i => $"2408:4005:3ed:d01::{i:x}").First(a => !held.Contains(a));
        var byAddress = await _rig.Ecs.AssignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6Addresses = [wanted] });
        Assert.That(byAddress.Ipv6Addresses, Is.EqualTo(new[] { wanted }));

        await _rig.Ecs.UnassignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6Addresses = [eni.Ipv6Addresses[0], byCount.Ipv6Addresses[1]] });

        var expected = new[] { byCount.Ipv6Addresses[0], byCount.Ipv6Addresses[2], wanted };
        Assert.That(Sim(eni.NetworkInterfaceId).Ipv6Addresses, Is.EquivalentTo(expected));
        var described = (await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [eni.NetworkInterfaceId] })).Items.Single();
        Agreement.SameDescribedEni(described, Sim(eni.NetworkInterfaceId));
        Assert.That(described.Ipv6Addresses, Is.EquivalentTo(expected));
    }
}
