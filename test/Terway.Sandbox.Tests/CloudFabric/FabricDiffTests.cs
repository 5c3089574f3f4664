using Terway.Sandbox.Cloud;
using Terway.Sandbox.CloudFabric;

namespace Terway.Sandbox.Tests.CloudFabric;

/// <summary>The pure half of the bridge: which fabric a region snapshot asks for, and the ordered changes to get there.</summary>
[TestFixture]
public sealed class FabricDiffTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void FromSnapshot_AttachedEnisMembersAddressesAndRoutes_AreInTheFabric()
    {
        var state = FabricState.FromSnapshot(Snapshot(
            Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10", "192.168.0.11"]),
            Eni("eni-trunk", EniType.Trunk, EniStatus.InUse, "i-1", 1, "vsw-n", ["192.168.0.20"]),
            Eni("eni-member", EniType.Member, EniStatus.Attaching, "i-1", 7, "vsw-p", ["192.168.16.5"], trunk: "eni-trunk"),
            Eni("eni-sec", EniType.Secondary, EniStatus.InUse, "i-1", 2, "vsw-n", ["192.168.0.30", "192.168.0.31"]),
            Eni("eni-free", EniType.Secondary, EniStatus.Available, null, null, "vsw-n", ["192.168.0.40"]),
            Eni("eni-leaving", EniType.Secondary, EniStatus.Detaching, "i-1", 3, "vsw-n", ["192.168.0.50"])));

        Assert.That(state.Nodes.Keys, Is.EqualTo(new[] { "i-1" }));
        Assert.That(state.Nodes["i-1"], Is.EqualTo(new NodeSpec("i-1", "vsw-n", "00:16:3e:00:00:01", "192.168.0.10", null)));
        Assert.That(state.Enis.Keys, Is.EquivalentTo(new[] { "eni-trunk", "eni-sec" }), "attached secondary and trunk ENIs; not free, not detaching, not the primary");
        Assert.That(state.Enis["eni-trunk"].Trunk, Is.True);
        Assert.That(state.Members["eni-member"], Is.EqualTo(new MemberSpec("eni-member", "eni-trunk", 7, "vsw-p", Mac("eni-member"))));
        Assert.That(state.Addresses.Keys.Select(k => k.Ip), Is.EquivalentTo(new[] { "192.168.0.11", "192.168.0.20", "192.168.16.5", "192.168.0.30", "192.168.0.31" }),
            "every address the VPC routes to an ENI; the node's own primary address is the node's");
        Assert.That(state.Addresses[new AddressKey("vsw-p", "192.168.16.5")].Mac, Is.EqualTo(Mac("eni-member")), "a member's address lives behind the member's MAC");
        Assert.That(state.Routes["10.244.1.0/24"], Is.EqualTo(new RouteSpec("10.244.1.0/24", "192.168.0.10", "vsw-n")));
        Assert.That(state.Routes.ContainsKey("10.244.2.0/24"), Is.False, "a Pending entry is not in effect yet");
    }

    [Test]
    public void FromSnapshot_MemberOfADetachedTrunk_IsNotSwitched()
    {
        var state = FabricState.FromSnapshot(Snapshot(
            Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10"]),
            Eni("eni-member", EniType.Member, EniStatus.InUse, "i-1", 7, "vsw-p", ["192.168.16.5"], trunk: "eni-trunk")));
        Assert.That(state.Members, Is.Empty);
    }

    [Test]
    public void Compute_FromEmpty_AddsInDependencyOrder()
    {
        var desired = Desired();
        var changes = FabricDiff.Compute(FabricState.Empty, desired);
        Assert.That(changes.Select(c => c.GetType().Name), Is.EqualTo(new[]
        {
            "AddVSwitch", "AddVSwitch", "AddNode", "AttachEni", "AttachEni", "AddMember",
            "AssignAddress", "AssignAddress", "AssignAddress", "AssignAddress", "AddRoute",
        }));
        Assert.That(Replay(FabricState.Empty, changes), Is.EqualTo(Describe(desired)), "applying the changes yields the desired fabric");
    }

    [Test]
    public void Compute_SameState_NoChanges()
    {
        var desired = Desired();
        Assert.That(FabricDiff.Compute(desired, desired), Is.Empty);
    }

    [Test]
    public void Compute_TrunkDetached_AddressesThenMembersThenEniGo()
    {
        var current = Desired();
        var desired = FabricState.FromSnapshot(Snapshot(
            Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10"]),
            Eni("eni-sec", EniType.Secondary, EniStatus.InUse, "i-1", 2, "vsw-n", ["192.168.0.30", "192.168.0.31"])));
        var changes = FabricDiff.Compute(current, desired);
        Assert.That(changes.Select(Describe), Is.EqualTo(new[]
        {
            "UnassignAddress 192.168.0.20", "UnassignAddress 192.168.16.5", "RemoveMember eni-member", "DetachEni eni-trunk",
        }));
    }

    [Test]
    public void Compute_TrunkReattachedElsewhere_MemberIsRemovedAndAddedAgain()
    {
        var current = Desired();
        var desired = FabricState.FromSnapshot(Snapshot(
            Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10"]),
            Eni("eni-trunk", EniType.Trunk, EniStatus.InUse, "i-1", 3, "vsw-n", ["192.168.0.20"]),
            Eni("eni-member", EniType.Member, EniStatus.InUse, "i-1", 7, "vsw-p", ["192.168.16.5"], trunk: "eni-trunk"),
            Eni("eni-sec", EniType.Secondary, EniStatus.InUse, "i-1", 2, "vsw-n", ["192.168.0.30", "192.168.0.31"])));
        var changes = FabricDiff.Compute(current, desired).Select(Describe).ToList();
        Assert.That(changes, Is.EqualTo(new[]
        {
            "RemoveMember eni-member", "DetachEni eni-trunk", "AttachEni eni-trunk", "AddMember eni-member",
        }), "the trunk moved to device index 3: its member is re-programmed on the new link");
    }

    [Test]
    public void Compute_AddressMovedToAnotherEni_IsReplacedNotUnassigned()
    {
        var current = Desired();
        var desired = FabricState.FromSnapshot(Snapshot(
            Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10"]),
            Eni("eni-trunk", EniType.Trunk, EniStatus.InUse, "i-1", 1, "vsw-n", ["192.168.0.20", "192.168.0.31"]),
            Eni("eni-member", EniType.Member, EniStatus.InUse, "i-1", 7, "vsw-p", ["192.168.16.5"], trunk: "eni-trunk"),
            Eni("eni-sec", EniType.Secondary, EniStatus.InUse, "i-1", 2, "vsw-n", ["192.168.0.30"])));
        Assert.That(FabricDiff.Compute(current, desired).Select(Describe), Is.EqualTo(new[] { "AssignAddress 192.168.0.31" }));
    }

    private static FabricState Desired() => FabricState.FromSnapshot(Snapshot(
        Eni("eni-primary", EniType.Primary, EniStatus.InUse, "i-1", 0, "vsw-n", ["192.168.0.10"]),
        Eni("eni-trunk", EniType.Trunk, EniStatus.InUse, "i-1", 1, "vsw-n", ["192.168.0.20"]),
        Eni("eni-member", EniType.Member, EniStatus.InUse, "i-1", 7, "vsw-p", ["192.168.16.5"], trunk: "eni-trunk"),
        Eni("eni-sec", EniType.Secondary, EniStatus.InUse, "i-1", 2, "vsw-n", ["192.168.0.30", "192.168.0.31"])));

    private static string Describe(FabricChange c) => c switch
    {
        UnassignAddress u => $"UnassignAddress {u.Key.Ip}",
        AssignAddress a => $"AssignAddress {a.Key.Ip}",
        RemoveMember m => $"RemoveMember {m.Member.EniId}",
        AddMember m => $"AddMember {m.Member.EniId}",
        DetachEni d => $"DetachEni {d.Eni.EniId}",
        AttachEni a => $"AttachEni {a.Eni.EniId}",
        RemoveRoute r => $"RemoveRoute {r.Route.Destination}",
        AddRoute r => $"AddRoute {r.Route.Destination}",
        _ => c.GetType().Name,
    };

    private static string Describe(FabricState s) =>
        string.Join("|", s.VSwitches.Values.Select(v => v.ToString()).Concat(s.Nodes.Values.Select(n => n.ToString())).Concat(s.Enis.Values.Select(e => e.ToString()))
            .Concat(s.Members.Values.Select(m => m.ToString())).Concat(s.Addresses.Select(a => a.ToString())).Concat(s.Routes.Values.Select(r => r.ToString())));

    private static string Replay(FabricState start, IEnumerable<FabricChange> changes) => Describe(changes.Aggregate(start, (s, c) => c.ApplyTo(s)));

    /// <summary>A region with instance i-1 and two route entries (one Available, one Pending) besides <paramref name="enis"/>.</summary>
    private static RegionSnapshot Snapshot(params EniSnapshot[] enis)
    {
        IReadOnlyList<RouteEntrySnapshot> entries =
        [
            Route("rte-1", "10.244.1.0/24", "Available", "i-1"),
            Route("rte-2", "10.244.2.0/24", "Pending", "i-1"),
        ];
        return new RegionSnapshot
        {
            Time = T0,
            RegionId = "cn-hangzhou",
            Zones = ["cn-hangzhou-h"],
            Vpcs = [],
            VSwitches =
            [
                VSwitch("vsw-n", "192.168.0.0/20"),
                VSwitch("vsw-p", "192.168.16.0/20"),
            ],
            SecurityGroups = [],
            Instances =
            [
                new InstanceSnapshot
                {
                    InstanceId = "i-1", InstanceType = new InstanceTypeDefinition { InstanceTypeId = "ecs.g7.xlarge", InstanceTypeFamily = "ecs.g7", EniQuantity = 4, EniPrivateIpAddressQuantity = 15, EniIpv6AddressQuantity = 15, EniTotalQuantity = 20, EniTrunkSupported = true }, ZoneId = "cn-hangzhou-h", VpcId = "vpc-1",
                    VSwitchId = "vsw-n", Status = "Running", HostName = "n1", InstanceName = "n1", SecurityGroupIds = [], PrimaryNetworkInterfaceId = "eni-primary",
                    PrimaryIpAddress = "192.168.0.10", CreationTime = T0,
                },
            ],
            NetworkInterfaces = enis,
            RouteTables = [new RouteTableSnapshot("vtb-1", "vpc-1", "vrt-1", "System", T0, [], entries)],
            Calls = [],
            CallCounts = new Dictionary<string, ApiCallStats>(),
        };
    }

    private static VSwitchSnapshot VSwitch(string id, string cidr) => new()
    {
        VSwitchId = id, VpcId = "vpc-1", ZoneId = "cn-hangzhou-h", CidrBlock = cidr, CreationTime = T0, Capacity = 4092, AvailableIpAddressCount = 4000, ReservedOutOfBand = 0,
    };

    private static RouteEntrySnapshot Route(string id, string destination, string status, string instance) => new()
    {
        RouteEntryId = id, RouteTableId = "vtb-1", DestinationCidrBlock = destination, Type = "Custom", Status = status, IpVersion = "ipv4",
        NextHopType = "Instance", NextHopId = instance, GmtModified = T0,
    };

    private static EniSnapshot Eni(string id, EniType type, EniStatus status, string? instance, int? deviceIndex, string vsw, string[] ips, string? trunk = null) => new()
    {
        NetworkInterfaceId = id, Type = type, Status = status, VpcId = "vpc-1", VSwitchId = vsw, ZoneId = "cn-hangzhou-h", MacAddress = Mac(id),
        PrimaryIpAddress = ips[0], PrivateIpAddresses = ips, Ipv6Addresses = [], SecurityGroupIds = [], Tags = [], CreationTime = T0,
        InstanceId = instance, TrunkNetworkInterfaceId = trunk, DeviceIndex = deviceIndex, MemberNetworkInterfaceIds = [], NetworkInterfaceTrafficMode = "Standard",
    };

    private static string Mac(string id) => id switch
    {
        "eni-primary" => "00:16:3e:00:00:01",
        "eni-trunk" => "00:16:3e:00:00:02",
        "eni-member" => "00:16:3e:00:00:03",
        "eni-sec" => "00:16:3e:00:00:04",
        _ => "00:16:3e:00:00:ff",
    };
}
