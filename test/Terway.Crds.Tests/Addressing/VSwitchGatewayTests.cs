using Terway.Crds.Addressing;

namespace Terway.Crds.Tests.Addressing;

[TestFixture]
public sealed class VSwitchGatewayTests
{
    [TestCase("10.0.0.0/24", "10.0.0.253")]
    [TestCase("192.168.10.0/24", "192.168.10.253")]
    [TestCase("172.16.0.0/12", "172.31.255.253")]
    [TestCase("10.1.2.0/23", "10.1.3.253")]
    [TestCase("10.0.0.64/26", "10.0.0.125")]
    [TestCase("10.0.0.0/30", "10.0.0.1")]
    [TestCase("10.0.0.37/24", "10.0.0.253")]
    [TestCase("0.0.0.0/0", "255.255.255.253")]
    [TestCase("2408:4005:3c8:7d00::/64", "2408:4005:3c8:7d00:ffff:ffff:ffff:fffd")]
    [TestCase("2408:4005:3c8:7d00::1f/64", "2408:4005:3c8:7d00:ffff:ffff:ffff:fffd")]
    [TestCase("fd00::/120", "fd00::fd")]
    public void TryDerive_VSwitchCidr_ReturnsThirdToLastAddress(string cidr, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(VSwitchGateway.TryDerive(cidr, out var gateway), Is.True);
            Assert.That(gateway?.ToString(), Is.EqualTo(expected));
        });
    }

    [TestCase("")]
    [TestCase("10.0.0.0")]
    [TestCase("10.0.0.0/")]
    [TestCase("10.0.0.0/33")]
    [TestCase("10.0.0.0/31")]
    [TestCase("10.0.0.0/32")]
    [TestCase("10.0.0.0/-1")]
    [TestCase("10.0.0/24")]
    [TestCase("/24")]
    [TestCase("fd00::/127")]
    [TestCase("fd00::/129")]
    [TestCase("vsw-aaa")]
    public void TryDerive_NotAUsableCidr_ReturnsFalse(string cidr) =>
        Assert.That(VSwitchGateway.TryDerive(cidr, out _), Is.False);

    [Test]
    public void Derive_Invalid_Throws() =>
        Assert.That(() => VSwitchGateway.Derive("nonsense"), Throws.TypeOf<FormatException>());
}
