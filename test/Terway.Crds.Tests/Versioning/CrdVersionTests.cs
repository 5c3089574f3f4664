using Terway.Crds.Versioning;

namespace Terway.Crds.Tests.Versioning;

[TestFixture]
public sealed class CrdVersionTests
{
    [TestCase(null, "v1.0.0", ExpectedResult = true)]
    [TestCase("", "v1.0.0", ExpectedResult = true)]
    [TestCase("garbage", "v1.0.0", ExpectedResult = true)]
    [TestCase("v0.4.2", "v1.0.0", ExpectedResult = true)]
    [TestCase("v0.10.0", "v0.9.9", ExpectedResult = false)]
    [TestCase("v0.9.0", "v0.10.0", ExpectedResult = true)]
    [TestCase("v1.0.0", "v1.0.0", ExpectedResult = false)]
    [TestCase("1.0.0", "v1.0.1", ExpectedResult = true)]
    [TestCase("v2.0.0", "v1.9.9", ExpectedResult = false)]
    [TestCase("v1.0", "v1.0.0", ExpectedResult = true)]
    public bool ShouldReplace_InstalledAndCandidate_FollowsTerwayRule(string? installed, string candidate) =>
        CrdVersion.ShouldReplace(installed, candidate);

    [TestCase("v1.2")]
    [TestCase("v1.2.3.4")]
    [TestCase("v1.-2.3")]
    [TestCase("v1.2.x")]
    [TestCase("v")]
    public void TryParse_Malformed_ReturnsFalse(string text) => Assert.That(CrdVersion.TryParse(text, out _), Is.False);

    [Test]
    public void ShouldReplace_MalformedCandidate_Throws() =>
        Assert.That(() => CrdVersion.ShouldReplace("v1.0.0", "latest"), Throws.ArgumentException);
}
