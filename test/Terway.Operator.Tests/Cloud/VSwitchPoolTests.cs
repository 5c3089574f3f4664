using Microsoft.Extensions.Time.Testing;
using Terway.Cloud;
using Terway.Cloud.Vpc;
using VSwitch = Terway.Cloud.Vpc.VSwitch;
using Terway.Crds.V1Beta1;
using Terway.Operator.Cloud;

namespace Terway.Operator.Tests.Cloud;

/// <summary>vSwitch selection policies, caching with a TTL and IP-exhaustion blocking.</summary>
[TestFixture]
public sealed class VSwitchPoolTests
{
    private static VSwitchInfo V(string id, long free, string zone = "z") => new(id, "vpc-1", zone, "10.0.0.0/24", null, free);

    [TestCase(VSwitchSelectionPolicies.Ordered, "a")]
    [TestCase(VSwitchSelectionPolicies.Most, "c")]
    [TestCase(null, "a")]
    public void Choose_Policy_PicksTheExpectedVSwitch(string? policy, string expected) =>
        Assert.That(VSwitchSelection.Choose([V("a", 10), V("b", 5), V("c", 50)], policy, _ => false, new Random(1))!.Id, Is.EqualTo(expected));

    [Test]
    public void Choose_Ordered_SkipsBlockedAndFull() =>
        Assert.That(VSwitchSelection.Choose([V("a", 10), V("b", 0), V("c", 50)], VSwitchSelectionPolicies.Ordered, id => id == "a", new Random(1))!.Id, Is.EqualTo("c"));

    [Test]
    public void Choose_Most_TiesKeepTheGivenOrder() =>
        Assert.That(VSwitchSelection.Choose([V("a", 10), V("b", 50), V("c", 50)], VSwitchSelectionPolicies.Most, _ => false, new Random(1))!.Id, Is.EqualTo("b"));

    [Test]
    public void Choose_Random_SpreadsOverEveryUsableOne()
    {
        var random = new Random(42);
        var seen = Enumerable.Range(0, 200).Select(_ => VSwitchSelection.Choose([V("a", 10), V("b", 10), V("c", 0)], VSwitchSelectionPolicies.Random, _ => false, random)!.Id).ToHashSet();
        Assert.That(seen, Is.EquivalentTo(new[] { "a", "b" }));
    }

    [Test]
    public void Choose_NothingUsable_Null() =>
        Assert.That(VSwitchSelection.Choose([V("a", 0), V("b", 3)], VSwitchSelectionPolicies.Most, id => id == "b", new Random(1)), Is.Null);

    [Test]
    public async Task Pool_CachesUntilTheTtl_ThenAsksAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var vpc = new FakeVpc { ["vsw-a"] = ("zone-a", 100) };
        var pool = new VSwitchPool(vpc, TimeSpan.FromMinutes(20), time);
        await pool.GetAsync("vsw-a", default);
        await pool.GetAsync("vsw-a", default);
        Assert.That(vpc.Calls, Is.EqualTo(1));
        time.Advance(TimeSpan.FromMinutes(21));
        await pool.GetAsync("vsw-a", default);
        Assert.That(vpc.Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task Pool_UnknownVSwitch_NullAndRememberedBriefly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var vpc = new FakeVpc();
        var pool = new VSwitchPool(vpc, TimeSpan.FromMinutes(20), time);
        Assert.That(await pool.GetAsync("vsw-x", default), Is.Null);
        Assert.That(await pool.GetAsync("vsw-x", default), Is.Null);
        Assert.That(vpc.Calls, Is.EqualTo(1));
        time.Advance(TimeSpan.FromSeconds(11));
        vpc["vsw-x"] = ("zone-a", 1);
        Assert.That(await pool.GetAsync("vsw-x", default), Is.Not.Null, "a vSwitch created later is found");
    }

    [Test]
    public async Task Pool_BlockedVSwitch_SkippedUntilTheTtlPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var vpc = new FakeVpc { ["vsw-a"] = ("zone-a", 100), ["vsw-b"] = ("zone-a", 10), ["vsw-c"] = ("zone-b", 500) };
        var pool = new VSwitchPool(vpc, TimeSpan.FromMinutes(5), time);
        Assert.That((await pool.SelectAsync(["vsw-a", "vsw-b", "vsw-c"], "zone-a", VSwitchSelectionPolicies.Most, null, default))!.Id, Is.EqualTo("vsw-a"));
        pool.Block("vsw-a");
        Assert.That((await pool.SelectAsync(["vsw-a", "vsw-b", "vsw-c"], "zone-a", VSwitchSelectionPolicies.Most, null, default))!.Id, Is.EqualTo("vsw-b"));
        Assert.That(await pool.SelectAsync(["vsw-a", "vsw-b"], "zone-a", VSwitchSelectionPolicies.Most, new HashSet<string> { "vsw-b" }, default), Is.Null);
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Multiple(async () =>
        {
            Assert.That(pool.IsBlocked("vsw-a"), Is.False);
            Assert.That((await pool.SelectAsync(["vsw-a", "vsw-b"], "zone-a", VSwitchSelectionPolicies.Most, null, default))!.Id, Is.EqualTo("vsw-a"));
        });
    }

    [Test]
    public async Task Pool_NoteAllocated_SpreadsTheMostPolicy()
    {
        var vpc = new FakeVpc { ["vsw-a"] = ("zone-a", 2), ["vsw-b"] = ("zone-a", 1) };
        var pool = new VSwitchPool(vpc, TimeSpan.FromMinutes(5), TimeProvider.System);
        Assert.That((await pool.SelectAsync(["vsw-a", "vsw-b"], "zone-a", VSwitchSelectionPolicies.Most, null, default))!.Id, Is.EqualTo("vsw-a"));
        pool.NoteAllocated("vsw-a");
        pool.NoteAllocated("vsw-a");
        Assert.That((await pool.SelectAsync(["vsw-a", "vsw-b"], "zone-a", VSwitchSelectionPolicies.Most, null, default))!.Id, Is.EqualTo("vsw-b"));
    }

    private sealed class FakeVpc : Dictionary<string, (string Zone, long Free)>, IVpcClient
    {
        public int Calls { get; private set; }

        public Task<CloudPage<VSwitch>> DescribeVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default)
        {
            Calls++;
            IReadOnlyList<VSwitch> items = TryGetValue(request.VSwitchId!, out var v)
                ? [new VSwitch { VSwitchId = request.VSwitchId!, VpcId = "vpc-1", ZoneId = v.Zone, CidrBlock = "10.0.0.0/24", AvailableIpAddressCount = v.Free }]
                : [];
            return Task.FromResult(new CloudPage<VSwitch>(items, null, items.Count, "req"));
        }

        public IAsyncEnumerable<VSwitch> ListVSwitchesAsync(DescribeVSwitchesRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<string> CreateRouteEntryAsync(CreateRouteEntryRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteRouteEntryAsync(DeleteRouteEntryRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CloudPage<RouteEntry>> DescribeRouteEntryListAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<RouteEntry> ListRouteEntriesAsync(DescribeRouteEntryListRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CloudPage<RouteTable>> DescribeRouteTableListAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IAsyncEnumerable<RouteTable> ListRouteTablesAsync(DescribeRouteTableListRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
