using Terway.Cloud.Resilience;

namespace Terway.Cloud.Tests.Resilience;

[TestFixture]
public sealed class ClientTokensTests
{
    [Test]
    public void Derive_SameIntentAndParameters_IsStableAcrossCallsAndOrder()
    {
        KeyValuePair<string, string>[] first = [new("VSwitchId", "vsw-1"), new("SecurityGroupIds", "sg-1,sg-2")];
        KeyValuePair<string, string>[] second = [new("SecurityGroupIds", "sg-1,sg-2"), new("VSwitchId", "vsw-1")];
        var a = ClientTokens.Derive("create member ENI for PodENI 0b7f", first);
        var b = ClientTokens.Derive("create member ENI for PodENI 0b7f", second);

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Has.Length.EqualTo(32).And.Match("^[0-9a-f]{32}$"));
    }

    [Test]
    public void Derive_PinnedValue_DoesNotChangeBetweenReleases()
    {
        // A token that changed across versions would let an upgraded operator create a second ENI.
        KeyValuePair<string, string>[] parameters = [new("VSwitchId", "vsw-1")];
        Assert.That(ClientTokens.Derive("create member ENI for PodENI uid-1", parameters), Is.EqualTo("37fa81dee692a008417be3f671314fe7"));
    }

    [Test]
    public void Derive_DifferentIntentOrParameters_GivesDifferentTokens()
    {
        var baseline = ClientTokens.Derive("create member ENI for PodENI uid-1", "vsw-1");

        Assert.That(ClientTokens.Derive("create member ENI for PodENI uid-2", "vsw-1"), Is.Not.EqualTo(baseline));
        Assert.That(ClientTokens.Derive("create member ENI for PodENI uid-1", "vsw-2"), Is.Not.EqualTo(baseline));
        Assert.That(ClientTokens.Derive("a", "bc"), Is.Not.EqualTo(ClientTokens.Derive("a", "b", "c")));
        Assert.That(ClientTokens.Derive("ab", "c"), Is.Not.EqualTo(ClientTokens.Derive("a", "bc")));
    }

    [Test]
    public void NewRandom_TwoCalls_Differ()
    {
        var first = ClientTokens.NewRandom();
        var second = ClientTokens.NewRandom();
        Assert.That(first, Is.Not.EqualTo(second));
    }
}
