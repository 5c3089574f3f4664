using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Cloud.Vpc;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// VPC routes: DescribeRouteTableList, CreateRouteEntry (Pending → Available on the simulator's
/// fake clock), DescribeRouteEntryList with filters and NextToken paging, DeleteRouteEntry by ID
/// and by table + destination (Deleting → gone).
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class RouteContractTests(SignatureAlgorithm algorithm)
{
    private FakeTimeProvider _time = null!;
    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp()
    {
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _rig = await ContractRig.StartAsync(algorithm, o =>
        {
            o.TimeProvider = _time;
            o.Knobs.Durations = new AsyncDurations();
        });
    }

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private RouteTableSnapshot SimTable() => _rig.Simulator.Snapshot().RouteTables.Single(t => t.RouteTableId == Region.RouteTable);

    private static void SameEntry(RouteEntry client, RouteEntrySnapshot sim)
    {
        Assert.Multiple(() =>
        {
            Assert.That(client.RouteEntryId, Is.EqualTo(sim.RouteEntryId));
            Assert.That(client.RouteTableId, Is.EqualTo(sim.RouteTableId));
            Assert.That(client.DestinationCidrBlock, Is.EqualTo(sim.DestinationCidrBlock));
            Assert.That(client.Type, Is.EqualTo(sim.Type));
            Assert.That(client.Status, Is.EqualTo(sim.Status));
            Assert.That(client.IpVersion, Is.EqualTo(sim.IpVersion));
            Assert.That(client.RouteEntryName ?? string.Empty, Is.EqualTo(sim.RouteEntryName ?? string.Empty));
            Assert.That(client.Description ?? string.Empty, Is.EqualTo(sim.Description ?? string.Empty));
            Assert.That(client.NextHops.Select(h => (h.NextHopType, h.NextHopId)), Is.EqualTo(new[] { (sim.NextHopType, sim.NextHopId) }));
        });
    }

    [Test]
    public async Task DescribeRouteTableList_ByVpcAndPaged_IsTheSystemTable()
    {
        var tables = await _rig.Vpc.ListRouteTablesAsync(new() { VpcId = Region.Vpc, PageSize = 1 }).ToListAsync();
        var sim = SimTable();

        var table = tables.Single();
        Assert.Multiple(() =>
        {
            Assert.That(table.RouteTableId, Is.EqualTo(sim.RouteTableId));
            Assert.That(table.VpcId, Is.EqualTo(sim.VpcId));
            Assert.That(table.RouterId, Is.EqualTo(sim.VRouterId));
            Assert.That(table.RouterType, Is.EqualTo("VRouter"));
            Assert.That(table.RouteTableType, Is.EqualTo(sim.RouteTableType).And.EqualTo("System"));
            Assert.That(table.VSwitchIds, Is.EquivalentTo(sim.VSwitchIds));
        });
        var byId = await _rig.Vpc.DescribeRouteTableListAsync(new() { RouteTableId = Region.RouteTable, RouterId = Region.VRouter });
        Assert.That(byId.Items.Select(t => t.RouteTableId), Is.EqualTo(new[] { Region.RouteTable }));
        Assert.That(byId.TotalCount, Is.EqualTo(1));
    }

    [Test]
    public async Task CreateRouteEntry_ToAnInstance_PendingThenAvailableWithItsNextHop()
    {
        var token = ClientTokens.Derive("route for node podCIDR", Region.Node1, "10.240.1.0/24");

        var id = await _rig.Vpc.CreateRouteEntryAsync(new()
        {
            RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.240.1.0/24", NextHopId = Region.Node1,
            RouteEntryName = "node-1-pods", Description = "podCIDR of node 1", ClientToken = token,
        });

        Assert.That(id, Does.StartWith("rte-"));
        var pending = (await _rig.Vpc.DescribeRouteEntryListAsync(new() { RouteTableId = Region.RouteTable, RouteEntryId = id })).Items.Single();
        Assert.That(pending.Status, Is.EqualTo("Pending"));
        SameEntry(pending, SimTable().Entries.Single(e => e.RouteEntryId == id));
        Assert.That(_rig.Simulator.Snapshot().Calls.Single(c => c.Action == "CreateRouteEntry").ClientToken, Is.EqualTo(token));

        _time.Advance(TimeSpan.FromSeconds(2));
        var available = (await _rig.Vpc.DescribeRouteEntryListAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.240.1.0/24" })).Items.Single();
        SameEntry(available, SimTable().Entries.Single(e => e.RouteEntryId == id));
        Assert.Multiple(() =>
        {
            Assert.That(available.Status, Is.EqualTo("Available"));
            Assert.That(available.Type, Is.EqualTo("Custom"));
            Assert.That(available.RouteEntryName, Is.EqualTo("node-1-pods"));
            Assert.That(available.NextHops.Single().NextHopType, Is.EqualTo("Instance"));
            Assert.That(available.NextHops.Single().NextHopId, Is.EqualTo(Region.Node1));
        });
    }

    [Test]
    public async Task DescribeRouteEntryList_PagedAndFiltered_MatchesTheTable()
    {
        string[] destinations = ["10.240.0.0/24", "10.240.1.0/24", "10.240.2.0/24", "10.241.0.0/16"];
        foreach (var (destination, i) in destinations.Select((d, i) => (d, i)))
        {
            await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = destination, NextHopId = i < 3 ? Region.Node1 : Region.Node2 });
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        var paged = await _rig.Vpc.ListRouteEntriesAsync(new() { RouteTableId = Region.RouteTable, MaxResult = 2 }).ToListAsync();
        var sim = SimTable().Entries;

        Assert.That(paged.Select(e => e.RouteEntryId), Is.EquivalentTo(sim.Select(e => e.RouteEntryId)), "system and custom entries, each once");
        Assert.That(paged, Has.Count.EqualTo(sim.Count).And.Count.GreaterThan(destinations.Length));
        Assert.That(_rig.Wire.Of("DescribeRouteEntryList"), Has.Count.EqualTo((sim.Count + 1) / 2), "MaxResult (singular) = 2 per page");
        foreach (var entry in paged)
        {
            SameEntry(entry, sim.Single(e => e.RouteEntryId == entry.RouteEntryId));
        }

        var custom = await _rig.Vpc.ListRouteEntriesAsync(new() { RouteTableId = Region.RouteTable, RouteEntryType = "Custom" }).ToListAsync();
        Assert.That(custom.Select(e => e.DestinationCidrBlock), Is.EquivalentTo(destinations));
        var viaNode2 = await _rig.Vpc.ListRouteEntriesAsync(new() { RouteTableId = Region.RouteTable, NextHopId = Region.Node2, NextHopType = "Instance" }).ToListAsync();
        Assert.That(viaNode2.Select(e => e.DestinationCidrBlock), Is.EqualTo(new[] { "10.241.0.0/16" }));
        var system = await _rig.Vpc.ListRouteEntriesAsync(new() { RouteTableId = Region.RouteTable, RouteEntryType = "System", IpVersion = "ipv4" }).ToListAsync();
        Assert.That(system.Select(e => e.RouteEntryId), Is.EquivalentTo(sim.Where(e => e.Type == "System" && e.IpVersion == "ipv4").Select(e => e.RouteEntryId)));
    }

    [Test]
    public async Task DeleteRouteEntry_ByIdAndByDestination_DeletingThenGone()
    {
        var byId = await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.250.0.0/24", NextHopId = Region.Node1 });
        _time.Advance(TimeSpan.FromSeconds(2));
        await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.250.1.0/24", NextHopId = Region.Node3 });
        _time.Advance(TimeSpan.FromSeconds(2));

        await _rig.Vpc.DeleteRouteEntryAsync(new() { RouteEntryId = byId });

        var deleting = (await _rig.Vpc.DescribeRouteEntryListAsync(new() { RouteTableId = Region.RouteTable, RouteEntryId = byId })).Items.Single();
        Assert.That(deleting.Status, Is.EqualTo("Deleting"));
        SameEntry(deleting, SimTable().Entries.Single(e => e.RouteEntryId == byId));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That((await _rig.Vpc.DescribeRouteEntryListAsync(new() { RouteTableId = Region.RouteTable, RouteEntryId = byId })).Items, Is.Empty);
        Assert.That(SimTable().Entries.Select(e => e.RouteEntryId), Does.Not.Contain(byId));

        await _rig.Vpc.DeleteRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.250.1.0/24", NextHopId = Region.Node3 });
        _time.Advance(TimeSpan.FromSeconds(1));
        var custom = await _rig.Vpc.ListRouteEntriesAsync(new() { RouteTableId = Region.RouteTable, RouteEntryType = "Custom" }).ToListAsync();
        Assert.That(custom, Is.Empty);
        Assert.That(SimTable().Entries.Where(e => e.Type == "Custom"), Is.Empty);
    }

    [Test]
    public async Task CreateRouteEntry_ToAnEni_NextHopTypeNetworkInterface()
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] });

        var id = await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "172.30.0.0/16", NextHopType = "NetworkInterface", NextHopId = eni.NetworkInterfaceId });

        _time.Advance(TimeSpan.FromSeconds(2));
        var entry = (await _rig.Vpc.DescribeRouteEntryListAsync(new() { RouteTableId = Region.RouteTable, RouteEntryId = id })).Items.Single();
        SameEntry(entry, SimTable().Entries.Single(e => e.RouteEntryId == id));
        Assert.That(entry.NextHops.Single(), Is.EqualTo(new RouteNextHop("NetworkInterface", eni.NetworkInterfaceId, 1, 0)));
    }
}
