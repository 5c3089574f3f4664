using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.Tests.Conditions;

[TestFixture]
public sealed class StatusConditionsTests
{
    private static readonly DateTime T0 = new(2024, 5, 1, 8, 0, 0, 123, DateTimeKind.Utc);
    private static readonly DateTime T1 = T0.AddMinutes(1);

    [Test]
    public void Set_NewCondition_AddsWithTransitionTimeTruncatedToSeconds()
    {
        var list = new List<V1Condition>();

        var changed = StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.True, ConditionReasons.Bound, "ok", 3, T0);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(list, Has.Count.EqualTo(1));
            Assert.That(list[0].LastTransitionTime, Is.EqualTo(new DateTime(2024, 5, 1, 8, 0, 0, DateTimeKind.Utc)));
            Assert.That(list[0].ObservedGeneration, Is.EqualTo(3));
        });
    }

    [Test]
    public void Set_SameStatusNewReason_KeepsTransitionTime()
    {
        var list = new List<V1Condition>();
        StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.False, ConditionReasons.Binding, "a", 1, T0);

        var changed = StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.False, ConditionReasons.Throttled, "b", 1, T1);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(list[0].Reason, Is.EqualTo(ConditionReasons.Throttled));
            Assert.That(list[0].LastTransitionTime, Is.EqualTo(T0.AddTicks(-(T0.Ticks % TimeSpan.TicksPerSecond))));
        });
    }

    [Test]
    public void Set_StatusFlips_MovesTransitionTime()
    {
        var list = new List<V1Condition>();
        StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.False, ConditionReasons.Binding, "", 1, T0);

        StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.True, ConditionReasons.Bound, "", 1, T1);

        Assert.That(list[0].LastTransitionTime, Is.EqualTo(new DateTime(2024, 5, 1, 8, 1, 0, DateTimeKind.Utc)));
    }

    [Test]
    public void Set_Identical_ReportsNoChange()
    {
        var list = new List<V1Condition>();
        StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.True, ConditionReasons.Bound, "m", 2, T0);

        Assert.That(StatusConditions.Set(list, ConditionTypes.Ready, ConditionStatuses.True, ConditionReasons.Bound, "m", 2, T1), Is.False);
    }

    [Test]
    public void MarkStalled_AfterReconciling_SwapsAbnormalConditionAndRecordsGeneration()
    {
        var status = new PodNetworkingStatus();
        StatusConditions.MarkReconciling(status, 4, ConditionReasons.Progressing, "resolving", T0);

        var changed = StatusConditions.MarkStalled(status, 5, ConditionReasons.VSwitchNotFound, "vsw-x not found", T1);

        Assert.Multiple(() =>
        {
            Assert.That(changed, Is.True);
            Assert.That(status.ObservedGeneration, Is.EqualTo(5));
            Assert.That(status.Conditions!.Select(c => c.Type), Is.EquivalentTo(new[] { ConditionTypes.Ready, ConditionTypes.Stalled }));
            Assert.That(StatusConditions.Find(status.Conditions, ConditionTypes.Ready)!.Reason, Is.EqualTo(ConditionReasons.VSwitchNotFound));
            Assert.That(StatusConditions.IsTrue(status.Conditions, ConditionTypes.Stalled), Is.True);
            Assert.That(StatusConditions.IsTrue(status.Conditions, ConditionTypes.Ready), Is.False);
        });
    }

    [Test]
    public void MarkReady_AfterStalled_LeavesOnlyReadyTrue()
    {
        var status = new PodEniStatus();
        StatusConditions.MarkStalled(status, 1, ConditionReasons.QuotaExceeded, "", T0);

        StatusConditions.MarkReady(status, 1, ConditionReasons.Bound, "bound", T1);

        Assert.Multiple(() =>
        {
            Assert.That(status.Conditions!.Select(c => c.Type), Is.EqualTo(new[] { ConditionTypes.Ready }));
            Assert.That(StatusConditions.IsTrue(status.Conditions, ConditionTypes.Ready), Is.True);
            Assert.That(StatusConditions.MarkReady(status, 1, ConditionReasons.Bound, "bound", T1), Is.False);
        });
    }

    [Test]
    public void Remove_Absent_ReportsNoChange() =>
        Assert.That(StatusConditions.Remove(new List<V1Condition>(), ConditionTypes.Stalled), Is.False);

    [Test]
    public void Reasons_AllConstants_MatchTheConditionReasonPattern()
    {
        var reasons = typeof(ConditionReasons).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.That(reasons, Has.All.Matches("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"));
        Assert.That(reasons, Has.Member("VSwitchNotFound").And.Member("Throttled").And.Member("TrunkNotReady").And.Member("Bound").And.Member("Binding"));
    }
}
