using Terway.Cloud.Tests.Support;
using Terway.Cloud.Vpc;

namespace Terway.Cloud.Tests.Vpc;

[TestFixture]
public sealed class VpcOperationTests
{
    [Test]
    public async Task DescribeVSwitches_VpcTags_ReadKeyAndValue()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","TotalCount":1,"PageNumber":1,"PageSize":50,"VSwitches":{"VSwitch":[{"VSwitchId":"vsw-1","VpcId":"vpc-1",
             "ZoneId":"cn-hangzhou-i","CidrBlock":"192.168.0.0/24","Ipv6CidrBlock":"2408::/64","EnabledIpv6":true,"AvailableIpAddressCount":248,
             "Status":"Available","IsDefault":false,"RouteTable":{"RouteTableId":"vtb-1","RouteTableType":"System"},
             "Tags":{"Tag":[{"Key":"env","Value":"prod"}]}}]}}
            """));
        using var client = Harness.Client(handler);

        var page = await client.Vpc.DescribeVSwitchesAsync(new DescribeVSwitchesRequest { VSwitchId = "vsw-1" });

        var req = handler.Requests.Single();
        Assert.That(req.Uri.Host, Is.EqualTo("vpc.test"));
        Assert.That(req.Action, Is.EqualTo("DescribeVSwitches"));
        Assert.That(req.Headers["x-acs-version"], Is.EqualTo("2016-04-28"));
        Assert.That(req.Query["VSwitchId"], Is.EqualTo("vsw-1"));
        Assert.That(req.Query["PageSize"], Is.EqualTo("50"));
        var v = page.Items.Single();
        Assert.That((v.VSwitchId, v.ZoneId, v.CidrBlock, v.AvailableIpAddressCount, v.RouteTableId), Is.EqualTo(("vsw-1", "cn-hangzhou-i", "192.168.0.0/24", 248L, "vtb-1")));
        Assert.That(v.Tags.Single(), Is.EqualTo(new CloudTag("env", "prod")));
        Assert.That(page.TotalCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ListVSwitches_TwoPagesByNumber_StopsAtTotalCount()
    {
        var handler = new FakeHandler(r =>
        {
            var n = int.Parse(r.Query["PageNumber"], System.Globalization.CultureInfo.InvariantCulture);
            var ids = n == 1 ? Enumerable.Range(0, 2).Select(i => $"vsw-{i}") : ["vsw-2"];
            var items = string.Join(",", ids.Select(i => $$"""{"VSwitchId":"{{i}}"}"""));
            return FakeHandler.Json($$$"""{"RequestId":"R","TotalCount":3,"PageNumber":{{{n}}},"PageSize":2,"VSwitches":{"VSwitch":[{{{items}}}]}}""");
        });
        using var client = Harness.Client(handler);

        var ids = new List<string>();
        await foreach (var v in client.Vpc.ListVSwitchesAsync(new DescribeVSwitchesRequest { VpcId = "vpc-1", PageSize = 2 }))
        {
            ids.Add(v.VSwitchId);
        }

        Assert.That(ids, Is.EqualTo(new[] { "vsw-0", "vsw-1", "vsw-2" }));
        Assert.That(handler.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task CreateAndDeleteRouteEntry_Parameters_UseExactWireNames()
    {
        var handler = new FakeHandler(r => FakeHandler.Json(r.Action == "CreateRouteEntry" ? """{"RequestId":"R","RouteEntryId":"rte-1"}""" : """{"RequestId":"R"}"""));
        using var client = Harness.Client(handler);

        var id = await client.Vpc.CreateRouteEntryAsync(new CreateRouteEntryRequest { RouteTableId = "vtb-1", DestinationCidrBlock = "10.0.1.0/24", NextHopId = "i-1", ClientToken = "tok", RouteEntryName = "node-a" });
        await client.Vpc.DeleteRouteEntryAsync(new DeleteRouteEntryRequest { RouteTableId = "vtb-1", DestinationCidrBlock = "10.0.1.0/24", NextHopId = "i-1" });

        Assert.That(id, Is.EqualTo("rte-1"));
        var create = handler.Requests[0].Query;
        Assert.That((create["RouteTableId"], create["DestinationCidrBlock"], create["NextHopType"], create["NextHopId"], create["ClientToken"], create["RouteEntryName"]),
            Is.EqualTo(("vtb-1", "10.0.1.0/24", "Instance", "i-1", "tok", "node-a")));
        var delete = handler.Requests[1];
        Assert.That(delete.Action, Is.EqualTo("DeleteRouteEntry"));
        Assert.That((delete.Query["RouteTableId"], delete.Query["DestinationCidrBlock"], delete.Query["NextHopId"]), Is.EqualTo(("vtb-1", "10.0.1.0/24", "i-1")));
    }

    [Test]
    public async Task DescribeRouteEntryList_RouteEntrys_ParsedWithNextHopsAndSingularMaxResult()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","NextToken":"","RouteEntrys":{"RouteEntry":[{"RouteEntryId":"rte-1","RouteTableId":"vtb-1","DestinationCidrBlock":"10.0.1.0/24",
             "Type":"Custom","Status":"Available","IpVersion":"ipv4","NextHops":{"NextHop":[{"NextHopType":"Instance","NextHopId":"i-1","Enabled":1,"Weight":100}]}}]}}
            """));
        using var client = Harness.Client(handler);

        var entries = new List<RouteEntry>();
        await foreach (var e in client.Vpc.ListRouteEntriesAsync(new DescribeRouteEntryListRequest { RouteTableId = "vtb-1", RouteEntryType = "Custom" }))
        {
            entries.Add(e);
        }

        var q = handler.Requests.Single().Query;
        Assert.That(q["MaxResult"], Is.EqualTo("100"));
        Assert.That(q.ContainsKey("MaxResults"), Is.False);
        Assert.That(q["RouteEntryType"], Is.EqualTo("Custom"));
        var entry = entries.Single();
        Assert.That((entry.RouteEntryId, entry.DestinationCidrBlock, entry.Status), Is.EqualTo(("rte-1", "10.0.1.0/24", "Available")));
        Assert.That(entry.NextHops.Single(), Is.EqualTo(new RouteNextHop("Instance", "i-1", 1, 100)));
    }

    [Test]
    public async Task DescribeRouteTableList_RouterTableListType_Parsed()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","TotalCount":1,"PageNumber":1,"PageSize":50,"RouterTableList":{"RouterTableListType":[{"RouteTableId":"vtb-1",
             "RouteTableType":"System","RouterId":"vrt-1","RouterType":"VRouter","VpcId":"vpc-1","Status":"Available",
             "VSwitchIds":{"VSwitchId":["vsw-1","vsw-2"]},"Tags":{"Tag":[]}}]}}
            """));
        using var client = Harness.Client(handler);

        var page = await client.Vpc.DescribeRouteTableListAsync(new DescribeRouteTableListRequest { VpcId = "vpc-1" });

        Assert.That(handler.Requests.Single().Query["VpcId"], Is.EqualTo("vpc-1"));
        var t = page.Items.Single();
        Assert.That((t.RouteTableId, t.RouteTableType, t.RouterId, t.VpcId), Is.EqualTo(("vtb-1", "System", "vrt-1", "vpc-1")));
        Assert.That(t.VSwitchIds, Is.EqualTo(new[] { "vsw-1", "vsw-2" }));
    }

    [Test]
    public async Task DeleteRouteEntry_NeitherIdNorTableAndDestination_ThrowsArgumentException()
    {
        using var client = Harness.Client(new FakeHandler(_ => FakeHandler.Json("{}")));

        await Assert.ThrowsAsync<ArgumentException>(() => client.Vpc.DeleteRouteEntryAsync(new DeleteRouteEntryRequest { RouteTableId = "vtb-1" }));
    }
}
