using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Operator.Cloud;
using Terway.Operator.Controllers.Gc;

namespace Terway.Operator.Tests.Controllers;

/// <summary>The leaked-ENI rules: unreferenced, old enough, seen twice, bounded, owners mid-record spared.</summary>
[TestFixture]
public sealed class GcPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MinAge = TimeSpan.FromMinutes(10);

    private static CloudEni Eni(string id, string status = EniStatuses.Available, TimeSpan? age = null, string? instance = null, string? trunk = null,
        string type = EniTypes.Secondary, Dictionary<string, string>? tags = null) =>
        new(id, status, type, "vpc", "vsw", "z", null, null, null, instance, trunk, null, [], tags ?? new Dictionary<string, string>(), Now - (age ?? TimeSpan.FromHours(1)));

    private static GcReferences Refs(string[]? ids = null, string[]? busyPodEnis = null, string[]? busyNodes = null) =>
        new(ids?.ToHashSet() ?? [], busyPodEnis?.ToHashSet() ?? [], busyNodes?.ToHashSet() ?? []);

    private static GcPlan Plan(IReadOnlyList<CloudEni> owned, GcReferences refs, IEnumerable<string> lastSweep, int max = 25) =>
        GcPlanner.Plan(owned, refs, lastSweep.ToHashSet(), Now, MinAge, max);

    [Test]
    public void FirstSweep_OnlyRemembers()
    {
        var plan = Plan([Eni("eni-a")], Refs(), []);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Steps, Is.Empty, "seen unreferenced once is not enough");
            Assert.That(plan.Unreferenced, Is.EquivalentTo(new[] { "eni-a" }));
        });
    }

    [Test]
    public void SecondSweep_AvailableIsDeleted_AttachedIsDetached()
    {
        var plan = Plan([Eni("eni-a"), Eni("eni-b", EniStatuses.InUse, instance: "i-1", trunk: "eni-t", type: EniTypes.Member)], Refs(), ["eni-a", "eni-b"]);
        Assert.That(plan.Steps.Select(s => (s.Eni.Id, s.Action)), Is.EquivalentTo(new[] { ("eni-a", GcAction.Delete), ("eni-b", GcAction.Detach) }));
    }

    [Test]
    public void Referenced_NeverTouched() =>
        Assert.That(Plan([Eni("eni-a")], Refs(ids: ["eni-a"]), ["eni-a"]).Steps, Is.Empty);

    [Test]
    public void YoungerThanTheMinimumAge_Kept() =>
        Assert.That(Plan([Eni("eni-a", age: TimeSpan.FromMinutes(5))], Refs(), ["eni-a"]).Steps, Is.Empty);

    [Test]
    public void UnknownCreationTime_Kept() =>
        Assert.That(Plan([Eni("eni-a") with { CreationTime = null }], Refs(), ["eni-a"]).Steps, Is.Empty);

    [TestCase(EniStatuses.Attaching)]
    [TestCase(EniStatuses.Detaching)]
    [TestCase(EniStatuses.Deleting)]
    public void TransitionalStates_LeftForALaterSweep(string status) =>
        Assert.That(Plan([Eni("eni-a", status, instance: "i-1")], Refs(), ["eni-a"]).Steps, Is.Empty);

    [Test]
    public void OwnerPodEniStillRecording_Spared()
    {
        var eni = Eni("eni-a", tags: new() { [EniTags.OwnerPodEniKey] = "ns/p" });
        var plan = Plan([eni], Refs(busyPodEnis: ["ns/p"]), ["eni-a"]);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Steps, Is.Empty);
            Assert.That(plan.Unreferenced, Is.Empty, "not even counted towards the two sweeps");
        });
    }

    [Test]
    public void OwnerNodeCreatingItsTrunk_Spared() =>
        Assert.That(Plan([Eni("eni-t", type: EniTypes.Trunk, tags: new() { [EniTags.OwnerNodeKey] = "node-1" })], Refs(busyNodes: ["node-1"]), ["eni-t"]).Steps, Is.Empty);

    [Test]
    public void OwnerGone_Collected() =>
        Assert.That(Plan([Eni("eni-a", tags: new() { [EniTags.OwnerPodEniKey] = "ns/gone" })], Refs(busyPodEnis: ["ns/other"]), ["eni-a"]).Steps, Has.Count.EqualTo(1));

    [Test]
    public void PrimaryEni_NeverTouched() =>
        Assert.That(Plan([Eni("eni-p", EniStatuses.InUse, instance: "i-1", type: EniTypes.Primary)], Refs(), ["eni-p"]).Steps, Is.Empty);

    [Test]
    public void BoundedPerSweep_OldestFirst()
    {
        var owned = Enumerable.Range(0, 10).Select(i => Eni($"eni-{i}", age: TimeSpan.FromHours(10 - i))).ToList();
        var plan = Plan(owned, Refs(), owned.Select(e => e.Id), max: 3);
        Assert.Multiple(() =>
        {
            Assert.That(plan.Steps.Select(s => s.Eni.Id), Is.EqualTo(new[] { "eni-0", "eni-1", "eni-2" }));
            Assert.That(plan.Unreferenced, Has.Count.EqualTo(10), "the rest stay candidates for the next sweep");
        });
    }
}
