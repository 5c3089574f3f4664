using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Model;

/// <summary>Route tables: async entries, per-VPC mutual exclusion, quota, unique destinations.</summary>
[TestFixture]
public sealed class RouteTests
{
    private ModelHarness _h = null!;

    private RegionModel M => _h.Model;

    [SetUp]
    public void SetUp() => _h = ModelHarness.CreateExtended(o => o.Knobs.Durations = new AsyncDurations
    {
        RouteCreate = TimeSpan.FromSeconds(2),
        RouteDelete = TimeSpan.FromSeconds(1),
    });

    private string Create(string destination, string nextHop = Ids.Node1, string table = Ids.RouteTable) =>
        M.CreateRouteEntry(new CreateRouteArgs { RouteTableId = table, DestinationCidrBlock = destination, NextHopId = nextHop });

    private RouteEntrySnapshot Entry(string id) => M.RouteTables().SelectMany(t => t.Entries).Single(e => e.RouteEntryId == id);

    [Test]
    public void SystemRoutes_CoverVSwitchesAndServiceRange()
    {
        var table = M.RouteTable(Ids.RouteTable)!;
        Assert.That(table.Entries.Where(e => e.Type == "System").Select(e => e.DestinationCidrBlock),
            Is.SupersetOf(new[] { "100.64.0.0/10", "192.168.0.0/20", "192.168.16.0/20", "2408:4005:3ed:d01::/64" }));
        Assert.That(table.VSwitchIds, Does.Contain(Ids.VSwitchH));
    }

    [Test]
    public void Create_IsPendingThenAvailable()
    {
        var id = Create("172.16.0.0/24");
        Assert.That(id, Does.StartWith("rte-"));
        Assert.That(Entry(id).Status, Is.EqualTo("Pending"));
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        var e = Entry(id);
        Assert.That((e.Status, e.Type, e.NextHopType, e.NextHopId, e.IpVersion), Is.EqualTo(("Available", "Custom", "Instance", Ids.Node1, "ipv4")));
    }

    [Test]
    public void Create_WhileAnotherMutationRunsInTheVpc_IsTaskConflict()
    {
        Create("172.16.0.0/24");
        Expect.Code("TaskConflict", 400, () => Create("172.16.1.0/24"));
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        Create("172.16.1.0/24");
    }

    [Test]
    public void Create_InAnotherVpc_DoesNotConflict()
    {
        Create("172.16.0.0/24");
        var otherTable = M.RouteTables().Single(t => t.VpcId == Ids.OtherVpc).RouteTableId;
        Create("172.16.0.0/24", Ids.OtherNode, otherTable);
    }

    [Test]
    public void Create_DuplicateDestination_IsRejected()
    {
        Create("172.16.0.0/24");
        _h.Settle();
        Expect.Code("RouterEntryConflict.Duplicated", () => Create("172.16.0.0/24"));
        Expect.Code("InvalidCIDRBlock.Duplicate", 400, () => Create("172.16.0.0/24", Ids.Node2));
        Expect.Code("InvalidCIDRBlock.Duplicate", () => Create("192.168.0.0/20"));
    }

    [Test]
    public void Create_DestinationRules()
    {
        Expect.Code("InvalidCidrBlock", () => Create("192.168.1.0/24"));         // inside a vSwitch CIDR
        Expect.Code("InvalidCidrBlock", () => Create("100.64.0.0/10"));
        Expect.Code("InvalidCidrBlock.Malformed", () => Create("172.16.0.1/24")); // host bits set
        Expect.Code("InvalidCidrBlock.Malformed", () => Create("not-a-cidr"));
        var id = Create("172.16.0.9");
        Assert.That(Entry(id).DestinationCidrBlock, Is.EqualTo("172.16.0.9/32"));
        _h.Settle();
        Create("192.168.0.0/16"); // may contain a vSwitch CIDR
    }

    [Test]
    public void Create_NextHopRules()
    {
        Expect.Code("InvalidNextHopId.NotFound", 404, () => Create("172.16.0.0/24", "i-nope"));
        Expect.Code("InvalidNextHopId.NotFound", () => Create("172.16.0.0/24", Ids.OtherNode));
        Expect.Code("InvalidNextHopType", () => M.CreateRouteEntry(new CreateRouteArgs
        {
            RouteTableId = Ids.RouteTable, DestinationCidrBlock = "172.16.0.0/24", NextHopType = "VpnGateway", NextHopId = "vpn-1",
        }));
        Expect.Code("MissingParameter", () => M.CreateRouteEntry(new CreateRouteArgs { RouteTableId = Ids.RouteTable, DestinationCidrBlock = "172.16.0.0/24" }));
        Expect.Code("InvalidRouteTableId.NotFound", 404, () => Create("172.16.0.0/24", Ids.Node1, "vtb-nope"));
        var eni = _h.CreateEni();
        var viaEni = M.CreateRouteEntry(new CreateRouteArgs
        {
            RouteTableId = Ids.RouteTable, DestinationCidrBlock = "172.16.0.0/24", NextHopType = "NetworkInterface", NextHopId = eni.NetworkInterfaceId,
        });
        Assert.That(Entry(viaEni).NextHopType, Is.EqualTo("NetworkInterface"));
    }

    [Test]
    public void Create_BeyondTwoHundredCustomEntries_IsQuotaExceeded()
    {
        _h.Knobs.Update(k => k.WithInstantTransitions());
        for (var i = 0; i < 200; i++)
        {
            Create($"10.{100 + (i / 256)}.{i % 256}.0/24");
        }

        Expect.Code("QuotaExceeded", 400, () => Create("10.200.0.0/24"));
        _h.Knobs.Update(k => k.Durations = AsyncDurations.Instant with { RouteDelete = TimeSpan.FromSeconds(1) });
        var any = M.RouteTable(Ids.RouteTable)!.Entries.First(e => e.Type == "Custom");
        M.DeleteRouteEntry(any.RouteEntryId, null, null, null);
        Expect.Code("QuotaExceeded", () => Create("10.200.0.0/24")); // a Deleting entry still counts
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        Create("10.200.0.0/24");
    }

    [Test]
    public void Delete_IsDeletingThenGoneAndBlocksTheVpc()
    {
        var id = Create("172.16.0.0/24");
        Expect.Code("IncorrectRouteEntryStatus", 400, () => M.DeleteRouteEntry(id, null, null, null));
        _h.Settle();
        M.DeleteRouteEntry(null, Ids.RouteTable, "172.16.0.0/24", Ids.Node1);
        Assert.That(Entry(id).Status, Is.EqualTo("Deleting"));
        Expect.Code("TaskConflict", () => Create("172.16.1.0/24"));
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(M.RouteTable(Ids.RouteTable)!.Entries.Select(e => e.RouteEntryId), Does.Not.Contain(id));
        Expect.Code("InvalidRouteEntryId.NotFound", () => M.DeleteRouteEntry(id, null, null, null));
        Expect.Code("InvalidRouteEntry.NotFound", () => M.DeleteRouteEntry(null, Ids.RouteTable, "172.16.0.0/24", null));
    }

    [Test]
    public void Delete_SystemEntry_IsDenied()
    {
        var system = M.RouteTable(Ids.RouteTable)!.Entries.First(e => e.Type == "System");
        Expect.Code("OperationDenied", 403, () => M.DeleteRouteEntry(system.RouteEntryId, null, null, null));
    }
}
