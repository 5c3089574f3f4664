using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Model;

/// <summary>Asynchronous ENI states and their durations on a fake clock, including the fault modes.</summary>
[TestFixture]
public sealed class AsyncTransitionTests
{
    private ModelHarness _h = null!;

    private RegionModel M => _h.Model;

    [SetUp]
    public void SetUp() => _h = ModelHarness.CreateExtended(o => o.Knobs.Durations = new AsyncDurations
    {
        Attach = TimeSpan.FromSeconds(3),
        Detach = TimeSpan.FromSeconds(4),
        MemberAttach = TimeSpan.FromSeconds(1),
        MemberDetach = TimeSpan.FromSeconds(2),
        Delete = TimeSpan.FromSeconds(5),
    });

    private EniStatus Status(string id) => _h.Eni(id).Status;

    [Test]
    public void Attach_TakesTheAttachDuration()
    {
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        var attaching = _h.Eni(eni.NetworkInterfaceId);
        Assert.That(attaching.Status, Is.EqualTo(EniStatus.Attaching));
        Assert.That(attaching.InstanceId, Is.EqualTo(Ids.Node1));
        Assert.That(attaching.TransitionDueAt, Is.EqualTo(ModelHarness.Start + TimeSpan.FromSeconds(3)));
        _h.Time.Advance(TimeSpan.FromMilliseconds(2999));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Attaching));
        _h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.InUse));
        Assert.That(_h.Eni(eni.NetworkInterfaceId).TransitionDueAt, Is.Null);
    }

    [Test]
    public void Detach_TakesTheDetachDurationAndClearsTheAttachment()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Detaching));
        Assert.That(_h.Eni(eni.NetworkInterfaceId).InstanceId, Is.EqualTo(Ids.Node1));
        _h.Time.Advance(TimeSpan.FromSeconds(4));
        var done = _h.Eni(eni.NetworkInterfaceId);
        Assert.That(done.Status, Is.EqualTo(EniStatus.Available));
        Assert.That(done.InstanceId, Is.Null);
        Assert.That(done.DeviceIndex, Is.Null);
    }

    [Test]
    public void Detach_ReissuedWhileDetaching_RestartsTheTimer()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Time.Advance(TimeSpan.FromSeconds(3));
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Detaching), "the first timer was superseded");
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public void Member_UsesMemberDurations()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var member = _h.CreateEni();
        M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        var attaching = _h.Eni(member.NetworkInterfaceId);
        Assert.That((attaching.Status, attaching.Type), Is.EqualTo((EniStatus.Attaching, EniType.Member)));
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(Status(member.NetworkInterfaceId), Is.EqualTo(EniStatus.InUse));
        M.DetachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(Status(member.NetworkInterfaceId), Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public void Delete_KeepsAddressesUntilGone()
    {
        var eni = _h.CreateEni(Ids.TinyVSwitch, secondary: 3);
        M.DeleteNetworkInterface(eni.NetworkInterfaceId);
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Deleting));
        Expect.Code("InvalidOperation.InvalidEniState", () => M.DeleteNetworkInterface(eni.NetworkInterfaceId));
        Expect.Code("InvalidVSwitchId.IpNotEnough", () => _h.CreateEni(Ids.TinyVSwitch));
        _h.Time.Advance(TimeSpan.FromSeconds(5));
        Expect.Code("InvalidEniId.NotFound", () => _h.Eni(eni.NetworkInterfaceId));
        Assert.That(M.VSwitches().Single(v => v.VSwitchId == Ids.TinyVSwitch).AvailableIpAddressCount, Is.EqualTo(4));
    }

    [Test]
    public void TimeScale_DividesDurations()
    {
        _h.Knobs.Update(k => k.TimeScale = 10);
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Attaching));
        _h.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.InUse));
    }

    [Test]
    public void InstantDurations_CompleteAtTheNextCall()
    {
        _h.Knobs.Update(k => k.WithInstantTransitions());
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.InUse));
    }

    [Test]
    public void AttachFailureRate_One_FallsBackToAvailable()
    {
        _h.Knobs.Update(k => k.AttachFailureRate = 1);
        var trunk = _h.CreateEni(type: EniType.Trunk);
        M.AttachNetworkInterface(trunk.NetworkInterfaceId, Ids.Node1, null);
        _h.Settle();
        var after = _h.Eni(trunk.NetworkInterfaceId);
        Assert.That(after.Status, Is.EqualTo(EniStatus.Available));
        Assert.That(after.InstanceId, Is.Null);
        Assert.That(after.Type, Is.EqualTo(EniType.Trunk));
    }

    [Test]
    public void FailNextAttach_MemberFallsBackToSecondaryAndLeavesTheTrunk()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var member = _h.CreateEni();
        M.FailNextAttach(member.NetworkInterfaceId);
        M.AttachNetworkInterface(member.NetworkInterfaceId, Ids.Node1, trunk.NetworkInterfaceId);
        _h.Settle();
        var after = _h.Eni(member.NetworkInterfaceId);
        Assert.That((after.Status, after.Type, after.TrunkNetworkInterfaceId), Is.EqualTo((EniStatus.Available, EniType.Secondary, (string?)null)));
        Assert.That(_h.Eni(trunk.NetworkInterfaceId).MemberNetworkInterfaceIds, Is.Empty);
        _h.Attached(member, Ids.Node1, trunk.NetworkInterfaceId); // only the next attach failed
    }

    [Test]
    public void DetachStuckRate_One_StaysDetachingUntilDetachedAgain()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        _h.Knobs.Update(k => k.DetachStuckRate = 1);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Time.Advance(TimeSpan.FromHours(1));
        var stuck = _h.Eni(eni.NetworkInterfaceId);
        Assert.That((stuck.Status, stuck.StuckInDetaching), Is.EqualTo((EniStatus.Detaching, true)));
        _h.Knobs.Update(k => k.DetachStuckRate = 0);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Settle();
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public void StickInDetaching_StopsADetachInProgress()
    {
        var eni = _h.Attached(_h.CreateEni(), Ids.Node1);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        M.StickInDetaching(eni.NetworkInterfaceId);
        _h.Settle();
        Assert.That(_h.Eni(eni.NetworkInterfaceId).StuckInDetaching, Is.True);
        M.StickInDetaching(eni.NetworkInterfaceId, false);
        M.DetachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        _h.Settle();
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public void DetachOutOfBand_FreesAtOnceIncludingTrunkMembers()
    {
        var trunk = _h.Attached(_h.CreateEni(type: EniType.Trunk), Ids.Node1);
        var member = _h.Attached(_h.CreateEni(), Ids.Node1, trunk.NetworkInterfaceId);
        M.DetachOutOfBand(trunk.NetworkInterfaceId);
        Assert.That(Status(trunk.NetworkInterfaceId), Is.EqualTo(EniStatus.Available));
        var m = _h.Eni(member.NetworkInterfaceId);
        Assert.That((m.Status, m.Type), Is.EqualTo((EniStatus.Available, EniType.Secondary)));
    }

    [Test]
    public void DetachOutOfBand_CancelsAnAttachInProgress()
    {
        var eni = _h.CreateEni();
        M.AttachNetworkInterface(eni.NetworkInterfaceId, Ids.Node1, null);
        M.DetachOutOfBand(eni.NetworkInterfaceId);
        _h.Settle();
        Assert.That(Status(eni.NetworkInterfaceId), Is.EqualTo(EniStatus.Available), "the stale attach completion is ignored");
    }
}
