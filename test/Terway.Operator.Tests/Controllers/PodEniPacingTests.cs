using Terway.Operator.Controllers.PodEni;

namespace Terway.Operator.Tests.Controllers;

/// <summary>Which PodENI steps are paced by the cloud client's rate limits, and when a step is requeued instead of waiting.</summary>
[TestFixture]
public sealed class PodEniPacingTests
{
    private static IEnumerable<TestCaseData> Actions()
    {
        yield return new TestCaseData(new CreateEni(0, null), new[] { "CreateNetworkInterface" });
        yield return new TestCaseData(new Attach(0, "eni-1", "i-1", "eni-trunk"), new[] { "AttachNetworkInterface" });
        yield return new TestCaseData(new Detach(0, "eni-1", "i-1", null, "pod gone"), new[] { "DetachNetworkInterface" });
        yield return new TestCaseData(new DeleteEni(0, "eni-1"), new[] { "DeleteNetworkInterface" });
        yield return new TestCaseData(new ReadCloud(), new[] { "DescribeNetworkInterfaces" });
        yield return new TestCaseData(new FindStrays(), new[] { "DescribeNetworkInterfaces", "CreateNetworkInterface" });
        yield return new TestCaseData(new MarkBound(), Array.Empty<string>());
        yield return new TestCaseData(new WaitCloud(0, "eni-1", "Attaching"), Array.Empty<string>());
        yield return new TestCaseData(new Done(), Array.Empty<string>());
    }

    [TestCaseSource(nameof(Actions))]
    public void ApisOf_Action_AreTheCloudApisItNeeds(object action, string[] apis) =>
        Assert.That(PodEniPacing.ApisOf((PodEniAction)action), Is.EqualTo(apis));

    [Test]
    public void WaitFor_FindStraysWhileCreatesAreAtTheirLimit_WaitsForTheCreate()
    {
        var delays = new Dictionary<string, TimeSpan> { ["CreateNetworkInterface"] = TimeSpan.FromSeconds(40), ["DescribeNetworkInterfaces"] = TimeSpan.FromSeconds(2) };
        TimeSpan Delay(string api) => delays.GetValueOrDefault(api);

        Assert.Multiple(() =>
        {
            Assert.That(PodEniPacing.WaitFor(new FindStrays(), Delay), Is.EqualTo(TimeSpan.FromSeconds(40)));
            Assert.That(PodEniPacing.WaitFor(new ReadCloud(), Delay), Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(PodEniPacing.WaitFor(new Attach(0, "eni-1", "i-1", "eni-trunk"), Delay), Is.EqualTo(TimeSpan.Zero));
            Assert.That(PodEniPacing.WaitFor(new MarkBound(), Delay), Is.EqualTo(TimeSpan.Zero));
        });
    }

    [TestCase(0, null)]
    [TestCase(999, null)]
    [TestCase(1000, null)]
    [TestCase(1001, 1001)]
    [TestCase(45_000, 45_000)]
    public void Defer_Wait_RequeuesOnlyPastTheBlockingLimit(int waitMs, int? expectedMs) =>
        Assert.That(PodEniPacing.Defer(TimeSpan.FromMilliseconds(waitMs)), Is.EqualTo(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null));
}
