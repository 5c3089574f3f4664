using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Model;

/// <summary>What the model enforces on ENIs and their addresses, with the cloud's codes.</summary>
[TestFixture]
public sealed class EniRulesTests
{
    private ModelHarness _h = null!;

    private RegionModel M => _h.Model;

    [SetUp]
    public void SetUp() => _h = ModelHarness.CreateExtended();

    private VSwitchSnapshot VSwitch(string id) => M.VSwitches().Single(v => v.VSwitchId == id);

    [Test]
    public void Create_Default_IsAvailableSecondaryWithOneAddressFromTheVSwitch()
    {
        var before = VSwitch(Ids.VSwitchH).AvailableIpAddressCount;
        var eni = _h.CreateEni(secondary: 2, ipv6: 1, tags: new CloudTag("creator", "terway"));
        Assert.Multiple(() =>
        {
            Assert.That(eni.Status, Is.EqualTo(EniStatus.Available));
            Assert.That(eni.Type, Is.EqualTo(EniType.Secondary));
            Assert.That(eni.NetworkInterfaceId, Does.Match("^eni-[a-z0-9]{20}$"));
            Assert.That(eni.MacAddress, Does.StartWith("00:16:3e:"));
            Assert.That(eni.PrivateIpAddresses, Has.Count.EqualTo(3));
            Assert.That(eni.PrivateIpAddresses[0], Is.EqualTo(eni.PrimaryIpAddress));
            Assert.That(eni.PrivateIpAddresses, Is.Unique);
            Assert.That(eni.Ipv6Addresses, Has.Count.EqualTo(1));
            Assert.That(eni.Ipv6Addresses[0], Does.StartWith("2408:4005:3ed:d01:"));
            Assert.That(eni.ZoneId, Is.EqualTo(Ids.ZoneH));
            Assert.That(eni.Tags, Is.EqualTo(new[] { new CloudTag("creator", "terway") }));
            Assert.That(eni.CreationTime, Is.EqualTo(ModelHarness.Start));
            Assert.That(VSwitch(Ids.VSwitchH).AvailableIpAddressCount, Is.EqualTo(before - 3));
        });
    }

    [Test]
    public void Create_UnknownVSwitch_IsNotFound() =>
        Expect.Code("InvalidVSwitchId.NotFound", 404, () => _h.CreateEni("vsw-nope"));

    [Test]
    public void Create_UnknownSecurityGroup_IsNotFound() =>
        Expect.Code("InvalidSecurityGroupId.NotFound", 404, () => M.CreateNetworkInterface(new CreateEniArgs { VSwitchId = Ids.VSwitchH, SecurityGroupIds = ["sg-nope"] }));

    [Test]
    public void Create_SecurityGroupOfAnotherVpc_IsVpcMismatch() =>
        Expect.Code("InvalidOperation.VpcMismatch", 403, () => M.CreateNetworkInterface(new CreateEniArgs { VSwitchId = Ids.VSwitchH, SecurityGroupIds = [Ids.OtherSg] }));

    [Test]
    public void Create_UnknownResourceGroup_IsNotFound() =>
        Expect.Code("InvalidResourceGroup.NotFound", 404, () => M.CreateNetworkInterface(new CreateEniArgs { VSwitchId = Ids.VSwitchH, SecurityGroupIds = [Ids.SgPods], ResourceGroupId = "rg-nope" }));

    [Test]
    public void Create_PrimaryIpAddressRules_FollowTheVSwitch()
    {
        CreateEniArgs With(string ip) => new() { VSwitchId = Ids.VSwitchH, SecurityGroupIds = [Ids.SgPods], PrimaryIpAddress = ip };
        var eni = M.CreateNetworkInterface(With("192.168.3.3"));
        Assert.That(eni.PrimaryIpAddress, Is.EqualTo("192.168.3.3"));
        Expect.Code("InvalidPrivateIpAddress.Duplicated", 400, () => M.CreateNetworkInterface(With("192.168.3.3")));
        Expect.Code("InvalidVSwitchId.IpInvalid", 403, () => M.CreateNetworkInterface(With("192.168.16.5")));   // the other vSwitch
        Expect.Code("InvalidVSwitchId.IpInvalid", () => M.CreateNetworkInterface(With("192.168.0.0")));         // network address
        Expect.Code("InvalidVSwitchId.IpInvalid", () => M.CreateNetworkInterface(With("192.168.15.253")));      // reserved tail
        Expect.Code("InvalidIp.Address", () => M.CreateNetworkInterface(With("192.168.3")));
    }

    [Test]
    public void Create_ExhaustedVSwitch_IsIpNotEnoughAndAllocatesNothing()
    {
        var tiny = VSwitch(Ids.TinyVSwitch);
        Assert.That(tiny.Capacity, Is.EqualTo(4), "a /29 keeps 8 − 4 reserved addresses");
        _h.CreateEni(Ids.TinyVSwitch, secondary: 2);
        Expect.Code("InvalidVSwitchId.IpNotEnough", 403, () => _h.CreateEni(Ids.TinyVSwitch, secondary: 1));
        Assert.That(VSwitch(Ids.TinyVSwitch).AvailableIpAddressCount, Is.EqualTo(1));
        var last = _h.CreateEni(Ids.TinyVSwitch);
        Assert.That(last.PrimaryIpAddress, Is.AnyOf("192.168.255.249", "192.168.255.250", "192.168.255.251", "192.168.255.252"));
        Expect.Code("InvalidVSwitchId.IpNotEnough", () => _h.CreateEni(Ids.TinyVSwitch));
    }

    [Test]
    public void Create_Ipv6OnIpv4OnlyVSwitch_IsRejected() =>
        Expect.Code("InvalidOperation.Ipv6NotSupport", () => _h.CreateEni(Ids.Ipv4OnlyVSwitch, ipv6: 1));

    [Test]
    public void Create_RegionEniQuota_IsEnforced()
    {
        _h.Knobs.Update(k => k.MaxEniCount = 2);
        _h.CreateEni();
        var second = _h.CreateEni();
        Expect.Code("MaxEniCountExceeded", 403, () => _h.CreateEni());
        M.DeleteNetworkInterface(second.NetworkInterfaceId);
        _h.Settle();
        Assert.That(_h.CreateEni().Status, Is.EqualTo(EniStatus.Available), "a deleted ENI frees quota");
    }

    [Test]
    public void Attach_BeyondEniQuantity_IsEniPerInstanceLimitExceeded()
    {
        // ecs.g7.xlarge: EniQuantity 4 including the primary ENI.
        for (var i = 0; i < 3; i++)
        {
            _h.Attached(_h.CreateEni(), Ids.Node1);
        }

        var extra = _h.CreateEni();
        Expect.Code("EniPerInstanceLimitExceeded", 403, () => M.AttachNetworkInterface(extra.NetworkInterfaceId, Ids.Node1, null));
        Assert.That(_h.Eni(extra.NetworkInterfaceId).Status, Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public void Attach_AttachingAndDetachingEnisCountTowardsTheLimit()
    {
        var a = _h.Attached(_h.CreateEni(), Ids.Node1);
        var b = _h.CreateEni();
        var c = _h.CreateEni();
        M.AttachNetworkInterface(b.NetworkInterfaceId, Ids.Node1, null);
        M.AttachNetworkInterface(c.NetworkInterfaceId, Ids.Node1, null);
        M.DetachNetworkInterface(a.NetworkInterfaceId, Ids.Node1, null);
        Expect.Code("EniPerInstanceLimitExceeded", () => M.AttachNetworkInterface(_h.CreateEni().NetworkInterfaceId, Ids.Node1, null));
    }

    [Test]
    public void Attach_DeviceIndexesAreDistinctAndStartAtOne()
    {
        var indexes = Enumerable.Range(0, 3).Select(_ => _h.Attached(_h.CreateEni(), Ids.Node2).DeviceIndex).ToList();
        Assert.That(indexes, Is.EquivalentTo(new int?[] { 1, 2, 3 }));
    }

    [Test]
    public void Attach_EniInOtherZone_IsAvailabilityZoneMismatch()
    {
        var eni = _h.CreateEni(Ids.VSwitchI);
        Expect.Code("InvalidOperation.AvailabilityZoneMismatch", 403, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null));
    }

    [Test]
    public void Attach_EniOfOtherVpc_IsVpcMismatch()
    {
        var eni = _h.CreateEni();
        Expect.Code("InvalidOperation.VpcMismatch", 403, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.OtherNode, null));
    }

    [Test]
    public void Attach_UnknownEniOrInstance_IsNotFound()
    {
        var eni = _h.CreateEni();
        Expect.Code("InvalidEniId.NotFound", 404, () => M.AttachNetworkInterface("eni-nope", Ids.Node1, null));
        Expect.Code("InvalidEcsId.NotFound", 404, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, "i-nope", null));
    }

    [Test]
    public void Attach_EniNotAvailable_IsInvalidEniState()
    {
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        Expect.Code("InvalidOperation.InvalidEniState", 400, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node2, null));
        _h.Settle();
        Expect.Code("InvalidOperation.InvalidEniState", () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null));
    }

    [Test]
    public void Attach_PrimaryEni_IsRejected()
    {
        var primary = M.Instances().Single(i => i.InstanceId == Ids.Node1).PrimaryNetworkInterfaceId;
        Expect.Code("InvalidOperation.InvalidEniType", () => M.AttachNetworkInterface(primary, Ids.Node2, null));
    }

    [Test]
    public void Attach_InstanceNotRunningOrStopped_IsInvalidEcsState()
    {
        M.SetInstanceStatus(Ids.Node1, "Stopped");
        _h.Attached(_h.CreateEni(), Ids.Node1);
        M.SetInstanceStatus(Ids.Node1, "Starting");
        Expect.Code("InvalidOperation.InvalidEcsState", 400, () => M.AttachNetworkInterface(_h.CreateEni().NetworkInterfaceId, Ids.Node1, null));
    }

    [Test]
    public void Attach_MoreIpv4ThanTheTypeAllows_IsIpv4CountExceeded()
    {
        var eni = _h.CreateEni(secondary: 15); // 16 addresses; g7.xlarge allows 15 per ENI
        Expect.Code("InvalidOperation.Ipv4CountExceeded", 403, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null));
        M.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, [eni.PrivateIpAddresses[1]]);
        _h.Attached(eni, Ids.Node1);
    }

    [Test]
    public void Attach_MoreIpv6ThanTheTypeAllows_IsIpv6CountExceeded()
    {
        var eni = _h.CreateEni(ipv6: 2); // g6.large allows 1 IPv6 per ENI
        Expect.Code("InvalidOperation.Ipv6CountExceeded", 403, () => M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.SmallNode, null));
    }

    [Test]
    public void Attach_TrunkToTypeWithoutTrunkSupport_IsRejected()
    {
        var trunk = _h.CreateEni(type: EniType.Trunk);
        Expect.Code("InvalidOperation.InvalidEniType", () => M.AttachNetworkInterface(trunk.NetworkInterfaceId, Ids.SmallNode, null));
    }

    [Test]
    public void Attach_SecondTrunk_IsRejected()
    {
        _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var second = _h.CreateEni(type: EniType.Trunk);
        Expect.Code("InvalidOperation.InvalidEniType", () => M.AttachNetworkInterface(second.NetworkInterfaceId, Ids.Node1, null));
    }

    [Test]
    public void Attach_ConcurrentAttachesPerInstance_AreLimited()
    {
        _h.Knobs.Update(k => k.MaxConcurrentAttachesPerInstance = 2);
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        M.AttachNetworkInterface(_h.CreateEni().NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        M.AttachNetworkInterface(_h.CreateEni().NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        var third = _h.CreateEni();
        Expect.Code("OperationConflict", 409, () => M.AttachNetworkInterface(third.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId));
        _h.Settle();
        M.AttachNetworkInterface(third.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
    }

    [Test]
    public void AttachMember_OnTrunk_BecomesMemberWithVlanAndTrunk()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        Assert.That(trunk.Type, Is.EqualTo(EniType.Trunk));
        var m1 = _h.Attached(_h.CreateEni(), Ids.Node1, trunk.NetworkInterfaceId);
        var m2 = _h.Attached(_h.CreateEni(), Ids.Node1, trunk.NetworkInterfaceId);
        Assert.Multiple(() =>
        {
            Assert.That(m1.Type, Is.EqualTo(EniType.Member));
            Assert.That(m1.TrunkNetworkInterfaceId, Is.EqualTo(trunk.NetworkInterfaceId));
            Assert.That(m1.InstanceId, Is.EqualTo(Ids.Node1));
            Assert.That(new[] { m1.DeviceIndex, m2.DeviceIndex }, Is.EquivalentTo(new int?[] { 1, 2 }));
            Assert.That(_h.Eni(trunk.NetworkInterfaceId).MemberNetworkInterfaceIds, Is.EquivalentTo(new[] { m1.NetworkInterfaceId, m2.NetworkInterfaceId }));
        });
    }

    [Test]
    public void AttachMember_BeyondTotalMinusEniQuantity_IsEniPerInstanceLimitExceeded()
    {
        // ecs.g7.xlarge: EniTotalQuantity 20 − EniQuantity 4 = 16 members per trunk; members do not use ENI slots.
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        for (var i = 0; i < 16; i++)
        {
            M.AttachNetworkInterface(_h.CreateEni().NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
            if (i % 4 == 3)
            {
                _h.Settle();
            }
        }

        _h.Settle();
        var extra = _h.CreateEni();
        Expect.Code("EniPerInstanceLimitExceeded", 403, () => M.AttachNetworkInterface(extra.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId));
        _h.Attached(_h.CreateEni(), Ids.Node1); // a secondary ENI still fits (2 of 4 slots used)
    }

    [Test]
    public void AttachMember_TrunkNotUsable_IsRejected()
    {
        var trunk = _h.CreateEni(type: EniType.Trunk);
        var member = _h.CreateEni();
        Expect.Code("InvalidOperation.InvalidEniState", () => M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId));
        _h.Attached(trunk, Ids.Node1);
        Expect.Code("InvalidOperation.InvalidEniState", () => M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node2, trunk.NetworkInterfaceId));
        var notTrunk = _h.Attached(_h.CreateEni(), Ids.Node2);
        Expect.Code("InvalidOperation.InvalidEniType", () => M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node2, notTrunk.NetworkInterfaceId));
        Expect.Code("InvalidEniId.NotFound", () => M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, "eni-nope"));
    }

    [Test]
    public void Detach_PrimaryEni_IsNotAllowed()
    {
        var primary = M.Instances().Single(i => i.InstanceId == Ids.Node1).PrimaryNetworkInterfaceId;
        Expect.Code("InvalidOperation.DetachPrimaryEniNotAllowed", 400, () => M.DetachNetworkInterface(primary, Ids.Node1, null));
    }

    [Test]
    public void Detach_WrongStateOrInstance_IsRejected()
    {
        var eni = _h.CreateEni();
        Expect.Code("InvalidOperation.InvalidEniState", () => M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null));
        _h.Attached(eni, Ids.Node1);
        Expect.Code("InvalidParameter", () => M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node2, null));
        Expect.Code("InvalidEcsId.NotFound", () => M.DetachNetworkInterface(eni.NetworkInterfaceId, "i-nope", null));
        Expect.Code("InvalidEniId.NotFound", () => M.DetachNetworkInterface("eni-nope", Ids.Node1, null));
    }

    [Test]
    public void Detach_TrunkWithMembers_IsEniLinked()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var member = _h.Attached(_h.CreateEni(), Ids.Node1, trunk.NetworkInterfaceId);
        Expect.Code("InvalidOperation.EniLinked", 403, () => M.DetachNetworkInterface(trunk.NetworkInterfaceId, Ids.Node1, null));
        Expect.Code("InvalidParameter", () => M.DetachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, "eni-other"));
        M.DetachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        _h.Settle();
        var back = _h.Eni(member.NetworkInterfaceId);
        Assert.That(back.Type, Is.EqualTo(EniType.Secondary));
        Assert.That(back.TrunkNetworkInterfaceId, Is.Null);
        M.DetachNetworkInterface(trunk.NetworkInterfaceId, Ids.Node1, null);
    }

    [Test]
    public void Delete_RulesForStateAndType()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        Expect.Code("InvalidOperation.InvalidEniState", 400, () => M.DeleteNetworkInterface(eni.NetworkInterfaceId));
        var primary = M.Instances().Single(i => i.InstanceId == Ids.Node1).PrimaryNetworkInterfaceId;
        Expect.Code("InvalidOperation.InvalidEniType", () => M.DeleteNetworkInterface(primary));
        Expect.Code("InvalidEniId.NotFound", 404, () => M.DeleteNetworkInterface("eni-nope"));
    }

    [Test]
    public void AssignPrivateIps_Unattached_CapsAtFortyNineSecondaries()
    {
        var eni = _h.CreateEni(secondary: 40);
        M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 9);
        Expect.Code("InvalidOperation.Ipv4CountExceeded", 403, () => M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 1));
        Assert.That(_h.Eni(eni.NetworkInterfaceId).PrivateIpAddresses, Has.Count.EqualTo(50));
    }

    [Test]
    public void AssignPrivateIps_Attached_CapsAtTypeLimit()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        var added = M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 14);
        Assert.That(added, Has.Count.EqualTo(14).And.Unique);
        Expect.Code("InvalidOperation.Ipv4CountExceeded", () => M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 1));
    }

    [Test]
    public void AssignPrivateIps_SpecificAddresses_AreCheckedAgainstTheVSwitch()
    {
        var a = _h.CreateEni();
        var b = _h.CreateEni();
        Assert.That(M.AssignPrivateIpAddresses(a.NetworkInterfaceId, ["192.168.7.7"], 0), Is.EqualTo(new[] { "192.168.7.7" }));
        Expect.Code("InvalidIp.IpAssigned", 403, () => M.AssignPrivateIpAddresses(b.NetworkInterfaceId, ["192.168.7.7"], 0));
        Expect.Code("InvalidIp.IpAssigned", () => M.AssignPrivateIpAddresses(b.NetworkInterfaceId, [a.PrimaryIpAddress], 0));
        Expect.Code("InvalidVSwitchId.IpInvalid", 403, () => M.AssignPrivateIpAddresses(b.NetworkInterfaceId, ["10.9.9.9"], 0));
        Expect.Code("InvalidIp.IpRepeated", () => M.AssignPrivateIpAddresses(b.NetworkInterfaceId, ["192.168.7.8", "192.168.7.8"], 0));
        Assert.That(_h.Eni(b.NetworkInterfaceId).PrivateIpAddresses, Has.Count.EqualTo(1), "a rejected call assigns nothing");
    }

    [Test]
    public void AssignPrivateIps_ExhaustedVSwitch_IsIpNotEnough()
    {
        var eni = _h.CreateEni(Ids.TinyVSwitch, secondary: 1);
        Expect.Code("InvalidVSwitchId.IpNotEnough", 403, () => M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 3));
        Assert.That(M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 2), Has.Count.EqualTo(2));
    }

    [Test]
    public void AssignPrivateIps_TransitionalState_IsInvalidEniState()
    {
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        Expect.Code("InvalidOperation.InvalidEniState", () => M.AssignPrivateIpAddresses(eni.NetworkInterfaceId, [], 1));
    }

    [Test]
    public void AssignPrivateIps_OnPrimaryEni_FollowsTypeLimitAndInstanceState()
    {
        var primary = M.Instances().Single(i => i.InstanceId == Ids.Node1).PrimaryNetworkInterfaceId;
        M.AssignPrivateIpAddresses(primary, [], 14);
        Expect.Code("InvalidOperation.Ipv4CountExceeded", () => M.AssignPrivateIpAddresses(primary, [], 1));
        M.SetInstanceStatus(Ids.Node1, "Stopping");
        Expect.Code("InvalidOperation.InvalidEcsState", () => M.UnassignPrivateIpAddresses(primary, [_h.Eni(primary).PrivateIpAddresses[1]]));
    }

    [Test]
    public void UnassignPrivateIps_PrimaryOrForeignAddress_IsIpUnassigned()
    {
        var eni = _h.CreateEni(secondary: 2);
        var other = _h.CreateEni();
        Expect.Code("InvalidIp.IpUnassigned", 403, () => M.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, [eni.PrimaryIpAddress]));
        Expect.Code("InvalidIp.IpUnassigned", () => M.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, [other.PrimaryIpAddress]));
        Expect.Code("InvalidIp.IpUnassigned", () => M.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, [eni.PrivateIpAddresses[1], "192.168.9.9"]));
        Assert.That(_h.Eni(eni.NetworkInterfaceId).PrivateIpAddresses, Has.Count.EqualTo(3), "a rejected call releases nothing");

        var before = VSwitch(Ids.VSwitchH).AvailableIpAddressCount;
        M.UnassignPrivateIpAddresses(eni.NetworkInterfaceId, eni.PrivateIpAddresses.Skip(1).ToList());
        Assert.That(VSwitch(Ids.VSwitchH).AvailableIpAddressCount, Is.EqualTo(before + 2));
        Assert.That(_h.Eni(eni.NetworkInterfaceId).PrivateIpAddresses, Is.EqualTo(new[] { eni.PrimaryIpAddress }));
    }

    [Test]
    public void Ipv6_LimitsFollowAttachmentAndVSwitch()
    {
        var eni = _h.CreateEni(ipv6: 8);
        M.AssignIpv6Addresses(eni.NetworkInterfaceId, [], 2);
        Expect.Code("InvalidOperation.Ipv6CountExceeded", 403, () => M.AssignIpv6Addresses(eni.NetworkInterfaceId, [], 1));

        var small = _h.Attached(_h.CreateEni(), Ids.SmallNode);
        M.AssignIpv6Addresses(small.NetworkInterfaceId, [], 1);
        Expect.Code("InvalidOperation.Ipv6CountExceeded", () => M.AssignIpv6Addresses(small.NetworkInterfaceId, [], 1));

        var v4only = _h.CreateEni(Ids.Ipv4OnlyVSwitch);
        Expect.Code("InvalidOperation.Ipv6NotSupport", () => M.AssignIpv6Addresses(v4only.NetworkInterfaceId, [], 1));
    }

    [Test]
    public void Ipv6_SpecificAddressesAndUnassign()
    {
        var a = _h.CreateEni();
        var b = _h.CreateEni();
        Assert.That(M.AssignIpv6Addresses(a.NetworkInterfaceId, ["2408:4005:3ed:d01::abc"], 0), Is.EqualTo(new[] { "2408:4005:3ed:d01::abc" }));
        Expect.Code("InvalidIp.IpAssigned", () => M.AssignIpv6Addresses(b.NetworkInterfaceId, ["2408:4005:3ed:d01::abc"], 0));
        Expect.Code("InvalidVSwitchId.IpInvalid", () => M.AssignIpv6Addresses(b.NetworkInterfaceId, ["2408:4005:3ed:d02::1"], 0));
        Expect.Code("InvalidIp.IpUnassigned", () => M.UnassignIpv6Addresses(b.NetworkInterfaceId, ["2408:4005:3ed:d01::abc"]));
        M.UnassignIpv6Addresses(a.NetworkInterfaceId, ["2408:4005:3ed:d01::abc"]);
        Assert.That(M.AssignIpv6Addresses(b.NetworkInterfaceId, ["2408:4005:3ed:d01::abc"], 0), Has.Count.EqualTo(1), "released addresses are reusable");
    }

    [Test]
    public void ReserveAddresses_ShrinkAvailableCountAndAreNeverHandedOut()
    {
        var reserved = M.ReserveAddresses(Ids.TinyVSwitch, 3);
        Assert.That(VSwitch(Ids.TinyVSwitch).AvailableIpAddressCount, Is.EqualTo(1));
        var eni = _h.CreateEni(Ids.TinyVSwitch);
        Assert.That(reserved, Does.Not.Contain(eni.PrimaryIpAddress));
        Expect.Code("InvalidVSwitchId.IpNotEnough", () => _h.CreateEni(Ids.TinyVSwitch));
        M.ReleaseReservedAddresses(Ids.TinyVSwitch, reserved);
        Assert.That(VSwitch(Ids.TinyVSwitch).AvailableIpAddressCount, Is.EqualTo(3));
    }

    [Test]
    public void QueryNetworkInterfaces_InstanceFilterIncludesMembers()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var member = _h.Attached(_h.CreateEni(), Ids.Node1, trunk.NetworkInterfaceId);
        var page = M.QueryNetworkInterfaces(new EniFilter { InstanceId = Ids.Node1 }, 0, 100);
        Assert.That(page.Items.Select(e => e.NetworkInterfaceId), Does.Contain(member.NetworkInterfaceId).And.Contain(trunk.NetworkInterfaceId));
        var members = M.QueryNetworkInterfaces(new EniFilter { Type = EniType.Member, Status = EniStatus.InUse }, 0, 100);
        Assert.That(members.Items.Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { member.NetworkInterfaceId }));
    }
}
