using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Tests.Cloud.Model;

/// <summary>vSwitch address accounting: the four reserved addresses and exact capacity.</summary>
[TestFixture]
public sealed class AddressPoolTests
{
    [TestCase("192.168.0.0/24", 252)]
    [TestCase("192.168.0.0/29", 4)]
    [TestCase("10.0.0.0/16", 65532)]
    public void Capacity_IsBlockSizeMinusFour(string cidr, int capacity)
    {
        var pool = new Ipv4Pool(Ipv4Cidr.Parse(cidr));
        Assert.That((pool.Capacity, pool.Available), Is.EqualTo((capacity, capacity)));
    }

    [Test]
    public void Allocate_ExhaustingASmallBlock_NeverHandsOutReservedOrDuplicateAddresses()
    {
        var pool = new Ipv4Pool(Ipv4Cidr.Parse("192.168.1.0/28"));
        var random = new Random(3);
        var got = new List<string>();
        while (pool.TryAllocate(random, out var ip))
        {
            got.Add(Ipv4.Format(ip));
        }

        var expected = Enumerable.Range(1, 12).Select(i => $"192.168.1.{i}");
        Assert.That(got, Is.EquivalentTo(expected), ".0 and .13-.15 are reserved");
        Assert.That(pool.Available, Is.Zero);
    }

    [TestCase("192.168.1.0", false)]
    [TestCase("192.168.1.1", true)]
    [TestCase("192.168.1.252", true)]
    [TestCase("192.168.1.253", false)]
    [TestCase("192.168.1.255", false)]
    [TestCase("192.168.2.1", false)]
    public void IsAssignable_FollowsTheReservationRule(string address, bool assignable)
    {
        var pool = new Ipv4Pool(Ipv4Cidr.Parse("192.168.1.0/24"));
        Assert.That(Ipv4.TryParse(address, out var ip), Is.True);
        Assert.That(pool.IsAssignable(ip), Is.EqualTo(assignable));
        Assert.That(pool.TryClaim(ip), Is.EqualTo(assignable));
    }

    [Test]
    public void Release_UnheldAddress_Throws()
    {
        var pool = new Ipv4Pool(Ipv4Cidr.Parse("192.168.1.0/24"));
        Assert.That(Ipv4.TryParse("192.168.1.9", out var ip), Is.True);
        Assert.That(() => pool.Release(ip), Throws.InvalidOperationException);
    }

    [TestCase("192.168.1.0/24", true)]
    [TestCase("192.168.1.1/24", false)]
    [TestCase("192.168.01.0/24", false)]
    [TestCase("192.168.1.0/33", false)]
    [TestCase("192.168.1.0", false)]
    public void Ipv4Cidr_Parse_IsStrict(string text, bool ok) =>
        Assert.That(Ipv4Cidr.TryParse(text, false, out _), Is.EqualTo(ok));

    [Test]
    public void Ipv6Pool_AllocatesUniqueAddressesInsideTheBlock()
    {
        var pool = new Ipv6Pool(Ipv6Cidr.Parse("2408:4005:3ed:d01::/64"));
        var random = new Random(5);
        var addresses = Enumerable.Range(0, 500).Select(_ => pool.Allocate(random)).ToList();
        Assert.That(addresses, Is.Unique);
        Assert.That(addresses.All(a => pool.Cidr.Contains(a)), Is.True);
        Assert.That(Ipv6.Format(addresses[0]), Does.StartWith("2408:4005:3ed:d01:"));
    }
}
