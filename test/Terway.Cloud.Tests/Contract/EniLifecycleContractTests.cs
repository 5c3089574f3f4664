using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Ecs;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// Create, attach (plain and as a trunk member), detach, delete: the client's calls against the
/// simulator, the values it parsed against the simulator's model, and the asynchronous states on
/// the simulator's fake clock.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class EniLifecycleContractTests(SignatureAlgorithm algorithm)
{
    private FakeTimeProvider _time = null!;
    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp()
    {
        // The simulator runs on a fake clock that starts at real time (the client signs with real time);
        // transitions keep the default durations (attach 2 s, member attach 1 s, detach 2 s, delete 1 s).
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _rig = await ContractRig.StartAsync(algorithm, o =>
        {
            o.TimeProvider = _time;
            o.Knobs.Durations = new AsyncDurations();
        });
    }

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private async Task<NetworkInterface> DescribeOne(string eniId)
    {
        var page = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [eniId] });
        Assert.That(page.Items, Has.Count.EqualTo(1), $"{eniId} is described");
        return page.Items[0];
    }

    private EniSnapshot Sim(string eniId) =>
        _rig.Simulator.Snapshot().FindEni(eniId) ?? throw new AssertionException($"{eniId} is not in the simulator");

    private Task<NetworkInterface> CreateSecondary(string vSwitch = Region.VSwitchH) =>
        _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = vSwitch, SecurityGroupIds = [Region.SgPods] });

    private async Task<string> AttachedTrunk(string instance = Region.Node1)
    {
        var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = instance, NetworkInterfaceId = trunk.NetworkInterfaceId });
        _time.Advance(TimeSpan.FromSeconds(2));
        return trunk.NetworkInterfaceId;
    }

    [Test]
    public async Task CreateNetworkInterface_SecondaryWithAllParameters_ParsedValuesMatchTheModel()
    {
        var token = ClientTokens.Derive("create ENI for contract test", Region.VSwitchH, Region.SgPods);
        CloudTag[] tags = [new("creator", "terway-controller"), new("ack.aliyun.com", "c0ffee"), new("empty", string.Empty)];

        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new()
        {
            VSwitchId = Region.VSwitchH,
            SecurityGroupIds = [Region.SgPods, Region.SgNodes],
            Tags = tags,
            ClientToken = token,
            SecondaryPrivateIpAddressCount = 3,
            Ipv6AddressCount = 2,
            Description = "interface create by terway",
            NetworkInterfaceName = "contract-eni",
            ResourceGroupId = Region.ResourceGroup,
            DeleteOnRelease = true,
            SourceDestCheck = false,
        });

        var sim = Sim(eni.NetworkInterfaceId);
        Agreement.SameEni(eni, sim);
        Assert.Multiple(() =>
        {
            Assert.That(eni.Type, Is.EqualTo(NetworkInterfaceTypes.Secondary));
            Assert.That(eni.Status, Is.EqualTo(NetworkInterfaceStatuses.Available));
            Assert.That(eni.PrivateIps, Has.Count.EqualTo(4), "primary + 3 secondary");
            Assert.That(eni.Ipv6Addresses, Has.Count.EqualTo(2));
            Assert.That(eni.SecurityGroupIds, Is.EqualTo(new[] { Region.SgPods, Region.SgNodes }));
            Assert.That(eni.Tags, Is.EqualTo(tags));
            Assert.That(eni.MacAddress, Does.Match("^00:16:3e(:[0-9a-f]{2}){3}$"));
            Assert.That(sim.DeleteOnRelease, Is.True);
            Assert.That(sim.SourceDestCheck, Is.False);
        });
        var call = _rig.Simulator.Snapshot().Calls.Single(c => c.Action == "CreateNetworkInterface");
        Assert.That(call.ClientToken, Is.EqualTo(token), "the derived ClientToken reached the simulator");
        Assert.That(call.SignatureAlgorithm, Is.EqualTo(algorithm == SignatureAlgorithm.V3HmacSha256 ? "ACS3-HMAC-SHA256" : "HMAC-SHA1"));

        Agreement.SameDescribedEni(await DescribeOne(eni.NetworkInterfaceId), Sim(eni.NetworkInterfaceId));
    }

    [Test]
    public async Task CreateNetworkInterface_Trunk_IsATrunkEniInBothViews()
    {
        var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchI, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });

        Assert.That(trunk.Type, Is.EqualTo(NetworkInterfaceTypes.Trunk));
        Assert.That(Sim(trunk.NetworkInterfaceId).Type, Is.EqualTo(EniType.Trunk));
        Agreement.SameEni(trunk, Sim(trunk.NetworkInterfaceId));
        Agreement.SameDescribedEni(await DescribeOne(trunk.NetworkInterfaceId), Sim(trunk.NetworkInterfaceId));
    }

    [Test]
    public async Task AttachNetworkInterface_Plain_AttachingThenInUseOnTheSimulatorClock()
    {
        var eni = await CreateSecondary();

        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = eni.NetworkInterfaceId });

        var attaching = await DescribeOne(eni.NetworkInterfaceId);
        Assert.That(attaching.Status, Is.EqualTo(NetworkInterfaceStatuses.Attaching));
        Agreement.SameDescribedEni(attaching, Sim(eni.NetworkInterfaceId));

        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.That((await DescribeOne(eni.NetworkInterfaceId)).Status, Is.EqualTo(NetworkInterfaceStatuses.Attaching), "not before the attach duration");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var inUse = await DescribeOne(eni.NetworkInterfaceId);
        var sim = Sim(eni.NetworkInterfaceId);
        Agreement.SameDescribedEni(inUse, sim);
        Assert.Multiple(() =>
        {
            Assert.That(inUse.Status, Is.EqualTo(NetworkInterfaceStatuses.InUse));
            Assert.That(inUse.InstanceId, Is.EqualTo(Region.Node1));
            Assert.That(inUse.Attachment?.DeviceIndex, Is.EqualTo(sim.DeviceIndex).And.GreaterThan(0), "device index (0 is the primary ENI)");
            Assert.That(inUse.TrunkNetworkInterfaceId, Is.Null.Or.Empty);
        });
    }

    [Test]
    public async Task AttachNetworkInterface_WithTrunk_BecomesMemberWithVlanId()
    {
        var trunk = await AttachedTrunk();
        var first = await CreateSecondary();
        var second = await CreateSecondary();

        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = first.NetworkInterfaceId, TrunkNetworkInstanceId = trunk });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = second.NetworkInterfaceId, TrunkNetworkInstanceId = trunk });

        var attaching = await DescribeOne(first.NetworkInterfaceId);
        Assert.That(attaching.Status, Is.EqualTo(NetworkInterfaceStatuses.Attaching));
        Assert.That(attaching.Type, Is.EqualTo(NetworkInterfaceTypes.Member), "a member ENI has Type=Member from the attach call on");
        _time.Advance(TimeSpan.FromSeconds(1));

        var members = (await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [first.NetworkInterfaceId, second.NetworkInterfaceId] })).Items;
        Assert.That(members, Has.Count.EqualTo(2));
        foreach (var member in members)
        {
            var sim = Sim(member.NetworkInterfaceId);
            Agreement.SameDescribedEni(member, sim);
            Assert.Multiple(() =>
            {
                Assert.That(member.Status, Is.EqualTo(NetworkInterfaceStatuses.InUse));
                Assert.That(member.Type, Is.EqualTo(NetworkInterfaceTypes.Member));
                Assert.That(member.TrunkNetworkInterfaceId, Is.EqualTo(trunk));
                Assert.That(member.InstanceId, Is.EqualTo(Region.Node1), "read from Attachment.InstanceId, as Terway does");
                Assert.That(member.Attachment?.DeviceIndex, Is.InRange(1, 4094), "the VLAN ID");
            });
        }

        Assert.That(members[0].Attachment!.DeviceIndex, Is.Not.EqualTo(members[1].Attachment!.DeviceIndex), "members of one trunk have distinct VLAN IDs");
        Assert.That(Sim(trunk).MemberNetworkInterfaceIds, Is.EquivalentTo(new[] { first.NetworkInterfaceId, second.NetworkInterfaceId }));

        var byInstance = await _rig.Ecs.ListNetworkInterfacesAsync(new() { InstanceId = Region.Node1 }).ToListAsync();
        Assert.That(byInstance.Select(e => e.NetworkInterfaceId), Is.SupersetOf(new[] { trunk, first.NetworkInterfaceId, second.NetworkInterfaceId }), "the InstanceId filter includes members");
    }

    [Test]
    public async Task DetachNetworkInterface_Plain_DetachingThenAvailable()
    {
        var eni = await CreateSecondary();
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = eni.NetworkInterfaceId });
        _time.Advance(TimeSpan.FromSeconds(2));

        await _rig.Ecs.DetachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = eni.NetworkInterfaceId });

        var detaching = await DescribeOne(eni.NetworkInterfaceId);
        Assert.That(detaching.Status, Is.EqualTo(NetworkInterfaceStatuses.Detaching));
        Agreement.SameDescribedEni(detaching, Sim(eni.NetworkInterfaceId));

        _time.Advance(TimeSpan.FromSeconds(2));
        var available = await DescribeOne(eni.NetworkInterfaceId);
        Agreement.SameDescribedEni(available, Sim(eni.NetworkInterfaceId));
        Assert.Multiple(() =>
        {
            Assert.That(available.Status, Is.EqualTo(NetworkInterfaceStatuses.Available));
            Assert.That(available.InstanceId, Is.Null.Or.Empty);
            Assert.That(available.Attachment, Is.Null);
        });
    }

    [Test]
    public async Task DetachNetworkInterface_Member_BackToAvailableSecondary()
    {
        var trunk = await AttachedTrunk(Region.Node2);
        var member = await CreateSecondary();
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = member.NetworkInterfaceId, TrunkNetworkInstanceId = trunk });
        _time.Advance(TimeSpan.FromSeconds(1));

        await _rig.Ecs.DetachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = member.NetworkInterfaceId, TrunkNetworkInstanceId = trunk });

        var detaching = await DescribeOne(member.NetworkInterfaceId);
        Assert.That(detaching.Status, Is.EqualTo(NetworkInterfaceStatuses.Detaching));
        Agreement.SameDescribedEni(detaching, Sim(member.NetworkInterfaceId));

        _time.Advance(TimeSpan.FromSeconds(1));
        var available = await DescribeOne(member.NetworkInterfaceId);
        Agreement.SameDescribedEni(available, Sim(member.NetworkInterfaceId));
        Assert.Multiple(() =>
        {
            Assert.That(available.Status, Is.EqualTo(NetworkInterfaceStatuses.Available));
            Assert.That(available.Type, Is.EqualTo(NetworkInterfaceTypes.Secondary));
            Assert.That(available.TrunkNetworkInterfaceId, Is.Null.Or.Empty);
            Assert.That(Sim(trunk).MemberNetworkInterfaceIds, Is.Empty);
        });
    }

    [Test]
    public async Task DeleteNetworkInterface_Available_DeletingThenGoneAndAddressesFreed()
    {
        var before = _rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchH).AvailableIpAddressCount;
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = 2 });

        await _rig.Ecs.DeleteNetworkInterfaceAsync(eni.NetworkInterfaceId);

        var deleting = await DescribeOne(eni.NetworkInterfaceId);
        Assert.That(deleting.Status, Is.EqualTo(NetworkInterfaceStatuses.Deleting));
        Assert.That(_rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchH).AvailableIpAddressCount, Is.EqualTo(before - 3), "addresses are held until the ENI is gone");

        _time.Advance(TimeSpan.FromSeconds(1));
        var page = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [eni.NetworkInterfaceId] });
        Assert.Multiple(() =>
        {
            Assert.That(page.Items, Is.Empty);
            Assert.That(_rig.Simulator.Snapshot().FindEni(eni.NetworkInterfaceId), Is.Null);
            Assert.That(_rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchH).AvailableIpAddressCount, Is.EqualTo(before));
        });
    }
}
