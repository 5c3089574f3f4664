using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Status;

namespace Terway.Kube.Tests.Status;

[TestFixture]
public sealed class ConditionsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Set_NewCondition_AddsWithTransitionTimeNow()
    {
        var time = new FakeTimeProvider(Start);
        var list = new List<V1Condition>();

        var changed = Conditions.Set(list, Conditions.Ready, Conditions.True, "Bound", "ENI attached", 3, time);

        Assert.That(changed, Is.True);
        var c = list.Single();
        Assert.That((c.Type, c.Status, c.Reason, c.Message, c.ObservedGeneration), Is.EqualTo(("Ready", "True", "Bound", "ENI attached", (long?)3)));
        Assert.That(c.LastTransitionTime, Is.EqualTo(Start.UtcDateTime));
    }

    [Test]
    public void Set_SameStatusNewReason_KeepsTransitionTime()
    {
        var time = new FakeTimeProvider(Start);
        var list = new List<V1Condition>();
        Conditions.Set(list, "Ready", "False", "Pending", "waiting", 1, time);
        time.Advance(TimeSpan.FromMinutes(5));

        var changed = Conditions.Set(list, "Ready", "False", "Attaching", "attaching ENI", 2, time);

        Assert.That(changed, Is.True);
        Assert.That(list[0].LastTransitionTime, Is.EqualTo(Start.UtcDateTime), "status did not change");
        Assert.That((list[0].Reason, list[0].Message, list[0].ObservedGeneration), Is.EqualTo(("Attaching", "attaching ENI", (long?)2)));
    }

    [Test]
    public void Set_StatusFlips_MovesTransitionTime()
    {
        var time = new FakeTimeProvider(Start);
        var list = new List<V1Condition>();
        Conditions.Set(list, "Ready", "False", "Pending", "waiting", 1, time);
        time.Advance(TimeSpan.FromMinutes(5));

        Conditions.Set(list, "Ready", "True", "Bound", "ok", 1, time);

        Assert.That(list[0].LastTransitionTime, Is.EqualTo(Start.AddMinutes(5).UtcDateTime));
    }

    [Test]
    public void Set_NothingDifferent_ReportsNoChange()
    {
        var time = new FakeTimeProvider(Start);
        var list = new List<V1Condition>();
        Conditions.Set(list, "Ready", "True", "Bound", "ok", 1, time);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.That(Conditions.Set(list, "Ready", "True", "Bound", "ok", 1, time), Is.False);
        Assert.That(list[0].LastTransitionTime, Is.EqualTo(Start.UtcDateTime));
    }

    [Test]
    public void Set_InvalidStatus_Throws()
    {
        Assert.That(() => Conditions.Set(new List<V1Condition>(), "Ready", "yes", "R", "m", 1), Throws.ArgumentException);
    }

    [Test]
    public void MarkReconcilingThenReady_FollowsKstatus()
    {
        var time = new FakeTimeProvider(Start);
        var list = new List<V1Condition>();

        Conditions.MarkReconciling(list, "Attaching", "attaching", 4, time);
        Assert.That(Conditions.IsTrue(list, Conditions.Reconciling), Is.True);
        Assert.That(Conditions.IsFalse(list, Conditions.Ready), Is.True);

        Conditions.MarkStalled(list, "QuotaExceeded", "no ENI quota", 4, time);
        Assert.That(Conditions.IsTrue(list, Conditions.Stalled), Is.True);
        Assert.That(Conditions.Find(list, Conditions.Reconciling), Is.Null);

        Conditions.MarkReady(list, "Bound", "ok", 4, time);
        Assert.That(list.Select(c => c.Type), Is.EqualTo(new[] { "Ready" }));
        Assert.That(Conditions.IsTrue(list, Conditions.Ready), Is.True);
    }
}
