using Terway.Cloud.Ecs;
using Terway.Cloud.Resilience;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Ecs;

[TestFixture]
public sealed class EcsOperationTests
{
    private const string EniJson = """
        {"NetworkInterfaceId":"eni-1","Status":"InUse","Type":"Member","VpcId":"vpc-1","VSwitchId":"vsw-1","ZoneId":"cn-hangzhou-i",
         "PrivateIpAddress":"192.168.0.10","MacAddress":"00:16:3e:00:00:c2","InstanceId":"","Description":"interface create by terway",
         "CreationTime":"2024-01-02T03:04:05Z","DeleteOnRelease":true,"SourceDestCheck":false,"ServiceManaged":false,
         "NetworkInterfaceTrafficMode":"Standard",
         "SecurityGroupIds":{"SecurityGroupId":["sg-1","sg-2"]},
         "PrivateIpSets":{"PrivateIpSet":[{"PrivateIpAddress":"192.168.0.10","AssociatedPublicIp":{},"Primary":true},{"PrivateIpAddress":"192.168.0.11","Primary":false}]},
         "Ipv6Sets":{"Ipv6Set":[{"Ipv6Address":"2408::1"}]},
         "Ipv4PrefixSets":{"Ipv4PrefixSet":[{"Ipv4Prefix":"192.168.1.0/28"}]},
         "Ipv6PrefixSets":{"Ipv6PrefixSet":[]},
         "Tags":{"Tag":[{"TagKey":"creator","TagValue":"terway-controller"},{"TagKey":"ack.aliyun.com","TagValue":"c1"}]},
         "Attachment":{"InstanceId":"i-1","DeviceIndex":2,"TrunkNetworkInterfaceId":"eni-trunk"}}
        """;

    [Test]
    public async Task CreateNetworkInterface_AllParameters_SendsExactWireNames()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("{\"RequestId\":\"R\"," + EniJson.Trim()[1..]));
        using var client = Harness.Client(handler);

        var eni = await client.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest
        {
            VSwitchId = "vsw-1",
            SecurityGroupIds = ["sg-1", "sg-2"],
            Type = NetworkInterfaceCreateType.Trunk,
            ClientToken = "tok-1",
            SecondaryPrivateIpAddressCount = 3,
            Ipv6AddressCount = 2,
            Tags = [new("creator", "terway-controller"), new("ack.aliyun.com", "c1")],
            Description = "interface create by terway",
            DeleteOnRelease = false,
            SourceDestCheck = false,
            ResourceGroupId = "rg-1",
        });

        var q = handler.Requests.Single().Query;
        Assert.Multiple(() =>
        {
            Assert.That(handler.Requests.Single().Action, Is.EqualTo("CreateNetworkInterface"));
            Assert.That(handler.Requests.Single().Method, Is.EqualTo("POST"));
            Assert.That(q["RegionId"], Is.EqualTo("cn-hangzhou"));
            Assert.That(q["VSwitchId"], Is.EqualTo("vsw-1"));
            Assert.That(q["SecurityGroupIds.1"], Is.EqualTo("sg-1"));
            Assert.That(q["SecurityGroupIds.2"], Is.EqualTo("sg-2"));
            Assert.That(q["InstanceType"], Is.EqualTo("Trunk"));
            Assert.That(q["ClientToken"], Is.EqualTo("tok-1"));
            Assert.That(q["SecondaryPrivateIpAddressCount"], Is.EqualTo("3"));
            Assert.That(q["Ipv6AddressCount"], Is.EqualTo("2"));
            Assert.That(q["Tag.1.Key"], Is.EqualTo("creator"));
            Assert.That(q["Tag.1.Value"], Is.EqualTo("terway-controller"));
            Assert.That(q["Tag.2.Key"], Is.EqualTo("ack.aliyun.com"));
            Assert.That(q["Description"], Is.EqualTo("interface create by terway"));
            Assert.That(q["DeleteOnRelease"], Is.EqualTo("false"));
            Assert.That(q["SourceDestCheck"], Is.EqualTo("false"));
            Assert.That(q["ResourceGroupId"], Is.EqualTo("rg-1"));
            Assert.That(eni.NetworkInterfaceId, Is.EqualTo("eni-1"));
        });
    }

    [Test]
    public async Task CreateNetworkInterface_NoClientToken_GeneratesOneAndDefaultsToSecondary()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-2","Status":"Available","Type":"Secondary"}"""));
        using var client = Harness.Client(handler);

        await client.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = "vsw-1", SecurityGroupIds = ["sg-1"] });

        var q = handler.Requests.Single().Query;
        Assert.That(q["InstanceType"], Is.EqualTo("Secondary"));
        Assert.That(q["ClientToken"], Has.Length.EqualTo(32));
        Assert.That(q.ContainsKey("SecondaryPrivateIpAddressCount"), Is.False);
    }

    [Test]
    public async Task CreateNetworkInterface_NoSecurityGroup_ThrowsArgumentException()
    {
        using var client = Harness.Client(new FakeHandler(_ => FakeHandler.Json("{}")));

        await Assert.ThrowsAsync<ArgumentException>(() => client.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = "vsw-1", SecurityGroupIds = [] }));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_DocumentedShape_ParsesEveryField()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("{\"RequestId\":\"R\",\"NextToken\":\"\",\"TotalCount\":1,\"NetworkInterfaceSets\":{\"NetworkInterfaceSet\":[" + EniJson + "]}}"));
        using var client = Harness.Client(handler);

        var page = await client.Ecs.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
        {
            VpcId = "vpc-1",
            VSwitchId = "vsw-1",
            InstanceId = "i-1",
            Type = NetworkInterfaceTypes.Member,
            Status = NetworkInterfaceStatuses.InUse,
            NetworkInterfaceIds = ["eni-1", "eni-2"],
            Tags = [new("creator", "terway-controller")],
        });

        var q = handler.Requests.Single().Query;
        Assert.Multiple(() =>
        {
            Assert.That(q["VpcId"], Is.EqualTo("vpc-1"));
            Assert.That(q["VSwitchId"], Is.EqualTo("vsw-1"));
            Assert.That(q["InstanceId"], Is.EqualTo("i-1"));
            Assert.That(q["Type"], Is.EqualTo("Member"));
            Assert.That(q["Status"], Is.EqualTo("InUse"));
            Assert.That(q["NetworkInterfaceId.1"], Is.EqualTo("eni-1"));
            Assert.That(q["NetworkInterfaceId.2"], Is.EqualTo("eni-2"));
            Assert.That(q["Tag.1.Key"], Is.EqualTo("creator"));
            Assert.That(q["MaxResults"], Is.EqualTo("500"));
            Assert.That(q.ContainsKey("NextToken"), Is.False);
        });

        var eni = page.Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(page.RequestId, Is.EqualTo("R"));
            Assert.That(page.NextToken, Is.Empty);
            Assert.That(eni.NetworkInterfaceId, Is.EqualTo("eni-1"));
            Assert.That(eni.Status, Is.EqualTo("InUse"));
            Assert.That(eni.Type, Is.EqualTo("Member"));
            Assert.That(eni.PrimaryIpAddress, Is.EqualTo("192.168.0.10"));
            Assert.That(eni.MacAddress, Is.EqualTo("00:16:3e:00:00:c2"));
            Assert.That(eni.InstanceId, Is.EqualTo("i-1"), "member ENI: instance comes from Attachment when InstanceId is empty");
            Assert.That(eni.TrunkNetworkInterfaceId, Is.EqualTo("eni-trunk"));
            Assert.That(eni.Attachment!.DeviceIndex, Is.EqualTo(2));
            Assert.That(eni.CreationTime, Is.EqualTo(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)));
            Assert.That(eni.DeleteOnRelease, Is.True);
            Assert.That(eni.SourceDestCheck, Is.False);
            Assert.That(eni.SecurityGroupIds, Is.EqualTo(new[] { "sg-1", "sg-2" }));
            Assert.That(eni.PrivateIps, Is.EqualTo(new[] { new PrivateIp("192.168.0.10", true), new PrivateIp("192.168.0.11", false) }));
            Assert.That(eni.Ipv6Addresses, Is.EqualTo(new[] { "2408::1" }));
            Assert.That(eni.Ipv4Prefixes, Is.EqualTo(new[] { "192.168.1.0/28" }));
            Assert.That(eni.Ipv6Prefixes, Is.Empty);
            Assert.That(eni.Tags, Is.EqualTo(new[] { new CloudTag("creator", "terway-controller"), new CloudTag("ack.aliyun.com", "c1") }));
        });
    }

    [Test]
    public async Task ListNetworkInterfaces_ThreePages_FollowsNextTokenToTheEnd()
    {
        var handler = new FakeHandler(r =>
        {
            var token = r.Query.GetValueOrDefault("NextToken");
            var (ids, next) = token switch
            {
                null => (new[] { "eni-a", "eni-b" }, "t1"),
                "t1" => (new[] { "eni-c" }, "t2"),
                "t2" => (new[] { "eni-d" }, string.Empty),
                _ => throw new InvalidOperationException(token),
            };
            var sets = string.Join(",", ids.Select(i => $$"""{"NetworkInterfaceId":"{{i}}"}"""));
            return FakeHandler.Json($$$"""{"RequestId":"R","NextToken":"{{{next}}}","NetworkInterfaceSets":{"NetworkInterfaceSet":[{{{sets}}}]}}""");
        });
        using var client = Harness.Client(handler);

        var all = new List<string>();
        await foreach (var eni in client.Ecs.ListNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { VpcId = "vpc-1" }))
        {
            all.Add(eni.NetworkInterfaceId);
        }

        Assert.That(all, Is.EqualTo(new[] { "eni-a", "eni-b", "eni-c", "eni-d" }));
        Assert.That(handler.Requests.Select(r => r.Query.GetValueOrDefault("NextToken")), Is.EqualTo(new[] { null, "t1", "t2" }));
        Assert.That(handler.Requests.All(r => r.Query["VpcId"] == "vpc-1"), Is.True);
    }

    [Test]
    public async Task ListNetworkInterfaces_RepeatingNextToken_FailsInsteadOfLooping()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NextToken":"same","NetworkInterfaceSets":{"NetworkInterfaceSet":[]}}"""));
        using var client = Harness.Client(handler);

        var ex = await Assert.ThrowsAsync<Terway.Cloud.Errors.CloudApiException>(async () =>
        {
            await foreach (var unused in client.Ecs.ListNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest()))
            {
            }
        });
        Assert.That(ex!.Kind, Is.EqualTo(Terway.Cloud.Errors.CloudErrorKind.MalformedResponse));
        Assert.That(handler.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task AttachAndDetach_TrunkMember_SendTrunkNetworkInstanceId()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        using var client = Harness.Client(handler);

        await client.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = "i-1", NetworkInterfaceId = "eni-m", TrunkNetworkInstanceId = "eni-t", NetworkCardIndex = 1 });
        await client.Ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest { InstanceId = "i-1", NetworkInterfaceId = "eni-m", TrunkNetworkInstanceId = "eni-t" });
        await client.Ecs.DeleteNetworkInterfaceAsync("eni-m");

        var (attach, detach, delete) = (handler.Requests[0], handler.Requests[1], handler.Requests[2]);
        Assert.Multiple(() =>
        {
            Assert.That(attach.Action, Is.EqualTo("AttachNetworkInterface"));
            Assert.That(attach.Query["InstanceId"], Is.EqualTo("i-1"));
            Assert.That(attach.Query["NetworkInterfaceId"], Is.EqualTo("eni-m"));
            Assert.That(attach.Query["TrunkNetworkInstanceId"], Is.EqualTo("eni-t"));
            Assert.That(attach.Query["NetworkCardIndex"], Is.EqualTo("1"));
            Assert.That(detach.Action, Is.EqualTo("DetachNetworkInterface"));
            Assert.That(detach.Query["TrunkNetworkInstanceId"], Is.EqualTo("eni-t"));
            Assert.That(delete.Action, Is.EqualTo("DeleteNetworkInterface"));
            Assert.That(delete.Query["NetworkInterfaceId"], Is.EqualTo("eni-m"));
            Assert.That(delete.Query["RegionId"], Is.EqualTo("cn-hangzhou"));
        });
    }

    [Test]
    public async Task AssignPrivateIpAddresses_Response_ReadsStringArrayOfAddresses()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","AssignedPrivateIpAddressesSet":{"NetworkInterfaceId":"eni-1",
             "PrivateIpSet":{"PrivateIpAddress":["10.0.0.5","10.0.0.6"]},"Ipv4PrefixSet":{"Ipv4Prefixes":[]}}}
            """));
        using var client = Harness.Client(handler);

        var token = ClientTokens.Derive("assign ips for node n1", "eni-1", "2");
        var assigned = await client.Ecs.AssignPrivateIpAddressesAsync(new AssignPrivateIpAddressesRequest { NetworkInterfaceId = "eni-1", SecondaryPrivateIpAddressCount = 2, ClientToken = token });

        Assert.That(assigned.PrivateIpAddresses, Is.EqualTo(new[] { "10.0.0.5", "10.0.0.6" }));
        Assert.That(assigned.NetworkInterfaceId, Is.EqualTo("eni-1"));
        var q = handler.Requests.Single().Query;
        Assert.That(q["SecondaryPrivateIpAddressCount"], Is.EqualTo("2"));
        Assert.That(q["ClientToken"], Is.EqualTo(token));
    }

    [Test]
    public async Task UnassignPrivateAndIpv6_Addresses_SendIndexedLists()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        using var client = Harness.Client(handler);

        await client.Ecs.UnassignPrivateIpAddressesAsync(new UnassignPrivateIpAddressesRequest { NetworkInterfaceId = "eni-1", PrivateIpAddresses = ["10.0.0.5", "10.0.0.6"] });
        await client.Ecs.UnassignIpv6AddressesAsync(new UnassignIpv6AddressesRequest { NetworkInterfaceId = "eni-1", Ipv6Addresses = ["2408::5"] });

        Assert.That(handler.Requests[0].Action, Is.EqualTo("UnassignPrivateIpAddresses"));
        Assert.That(handler.Requests[0].Query["PrivateIpAddress.1"], Is.EqualTo("10.0.0.5"));
        Assert.That(handler.Requests[0].Query["PrivateIpAddress.2"], Is.EqualTo("10.0.0.6"));
        Assert.That(handler.Requests[1].Action, Is.EqualTo("UnassignIpv6Addresses"));
        Assert.That(handler.Requests[1].Query["Ipv6Address.1"], Is.EqualTo("2408::5"));
    }

    [Test]
    public async Task AssignIpv6Addresses_Response_ReadsIpv6Sets()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1","Ipv6Sets":{"Ipv6Address":["2408::5","2408::6"]}}"""));
        using var client = Harness.Client(handler);

        var assigned = await client.Ecs.AssignIpv6AddressesAsync(new AssignIpv6AddressesRequest { NetworkInterfaceId = "eni-1", Ipv6AddressCount = 2 });

        Assert.That(assigned.Ipv6Addresses, Is.EqualTo(new[] { "2408::5", "2408::6" }));
        Assert.That(handler.Requests.Single().Query["Ipv6AddressCount"], Is.EqualTo("2"));
        Assert.That(handler.Requests.Single().Query, Does.ContainKey("ClientToken"));
    }

    [Test]
    public async Task DescribeInstanceTypes_G7Xlarge_ParsesLimitsAndMemberEniLimit()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","NextToken":"","InstanceTypes":{"InstanceType":[{"InstanceTypeId":"ecs.g7.xlarge","InstanceTypeFamily":"ecs.g7",
             "CpuCoreCount":4,"MemorySize":16.0,"EniQuantity":4,"EniPrivateIpAddressQuantity":15,"EniIpv6AddressQuantity":15,
             "EniTotalQuantity":20,"EniTrunkSupported":true,"EriQuantity":0}]}}
            """));
        using var client = Harness.Client(handler);

        var types = new List<InstanceTypeInfo>();
        await foreach (var t in client.Ecs.ListInstanceTypesAsync(new DescribeInstanceTypesRequest { InstanceTypes = ["ecs.g7.xlarge"] }))
        {
            types.Add(t);
        }

        var g7 = types.Single();
        Assert.That(handler.Requests.Single().Query["InstanceTypes.1"], Is.EqualTo("ecs.g7.xlarge"));
        Assert.That(handler.Requests.Single().Query["MaxResults"], Is.EqualTo("100"));
        Assert.That((g7.EniQuantity, g7.EniPrivateIpAddressQuantity, g7.EniIpv6AddressQuantity, g7.EniTotalQuantity, g7.EniTrunkSupported), Is.EqualTo((4, 15, 15, 20, true)));
        Assert.That(g7.MemberEniLimit, Is.EqualTo(16));
        Assert.That(g7.MemorySize, Is.EqualTo(16.0));
    }

    [Test]
    public async Task DescribeInstances_InstanceIds_SentAsJsonArrayString()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","NextToken":"","Instances":{"Instance":[{"InstanceId":"i-1","InstanceType":"ecs.g7.xlarge","ZoneId":"cn-hangzhou-i","Status":"Running",
             "VpcAttributes":{"VpcId":"vpc-1","VSwitchId":"vsw-1","PrivateIpAddress":{"IpAddress":["192.168.0.2"]}},
             "NetworkInterfaces":{"NetworkInterface":[{"NetworkInterfaceId":"eni-p","MacAddress":"00:16:3e:00:00:01","PrimaryIpAddress":"192.168.0.2","Type":"Primary"}]},
             "SecurityGroupIds":{"SecurityGroupId":["sg-1"]},"Tags":{"Tag":[{"TagKey":"k","TagValue":"v"}]}}]}}
            """));
        using var client = Harness.Client(handler);

        var page = await client.Ecs.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = ["i-1", "i-2"] });

        Assert.That(handler.Requests.Single().Query["InstanceIds"], Is.EqualTo("[\"i-1\",\"i-2\"]"));
        var i = page.Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(i.InstanceId, Is.EqualTo("i-1"));
            Assert.That(i.VpcId, Is.EqualTo("vpc-1"));
            Assert.That(i.VSwitchId, Is.EqualTo("vsw-1"));
            Assert.That(i.PrivateIpAddresses, Is.EqualTo(new[] { "192.168.0.2" }));
            Assert.That(i.NetworkInterfaces.Single().Type, Is.EqualTo("Primary"));
            Assert.That(i.SecurityGroupIds, Is.EqualTo(new[] { "sg-1" }));
            Assert.That(i.Tags.Single(), Is.EqualTo(new CloudTag("k", "v")));
        });
    }

    [Test]
    public async Task DescribeSecurityGroups_Ids_SentAsJsonArrayStringAndParsed()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""
            {"RequestId":"R","NextToken":"","RegionId":"cn-hangzhou","SecurityGroups":{"SecurityGroup":[
             {"SecurityGroupId":"sg-1","VpcId":"vpc-1","SecurityGroupName":"pods","SecurityGroupType":"normal","Description":"d",
              "ResourceGroupId":"rg-1","CreationTime":"2024-01-02T03:04:05Z"}]}}
            """));
        using var client = Harness.Client(handler);

        var page = await client.Ecs.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { VpcId = "vpc-1", SecurityGroupIds = ["sg-1", "sg-missing"] });

        var request = handler.Requests.Single();
        var query = request.Query;
        Assert.Multiple(() =>
        {
            Assert.That(request.Action, Is.EqualTo("DescribeSecurityGroups"));
            Assert.That(query["SecurityGroupIds"], Is.EqualTo("[\"sg-1\",\"sg-missing\"]"));
            Assert.That(query["VpcId"], Is.EqualTo("vpc-1"));
            Assert.That(query["MaxResults"], Is.EqualTo("100"));
        });
        var sg = page.Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(sg.SecurityGroupId, Is.EqualTo("sg-1"));
            Assert.That(sg.VpcId, Is.EqualTo("vpc-1"));
            Assert.That(sg.SecurityGroupName, Is.EqualTo("pods"));
            Assert.That(sg.SecurityGroupType, Is.EqualTo("normal"));
            Assert.That(sg.ResourceGroupId, Is.EqualTo("rg-1"));
            Assert.That(sg.CreationTime, Is.EqualTo(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        });
    }

    [Test]
    public async Task DescribeSecurityGroups_MoreThan100Ids_RejectedBeforeAnyRequest()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("{}"));
        using var client = Harness.Client(handler);

        await Assert.ThatAsync(() => client.Ecs.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            SecurityGroupIds = Enumerable.Range(0, 101).Select(i => "sg-" + i).ToList(),
        }), Throws.InstanceOf<ArgumentException>());
        Assert.That(handler.Requests, Is.Empty);
    }
}
