using Terway.Cloud.Signing;

namespace Terway.Cloud.Tests.Signing;

[TestFixture]
public sealed class PercentEncoderTests
{
    [TestCase("a b*c~d", "a%20b%2Ac~d")]
    [TestCase("2016-02-23T12:46:24Z", "2016-02-23T12%3A46%3A24Z")]
    [TestCase("/", "%2F")]
    [TestCase("é", "%C3%A9")]
    [TestCase("a b*c~d!'()", "a%20b%2Ac~d%21%27%28%29")]
    [TestCase("AZaz09-_.~", "AZaz09-_.~")]
    [TestCase("+=&", "%2B%3D%26")]
    [TestCase("", "")]
    [TestCase("\U0001F600", "%F0%9F%98%80")]
    public void Encode_ReferenceCases_MatchesRfc3986Rules(string input, string expected)
    {
        Assert.That(PercentEncoder.Encode(input), Is.EqualTo(expected));
    }

    [Test]
    public void Canonicalize_MixedCaseNames_SortsOrdinalUppercaseFirst()
    {
        var canonical = QueryParameters.Canonicalize(
        [
            new("Version", "1"),
            new("VSwitchId", "vsw-1"),
            new("SecurityGroupIds.1", "sg-1"),
            new("SecondaryPrivateIpAddressCount", "2"),
            new("empty", string.Empty),
        ]);

        Assert.That(canonical, Is.EqualTo("SecondaryPrivateIpAddressCount=2&SecurityGroupIds.1=sg-1&VSwitchId=vsw-1&Version=1&empty="));
    }
}
