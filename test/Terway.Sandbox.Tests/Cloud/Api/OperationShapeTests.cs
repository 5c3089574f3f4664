using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Api;

/// <summary>Parameters and response shapes of every operation (reference §3, §4), through the dispatcher.</summary>
[TestFixture]
public sealed class OperationShapeTests
{
    private ApiHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = ApiHarness.Create(o => o.Knobs.WithoutThrottling());

    private static string S(JsonNode? n) => n!.GetValue<string>();

    [Test]
    public async Task CreateNetworkInterface_ResponseHasTheDocumentedShape()
    {
        var r = await _h.OkAsync("CreateNetworkInterface",
            ("VSwitchId", Ids.VSwitchH), ("SecurityGroupIds.1", Ids.SgPods), ("SecurityGroupIds.2", Ids.SgNodes),
            ("InstanceType", "Trunk"), ("SecondaryPrivateIpAddressCount", "2"), ("Ipv6AddressCount", "1"),
            ("Tag.1.Key", "ack.aliyun.com"), ("Tag.1.Value", "c1"), ("Tag.2.Key", "creator"), ("Tag.2.Value", "terway-controller"),
            ("Description", "interface create by terway"), ("DeleteOnRelease", "true"), ("ResourceGroupId", "rg-acfmsandbox0000001"));
        Assert.Multiple(() =>
        {
            Assert.That(S(r["RequestId"]), Is.Not.Empty);
            Assert.That(S(r["NetworkInterfaceId"]), Does.StartWith("eni-"));
            Assert.That(S(r["Status"]), Is.EqualTo("Available"));
            Assert.That(S(r["Type"]), Is.EqualTo("Trunk"));
            Assert.That(S(r["VpcId"]), Is.EqualTo(Ids.Vpc));
            Assert.That(S(r["ZoneId"]), Is.EqualTo(Ids.ZoneH));
            Assert.That(S(r["Description"]), Is.EqualTo("interface create by terway"));
            Assert.That(S(r["ResourceGroupId"]), Is.EqualTo("rg-acfmsandbox0000001"));
            Assert.That(r["SecurityGroupIds"]!["SecurityGroupId"]!.AsArray().Select(S), Is.EqualTo(new[] { Ids.SgPods, Ids.SgNodes }));
            var ips = r["PrivateIpSets"]!["PrivateIpSet"]!.AsArray();
            Assert.That(ips, Has.Count.EqualTo(3));
            Assert.That(ips[0]!["Primary"]!.GetValue<bool>(), Is.True);
            Assert.That(S(ips[0]!["PrivateIpAddress"]), Is.EqualTo(S(r["PrivateIpAddress"])));
            Assert.That(ips[1]!["Primary"]!.GetValue<bool>(), Is.False);
            Assert.That(r["Ipv6Sets"]!["Ipv6Set"]!.AsArray()[0]!["Ipv6Address"], Is.Not.Null);
            Assert.That(S(r["Tags"]!["Tag"]![1]!["TagKey"]), Is.EqualTo("creator"));
            Assert.That(S(r["Tags"]!["Tag"]![1]!["TagValue"]), Is.EqualTo("terway-controller"));
        });
    }

    [Test]
    public async Task CreateNetworkInterface_ParameterRules()
    {
        (string, string)[] Base(params (string, string)[] extra) => [("VSwitchId", Ids.VSwitchH), .. extra];
        await _h.FailsAsync("MissingParameter", 400, "CreateNetworkInterface", ("SecurityGroupId", Ids.SgPods));
        await _h.FailsAsync("MissingParameter", 400, "CreateNetworkInterface", Base());
        await _h.FailsAsync("InvalidParameter.Conflict", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("SecurityGroupIds.1", Ids.SgNodes)));
        await _h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupIds.6", Ids.SgPods)));
        await _h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("InstanceType", "Member")));
        await _h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("SecondaryPrivateIpAddressCount", "50")));
        await _h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("SecondaryPrivateIpAddressCount", "two")));
        await _h.FailsAsync("InvalidParameter.Conflict", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("SecondaryPrivateIpAddressCount", "1"), ("PrivateIpAddress.1", "192.168.1.1")));
        await _h.FailsAsync("InvalidParameter.Conflict", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("Ipv6AddressCount", "1"), ("Ipv6Address.1", "2408:4005:3ed:d01::5")));
        await _h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("DeleteOnRelease", "yes")));
        await _h.FailsAsync("UnsupportedParameter", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("Ipv4PrefixCount", "1")));
        await _h.FailsAsync("InvalidDescription.Malformed", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("Description", "https://x")));
        await _h.FailsAsync("InvalidDescription.Malformed", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("Description", "x")));
        await _h.FailsAsync("InvalidNetworkInterfaceName.Malformed", 400, "CreateNetworkInterface", Base(("SecurityGroupId", Ids.SgPods), ("NetworkInterfaceName", new string('n', 129))));
    }

    [Test]
    public async Task CreateNetworkInterface_TagRules()
    {
        (string, string)[] With(params (string, string)[] tags) => [("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods), .. tags];
        var many = Enumerable.Range(1, 21).SelectMany(i => new[] { ($"Tag.{i}.Key", $"k{i}"), ($"Tag.{i}.Value", "v") }).ToArray();
        await _h.FailsAsync("QuotaExceed.Tags", 403, "CreateNetworkInterface", With(many));
        await _h.FailsAsync("Duplicate.TagKey", 400, "CreateNetworkInterface", With(("Tag.1.Key", "a"), ("Tag.2.Key", "a")));
        await _h.FailsAsync("InvalidTagKey.Malformed", 400, "CreateNetworkInterface", With(("Tag.1.Key", "aliyun-x")));
        await _h.FailsAsync("InvalidTagKey.Malformed", 400, "CreateNetworkInterface", With(("Tag.1.Key", "acs:x")));
        await _h.FailsAsync("InvalidTagKey.Malformed", 400, "CreateNetworkInterface", With(("Tag.1.Value", "orphan")));
        await _h.FailsAsync("InvalidTagValue.Malformed", 400, "CreateNetworkInterface", With(("Tag.1.Key", "a"), ("Tag.1.Value", new string('v', 129))));
        var ok = await _h.OkAsync("CreateNetworkInterface", With(("Tag.1.Key", "empty-value")));
        Assert.That(S(ok["Tags"]!["Tag"]![0]!["TagValue"]), Is.Empty);
    }

    [Test]
    public async Task DescribeNetworkInterfaces_NextTokenPaging_WalksEveryEniOnce()
    {
        for (var i = 0; i < 25; i++)
        {
            await _h.CreateEniAsync();
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var p = new List<(string, string)> { ("MaxResults", "10") };
            if (token is not null)
            {
                p.Add(("NextToken", token));
            }

            var r = await _h.OkAsync("DescribeNetworkInterfaces", [.. p]);
            Assert.That(r.ContainsKey("TotalCount"), Is.False, "TotalCount is not reported in NextToken mode");
            var set = r["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray();
            Assert.That(set, Has.Count.LessThanOrEqualTo(10));
            seen.AddRange(set.Select(e => S(e!["NetworkInterfaceId"])));
            token = S(r["NextToken"]);
            pages++;
        }
        while (token.Length > 0);

        var total = _h.Model.Model.QueryNetworkInterfaces(new(), 0, 1000).Items.Count;
        Assert.That(seen, Is.Unique.And.Count.EqualTo(total));
        Assert.That(pages, Is.EqualTo((total + 9) / 10));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_MaxResultsIsClampedAndTokensAreChecked()
    {
        for (var i = 0; i < 12; i++)
        {
            await _h.CreateEniAsync();
        }

        var small = await _h.OkAsync("DescribeNetworkInterfaces", ("MaxResults", "3"));
        Assert.That(small["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray(), Has.Count.EqualTo(10), "below 10 is raised to 10");
        var big = await _h.OkAsync("DescribeNetworkInterfaces", ("MaxResults", "5000"));
        Assert.That(big["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray(), Has.Count.EqualTo(17), "12 ENIs and 5 primary ENIs");
        Assert.That(S(big["NextToken"]), Is.Empty);
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaces", ("NextToken", "garbage"));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_DeletionBetweenPages_DoesNotSkipOrRepeat()
    {
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await _h.CreateEniAsync());
        }

        var first = await _h.OkAsync("DescribeNetworkInterfaces", ("Type", "Secondary"), ("MaxResults", "10"));
        var firstIds = first["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray().Select(e => S(e!["NetworkInterfaceId"])).ToList();
        await _h.OkAsync("DeleteNetworkInterface", ("NetworkInterfaceId", firstIds[0]));
        await _h.OkAsync("DeleteNetworkInterface", ("NetworkInterfaceId", firstIds[1]));
        var second = await _h.OkAsync("DescribeNetworkInterfaces", ("Type", "Secondary"), ("MaxResults", "10"), ("NextToken", S(first["NextToken"])));
        var secondIds = second["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray().Select(e => S(e!["NetworkInterfaceId"])).ToList();
        Assert.That(firstIds.Concat(secondIds), Is.EqualTo(ids));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_PageNumberMode_ReportsTotals()
    {
        for (var i = 0; i < 12; i++)
        {
            await _h.CreateEniAsync();
        }

        var r = await _h.OkAsync("DescribeNetworkInterfaces", ("PageNumber", "2"), ("PageSize", "7"));
        Assert.That(r["TotalCount"]!.GetValue<int>(), Is.EqualTo(17));
        Assert.That((r["PageNumber"]!.GetValue<int>(), r["PageSize"]!.GetValue<int>()), Is.EqualTo((2, 7)));
        Assert.That(r["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray(), Has.Count.EqualTo(7));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaces", ("PageSize", "1001"));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_Filters()
    {
        var tagged = await _h.CreateEniAsync(("Tag.1.Key", "creator"), ("Tag.1.Value", "terway"), ("Tag.2.Key", "ack.aliyun.com"), ("Tag.2.Value", "c1"));
        var half = await _h.CreateEniAsync(("Tag.1.Key", "creator"), ("Tag.1.Value", "terway"));
        var inI = await _h.CreateEniAsync(("VSwitchId", Ids.VSwitchI));

        async Task<List<string>> Ids_(params (string, string)[] p) =>
            (await _h.OkAsync("DescribeNetworkInterfaces", p))["NetworkInterfaceSets"]!["NetworkInterfaceSet"]!.AsArray()
                .Select(e => S(e!["NetworkInterfaceId"])).ToList();

        Assert.That(await Ids_(("Tag.1.Key", "creator"), ("Tag.1.Value", "terway"), ("Tag.2.Key", "ack.aliyun.com"), ("Tag.2.Value", "c1")), Is.EqualTo(new[] { tagged }));
        Assert.That(await Ids_(("Tag.1.Key", "creator")), Is.EquivalentTo(new[] { tagged, half }));
        Assert.That(await Ids_(("VSwitchId", Ids.VSwitchI), ("Type", "Secondary")), Is.EqualTo(new[] { inI }));
        Assert.That(await Ids_(("NetworkInterfaceId.1", half), ("NetworkInterfaceId.2", inI), ("NetworkInterfaceId.3", "eni-gone")), Is.EquivalentTo(new[] { half, inI }));
        Assert.That(await Ids_(("PrivateIpAddress.1", _h.Model.Eni(half).PrimaryIpAddress)), Is.EqualTo(new[] { half }));
        Assert.That(await Ids_(("Status", "Available"), ("VpcId", Ids.Vpc), ("SecurityGroupId", Ids.SgPods)), Has.Count.EqualTo(3));
        Assert.That(await Ids_(("ServiceManaged", "true")), Is.Empty);
        Assert.That(await Ids_(("Type", "Primary"), ("InstanceId", Ids.Node1)), Has.Count.EqualTo(1));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaces", ("Type", "Elastic"));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaces", ("Status", "Gone"));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaces", ("NetworkInterfaceId.101", half));
    }

    [Test]
    public async Task Trunking_ShapesOfTrunkAndMember()
    {
        var trunk = await _h.CreateEniAsync(("InstanceType", "Trunk"));
        await _h.OkAsync("AttachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", trunk));
        var member = await _h.CreateEniAsync();
        await _h.OkAsync("AttachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", member), ("TrunkNetworkInstanceId", trunk));

        var set = (await _h.OkAsync("DescribeNetworkInterfaces", ("NetworkInterfaceId.1", member)))["NetworkInterfaceSets"]!["NetworkInterfaceSet"]![0]!;
        Assert.Multiple(() =>
        {
            Assert.That(S(set["Type"]), Is.EqualTo("Member"));
            Assert.That(S(set["Status"]), Is.EqualTo("InUse"));
            Assert.That(S(set["InstanceId"]), Is.Empty, "a member reports its instance in Attachment only");
            Assert.That(S(set["Attachment"]!["InstanceId"]), Is.EqualTo(Ids.Node1));
            Assert.That(S(set["Attachment"]!["TrunkNetworkInterfaceId"]), Is.EqualTo(trunk));
            Assert.That(set["Attachment"]!["DeviceIndex"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(S(set["CreationTime"]), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        });

        var attr = await _h.OkAsync("DescribeNetworkInterfaceAttribute", ("NetworkInterfaceId", trunk), ("Attribute", "attachment"));
        Assert.That(S(attr["Type"]), Is.EqualTo("Trunk"));
        Assert.That(S(attr["InstanceId"]), Is.EqualTo(Ids.Node1));
        Assert.That(attr["Attachment"]!["MemberNetworkInterfaceIds"]!["MemberNetworkInterfaceId"]!.AsArray().Select(S), Is.EqualTo(new[] { member }));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeNetworkInterfaceAttribute", ("NetworkInterfaceId", trunk), ("Attribute", "everything"));
        await _h.FailsAsync("InvalidEniId.NotFound", 404, "DescribeNetworkInterfaceAttribute", ("NetworkInterfaceId", "eni-nope"));

        await _h.OkAsync("DetachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", member), ("TrunkNetworkInstanceId", trunk));
        await _h.FailsAsync("InvalidParameter", 400, "AttachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", member), ("NetworkCardIndex", "1"));
    }

    [Test]
    public async Task AssignAndUnassign_Shapes()
    {
        var eni = await _h.CreateEniAsync();
        var r = await _h.OkAsync("AssignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("SecondaryPrivateIpAddressCount", "3"));
        var set = r["AssignedPrivateIpAddressesSet"]!;
        Assert.That(S(set["NetworkInterfaceId"]), Is.EqualTo(eni));
        var ips = set["PrivateIpSet"]!["PrivateIpAddress"]!.AsArray().Select(S).ToList();
        Assert.That(ips, Has.Count.EqualTo(3), "PrivateIpSet.PrivateIpAddress is an array of strings");
        await _h.OkAsync("UnassignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("PrivateIpAddress.1", ips[0]), ("PrivateIpAddress.2", ips[1]));
        await _h.FailsAsync("InvalidIp.IpUnassigned", 403, "UnassignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("PrivateIpAddress.1", ips[0]));
        await _h.FailsAsync("MissingParameter", 403, "AssignPrivateIpAddresses", ("NetworkInterfaceId", eni));
        await _h.FailsAsync("MissingParameter", 400, "UnassignPrivateIpAddresses", ("NetworkInterfaceId", eni));
        await _h.FailsAsync("InvalidParameter.Conflict", 400, "AssignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("SecondaryPrivateIpAddressCount", "1"), ("PrivateIpAddress.1", "192.168.4.4"));

        var v6 = await _h.OkAsync("AssignIpv6Addresses", ("NetworkInterfaceId", eni), ("Ipv6AddressCount", "2"));
        Assert.That(S(v6["NetworkInterfaceId"]), Is.EqualTo(eni));
        var v6ips = v6["Ipv6Sets"]!["Ipv6Address"]!.AsArray().Select(S).ToList();
        Assert.That(v6ips, Has.Count.EqualTo(2));
        await _h.OkAsync("UnassignIpv6Addresses", ("NetworkInterfaceId", eni), ("Ipv6Address.1", v6ips[1]));
        await _h.FailsAsync("MissingParameter", 400, "AssignIpv6Addresses", ("NetworkInterfaceId", eni));
        await _h.FailsAsync("InvalidParameter", 400, "AssignIpv6Addresses", ("NetworkInterfaceId", eni), ("Ipv6AddressCount", "11"));
    }

    [Test]
    public async Task DescribeInstanceTypes_FiltersAndPages()
    {
        var one = await _h.OkAsync("DescribeInstanceTypes", ("InstanceTypes.1", "ecs.g7.xlarge"));
        var t = one["InstanceTypes"]!["InstanceType"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(S(t["InstanceTypeId"]), Is.EqualTo("ecs.g7.xlarge"));
            Assert.That(t["EniQuantity"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(t["EniPrivateIpAddressQuantity"]!.GetValue<int>(), Is.EqualTo(15));
            Assert.That(t["EniIpv6AddressQuantity"]!.GetValue<int>(), Is.EqualTo(15));
            Assert.That(t["EniTotalQuantity"]!.GetValue<int>(), Is.EqualTo(20));
            Assert.That(t["EniTrunkSupported"]!.GetValue<bool>(), Is.True);
        });

        var first = await _h.OkAsync("DescribeInstanceTypes", ("MaxResults", "4"));
        Assert.That(first["InstanceTypes"]!["InstanceType"]!.AsArray(), Has.Count.EqualTo(4));
        var rest = await _h.OkAsync("DescribeInstanceTypes", ("MaxResults", "100"), ("NextToken", S(first["NextToken"])));
        Assert.That(S(rest["NextToken"]), Is.Empty);
        Assert.That(rest["InstanceTypes"]!["InstanceType"]!.AsArray(), Has.Count.EqualTo(_h.Model.Model.InstanceTypes().Count - 4));
        var trunkish = await _h.OkAsync("DescribeInstanceTypes", ("InstanceTypeFamily", "ecs.g6"), ("MinimumEniQuantity", "8"));
        Assert.That(trunkish["InstanceTypes"]!["InstanceType"]!.AsArray().Select(x => S(x!["InstanceTypeId"])), Is.EqualTo(new[] { "ecs.g6.16xlarge" }));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeInstanceTypes", ("MaxResults", "101"));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeInstanceTypes", ("InstanceTypes.11", "ecs.g7.large"));
    }

    [Test]
    public async Task DescribeInstances_TakesJsonArraysAndShowsNetworkInterfaces()
    {
        var eni = await _h.CreateEniAsync();
        await _h.OkAsync("AttachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", eni));
        var r = await _h.OkAsync("DescribeInstances", ("InstanceIds", $"[\"{Ids.Node1}\",\"{Ids.Node3}\"]"));
        var list = r["Instances"]!["Instance"]!.AsArray();
        Assert.That(list.Select(i => S(i!["InstanceId"])), Is.EqualTo(new[] { Ids.Node1, Ids.Node3 }));
        var node1 = list[0]!;
        Assert.Multiple(() =>
        {
            Assert.That(S(node1["InstanceType"]), Is.EqualTo("ecs.g7.xlarge"));
            Assert.That(S(node1["ZoneId"]), Is.EqualTo(Ids.ZoneH));
            Assert.That(S(node1["Status"]), Is.EqualTo("Running"));
            Assert.That(S(node1["VpcAttributes"]!["VSwitchId"]), Is.EqualTo(Ids.VSwitchH));
            Assert.That(node1["VpcAttributes"]!["PrivateIpAddress"]!["IpAddress"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(node1["NetworkInterfaces"]!["NetworkInterface"]!.AsArray().Select(n => S(n!["Type"])), Is.EqualTo(new[] { "Primary", "Secondary" }));
            Assert.That(S(node1["CreationTime"]), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$"));
        });
        Assert.That(r["TotalCount"]!.GetValue<int>(), Is.EqualTo(2));

        var byZone = await _h.OkAsync("DescribeInstances", ("ZoneId", Ids.ZoneI), ("Status", "Running"));
        Assert.That(byZone["Instances"]!["Instance"]!.AsArray().Select(i => S(i!["InstanceId"])), Is.EqualTo(new[] { Ids.Node3 }));
        var paged = await _h.OkAsync("DescribeInstances", ("MaxResults", "10"));
        Assert.That(S(paged["NextToken"]), Is.Empty);
        await _h.FailsAsync("InvalidParameter", 400, "DescribeInstances", ("InstanceIds", "i-1,i-2"));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeInstances", ("InstanceIds.1", "x"), ("Status", "Dead"));
    }

    [Test]
    public async Task DescribeVSwitches_ShapeAndAccounting()
    {
        var before = await _h.OkAsync("DescribeVSwitches", ("VSwitchId", Ids.VSwitchH));
        var v = before["VSwitches"]!["VSwitch"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(S(v["ZoneId"]), Is.EqualTo(Ids.ZoneH));
            Assert.That(S(v["CidrBlock"]), Is.EqualTo("192.168.0.0/20"));
            Assert.That(S(v["Ipv6CidrBlock"]), Is.EqualTo("2408:4005:3ed:d01::/64"));
            Assert.That(v["EnabledIpv6"]!.GetValue<bool>(), Is.True);
            Assert.That(S(v["RouteTable"]!["RouteTableId"]), Is.EqualTo(Ids.RouteTable));
            Assert.That(v["Tags"]!["Tag"]!.AsArray(), Is.Empty);
        });
        var count = v["AvailableIpAddressCount"]!.GetValue<long>();
        await _h.CreateEniAsync(("SecondaryPrivateIpAddressCount", "4"));
        var after = await _h.OkAsync("DescribeVSwitches", ("VSwitchId", Ids.VSwitchH));
        Assert.That(after["VSwitches"]!["VSwitch"]![0]!["AvailableIpAddressCount"]!.GetValue<long>(), Is.EqualTo(count - 5));

        var unknown = await _h.OkAsync("DescribeVSwitches", ("VSwitchId", "vsw-nope"));
        Assert.That(unknown["VSwitches"]!["VSwitch"]!.AsArray(), Is.Empty, "an unknown vSwitch is an empty list, not an error");
        var zone = await _h.OkAsync("DescribeVSwitches", ("VpcId", Ids.Vpc), ("ZoneId", Ids.ZoneI));
        Assert.That(zone["TotalCount"]!.GetValue<int>(), Is.EqualTo(1));
        var paged = await _h.OkAsync("DescribeVSwitches", ("PageSize", "2"), ("PageNumber", "2"));
        Assert.That((paged["TotalCount"]!.GetValue<int>(), paged["VSwitches"]!["VSwitch"]!.AsArray().Count), Is.EqualTo((5, 2)));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeVSwitches", ("PageSize", "51"));
        await _h.FailsAsync("DryRunOperation", 400, "DescribeVSwitches", ("DryRun", "true"));
    }

    [Test]
    public async Task Routes_CreateListAndDeleteThroughTheApi()
    {
        var created = await _h.OkAsync("CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "172.20.1.0/24"),
            ("NextHopType", "Instance"), ("NextHopId", Ids.Node1), ("RouteEntryName", "node1"), ("ClientToken", "rt-1"));
        var id = S(created["RouteEntryId"]);
        var replay = await _h.OkAsync("CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "172.20.1.0/24"),
            ("NextHopType", "Instance"), ("NextHopId", Ids.Node1), ("RouteEntryName", "node1"), ("ClientToken", "rt-1"));
        Assert.That(S(replay["RouteEntryId"]), Is.EqualTo(id));
        await _h.OkAsync("CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "172.20.2.0/24"), ("NextHopId", Ids.Node2));

        var list = await _h.OkAsync("DescribeRouteEntryList", ("RouteTableId", Ids.RouteTable), ("RouteEntryType", "Custom"), ("NextHopId", Ids.Node1));
        var entry = list["RouteEntrys"]!["RouteEntry"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(S(entry["RouteEntryId"]), Is.EqualTo(id));
            Assert.That(S(entry["DestinationCidrBlock"]), Is.EqualTo("172.20.1.0/24"));
            Assert.That(S(entry["Type"]), Is.EqualTo("Custom"));
            Assert.That(S(entry["Status"]), Is.EqualTo("Available"));
            Assert.That(S(entry["RouteEntryName"]), Is.EqualTo("node1"));
            Assert.That(S(entry["NextHops"]!["NextHop"]![0]!["NextHopType"]), Is.EqualTo("Instance"));
            Assert.That(S(entry["NextHops"]!["NextHop"]![0]!["NextHopId"]), Is.EqualTo(Ids.Node1));
            Assert.That(S(list["NextToken"]), Is.Empty);
        });

        var page1 = await _h.OkAsync("DescribeRouteEntryList", ("RouteTableId", Ids.RouteTable), ("MaxResult", "2"));
        Assert.That(page1["RouteEntrys"]!["RouteEntry"]!.AsArray(), Has.Count.EqualTo(2));
        var page2 = await _h.OkAsync("DescribeRouteEntryList", ("RouteTableId", Ids.RouteTable), ("MaxResult", "100"), ("NextToken", S(page1["NextToken"])));
        var all = await _h.OkAsync("DescribeRouteEntryList", ("RouteTableId", Ids.RouteTable), ("MaxResult", "100"));
        Assert.That(page2["RouteEntrys"]!["RouteEntry"]!.AsArray().Count + 2, Is.EqualTo(all["RouteEntrys"]!["RouteEntry"]!.AsArray().Count));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeRouteEntryList", ("RouteTableId", Ids.RouteTable), ("MaxResult", "101"));
        await _h.FailsAsync("InvalidRouteTableId.NotFound", 404, "DescribeRouteEntryList", ("RouteTableId", "vtb-nope"));
        await _h.FailsAsync("MissingParameter", 400, "DescribeRouteEntryList");

        await _h.OkAsync("DeleteRouteEntry", ("RouteEntryId", id));
        await _h.FailsAsync("InvalidRouteEntryId.NotFound", 400, "DeleteRouteEntry", ("RouteEntryId", id));
        await _h.FailsAsync("MissingParameter", 400, "DeleteRouteEntry", ("RouteTableId", Ids.RouteTable));
        await _h.FailsAsync("UnsupportedParameter", 400, "CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "172.20.3.0/24"), ("NextHopList.1.NextHopId", Ids.Node1));
        await _h.FailsAsync("DryRunOperation", 400, "CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "172.20.3.0/24"), ("NextHopId", Ids.Node1), ("DryRun", "true"));
        await _h.FailsAsync("InvalidCidrBlock.Malformed", 400, "CreateRouteEntry", ("RouteTableId", Ids.RouteTable), ("DestinationCidrBlock", "300.0.0.0/8"), ("NextHopId", Ids.Node1));
    }

    [Test]
    public async Task DescribeRouteTableList_Shape()
    {
        var r = await _h.OkAsync("DescribeRouteTableList", ("VpcId", Ids.Vpc));
        var t = r["RouterTableList"]!["RouterTableListType"]!.AsArray().Single()!;
        Assert.That(S(t["RouteTableId"]), Is.EqualTo(Ids.RouteTable));
        Assert.That(S(t["RouteTableType"]), Is.EqualTo("System"));
        Assert.That(S(t["RouterType"]), Is.EqualTo("VRouter"));
        Assert.That(t["VSwitchIds"]!["VSwitchId"]!.AsArray().Select(S), Does.Contain(Ids.VSwitchH));
        Assert.That(r["TotalCount"]!.GetValue<int>(), Is.EqualTo(1));
        var all = await _h.OkAsync("DescribeRouteTableList");
        Assert.That(all["TotalCount"]!.GetValue<int>(), Is.EqualTo(2));
        var vbr = await _h.OkAsync("DescribeRouteTableList", ("RouterType", "VBR"));
        Assert.That(vbr["TotalCount"]!.GetValue<int>(), Is.Zero);
    }

    [Test]
    public async Task DescribeSecurityGroups_ListsOnlyExistingIdsOfTheVpc()
    {
        var r = await _h.OkAsync("DescribeSecurityGroups", ("SecurityGroupIds", $"[\"{Ids.SgPods}\",\"sg-doesnotexist\"]"), ("VpcId", Ids.Vpc));
        var groups = r["SecurityGroups"]!["SecurityGroup"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(groups.Select(g => S(g!["SecurityGroupId"])), Is.EqualTo(new[] { Ids.SgPods }));
            Assert.That(S(groups[0]!["VpcId"]), Is.EqualTo(Ids.Vpc));
            Assert.That(r["TotalCount"]!.GetValue<int>(), Is.EqualTo(1));
        });

        var otherVpc = await _h.OkAsync("DescribeSecurityGroups", ("SecurityGroupIds", $"[\"{Ids.SgPods}\"]"), ("VpcId", "vpc-other"));
        Assert.That(otherVpc["SecurityGroups"]!["SecurityGroup"]!.AsArray(), Is.Empty);

        var paged = await _h.OkAsync("DescribeSecurityGroups", ("MaxResults", "1"));
        Assert.That(S(paged["NextToken"]), Is.Not.Empty);
        var second = await _h.OkAsync("DescribeSecurityGroups", ("MaxResults", "1"), ("NextToken", S(paged["NextToken"])));
        Assert.That(S(second["SecurityGroups"]!["SecurityGroup"]![0]!["SecurityGroupId"]), Is.Not.EqualTo(S(paged["SecurityGroups"]!["SecurityGroup"]![0]!["SecurityGroupId"])));
        await _h.FailsAsync("InvalidParameter", 400, "DescribeSecurityGroups", ("SecurityGroupIds", "not-json"));
    }
}
