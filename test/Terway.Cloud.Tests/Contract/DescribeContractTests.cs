using Terway.Cloud.Ecs;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Cloud.Vpc;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// The Describe operations: every DescribeNetworkInterfaces filter the client sends against an
/// oracle computed from the simulator's snapshot, paging in both styles (NextToken, page by page
/// and through the enumerators; PageNumber/PageSize), instance types, instances and vSwitches.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class DescribeContractTests(SignatureAlgorithm algorithm)
{
    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp() => _rig = await ContractRig.StartAsync(algorithm);

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private List<EniSnapshot> SimEnis(Func<EniSnapshot, bool> filter) =>
        _rig.Simulator.Snapshot().NetworkInterfaces.Where(filter).ToList();

    /// <summary>A mixed population: attached, available, trunk, member, two vSwitches, two security groups, tags.</summary>
    private async Task<(NetworkInterface A, NetworkInterface B, string Trunk, NetworkInterface Member, NetworkInterface C)> Populate()
    {
        var a = await _rig.Ecs.CreateNetworkInterfaceAsync(new()
        {
            VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = 2,
            Tags = [new("creator", "terway"), new("pool", "a")],
        });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = a.NetworkInterfaceId });
        var b = await _rig.Ecs.CreateNetworkInterfaceAsync(new()
        {
            VSwitchId = Region.VSwitchI, SecurityGroupIds = [Region.SgNodes], Tags = [new("creator", "terway"), new("pool", "b")],
        });
        var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = trunk.NetworkInterfaceId });
        var member = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], Tags = [new("creator", "terway-controller")] });

        // Instant transitions: the trunk is InUse once the next call starts.
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node2, NetworkInterfaceId = member.NetworkInterfaceId, TrunkNetworkInstanceId = trunk.NetworkInterfaceId });
        var c = await _rig.Ecs.CreateNetworkInterfaceAsync(new()
        {
            VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods, Region.SgNodes], Tags = [new("creator", "other")],
        });
        return (a, b, trunk.NetworkInterfaceId, member, c);
    }

    [Test]
    public async Task DescribeNetworkInterfaces_EachFilter_ReturnsExactlyWhatTheModelSelects()
    {
        var (a, b, trunk, member, _) = await Populate();
        var aSecondary = a.PrivateIps.First(p => !p.Primary).Address;
        var cases = new List<(string Name, DescribeNetworkInterfacesRequest Request, Func<EniSnapshot, bool> Oracle)>
        {
            ("no filter", new(), _ => true),
            ("VpcId", new() { VpcId = Region.Vpc }, e => e.VpcId == Region.Vpc),
            ("VSwitchId", new() { VSwitchId = Region.VSwitchI }, e => e.VSwitchId == Region.VSwitchI),
            ("InstanceId (plain)", new() { InstanceId = Region.Node1 }, e => e.InstanceId == Region.Node1),
            ("InstanceId (trunk and member)", new() { InstanceId = Region.Node2 }, e => e.InstanceId == Region.Node2),
            ("Type=Primary", new() { Type = NetworkInterfaceTypes.Primary }, e => e.Type == EniType.Primary),
            ("Type=Secondary", new() { Type = NetworkInterfaceTypes.Secondary }, e => e.Type == EniType.Secondary),
            ("Type=Trunk", new() { Type = NetworkInterfaceTypes.Trunk }, e => e.Type == EniType.Trunk),
            ("Type=Member", new() { Type = NetworkInterfaceTypes.Member }, e => e.Type == EniType.Member),
            ("Status=Available", new() { Status = NetworkInterfaceStatuses.Available }, e => e.Status == EniStatus.Available),
            ("Status=InUse", new() { Status = NetworkInterfaceStatuses.InUse }, e => e.Status == EniStatus.InUse),
            ("SecurityGroupId", new() { SecurityGroupId = Region.SgNodes }, e => e.SecurityGroupIds.Contains(Region.SgNodes)),
            ("NetworkInterfaceId.N", new() { NetworkInterfaceIds = [a.NetworkInterfaceId, member.NetworkInterfaceId] },
                e => e.NetworkInterfaceId == a.NetworkInterfaceId || e.NetworkInterfaceId == member.NetworkInterfaceId),
            ("PrivateIpAddress.N (a secondary and a primary address)", new() { PrivateIpAddresses = [aSecondary, b.PrimaryIpAddress!] },
                e => e.PrivateIpAddresses.Contains(aSecondary) || e.PrivateIpAddresses.Contains(b.PrimaryIpAddress!)),
            ("one tag", new() { Tags = [new("creator", "terway")] }, e => e.Tags.Any(t => t.Key == "creator" && t.Value == "terway")),
            ("two tags (AND)", new() { Tags = [new("creator", "terway"), new("pool", "b")] },
                e => e.Tags.Any(t => t.Key == "creator" && t.Value == "terway") && e.Tags.Any(t => t.Key == "pool" && t.Value == "b")),
            ("filters combined", new() { VSwitchId = Region.VSwitchH, Status = NetworkInterfaceStatuses.InUse, SecurityGroupId = Region.SgPods },
                e => e.VSwitchId == Region.VSwitchH && e.Status == EniStatus.InUse && e.SecurityGroupIds.Contains(Region.SgPods)),
        };

        foreach (var (name, request, oracle) in cases)
        {
            var described = await _rig.Ecs.ListNetworkInterfacesAsync(request).ToListAsync();
            var expected = SimEnis(oracle);
            Assert.That(expected, Is.Not.Empty, $"{name}: the population exercises this filter");
            Assert.That(described.Select(e => e.NetworkInterfaceId).ToList(), Is.EqualTo(expected.Select(e => e.NetworkInterfaceId).ToList()), name);
            Agreement.SameEnis(described, expected);
        }

        Assert.That(SimEnis(e => e.NetworkInterfaceId == trunk).Single().MemberNetworkInterfaceIds, Is.EqualTo(new[] { member.NetworkInterfaceId }));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_MoreEnisThanOnePage_PagesByNextTokenCoverEachEniOnce()
    {
        CloudTag batch = new("batch", "paging");
        for (var i = 0; i < 25; i++)
        {
            await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = i % 2 == 0 ? Region.VSwitchH : Region.VSwitchI, SecurityGroupIds = [Region.SgPods], Tags = [batch] });
        }

        var expected = SimEnis(e => e.Tags.Any(t => t.Key == "batch"));
        Assert.That(expected, Has.Count.EqualTo(25));

        // Page by page, as a caller holding the token would.
        var pages = new List<CloudPage<NetworkInterface>>();
        string? token = null;
        do
        {
            var page = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { Tags = [batch], MaxResults = 10, NextToken = token });
            pages.Add(page);
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token) && pages.Count < 10);

        Assert.That(pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 10, 10, 5 }));
        Assert.That(pages.Take(2).Select(p => p.NextToken), Has.All.Not.Null.And.Not.Empty);
        Assert.That(pages[^1].NextToken, Is.Null.Or.Empty, "the last page has no NextToken");
        Agreement.SameEnis(pages.SelectMany(p => p.Items).ToList(), expected);

        // Through the enumerator: the same ENIs in the same order, three calls on the wire.
        var callsBefore = _rig.Wire.Of("DescribeNetworkInterfaces").Count;
        var listed = await _rig.Ecs.ListNetworkInterfacesAsync(new() { Tags = [batch], MaxResults = 10 }).ToListAsync();
        Agreement.SameEnis(listed, expected);
        Assert.That(_rig.Wire.Of("DescribeNetworkInterfaces").Count - callsBefore, Is.EqualTo(3));
    }

    [Test]
    public async Task DescribeNetworkInterfaces_EniDeletedBetweenPages_TokenStillResumesWithoutSkipOrRepeat()
    {
        CloudTag batch = new("batch", "churn");
        for (var i = 0; i < 15; i++)
        {
            await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], Tags = [batch] });
        }

        var first = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { Tags = [batch], MaxResults = 10 });
        await _rig.Ecs.DeleteNetworkInterfaceAsync(first.Items[^1].NetworkInterfaceId);
        var second = await _rig.Ecs.DescribeNetworkInterfacesAsync(new() { Tags = [batch], MaxResults = 10, NextToken = first.NextToken });

        var expectedRest = SimEnis(e => e.Tags.Any(t => t.Key == "batch")).Skip(9).ToList();
        Assert.That(second.Items.Select(e => e.NetworkInterfaceId), Is.EqualTo(expectedRest.Select(e => e.NetworkInterfaceId)));
        Assert.That(second.NextToken, Is.Null.Or.Empty);
    }

    [Test]
    public async Task DescribeInstanceTypes_AllAndFilteredAndPaged_MatchTheSimulatorsTypes()
    {
        _rig.Simulator.AddInstanceType(new InstanceTypeDefinition
        {
            InstanceTypeId = "ecs.contract.test", InstanceTypeFamily = "ecs.contract", CpuCoreCount = 2, MemorySize = 4,
            EniQuantity = 3, EniPrivateIpAddressQuantity = 7, EniIpv6AddressQuantity = 5, EniTotalQuantity = 9, EniTrunkSupported = true,
        });

        var all = await _rig.Ecs.ListInstanceTypesAsync(new()).ToListAsync();
        var paged = await _rig.Ecs.ListInstanceTypesAsync(new() { MaxResults = 3 }).ToListAsync();

        Assert.That(all.Count, Is.GreaterThan(3));
        Assert.That(paged.Select(t => t.InstanceTypeId), Is.EqualTo(all.Select(t => t.InstanceTypeId)), "paging with NextToken gives the same list");
        Assert.That(all.Select(t => t.InstanceTypeId), Is.Unique);
        Assert.That(_rig.Wire.Of("DescribeInstanceTypes").Count, Is.EqualTo(1 + ((all.Count + 2) / 3)));

        var custom = all.Single(t => t.InstanceTypeId == "ecs.contract.test");
        Assert.That(
            (custom.InstanceTypeFamily, custom.CpuCoreCount, custom.MemorySize, custom.EniQuantity, custom.EniPrivateIpAddressQuantity, custom.EniIpv6AddressQuantity, custom.EniTotalQuantity, custom.EniTrunkSupported, custom.MemberEniLimit),
            Is.EqualTo(("ecs.contract", (int?)2, (double?)4, 3, 7, 5, 9, true, 6)));

        foreach (var instance in _rig.Simulator.Snapshot().Instances)
        {
            var sim = instance.InstanceType;
            var described = all.Single(t => t.InstanceTypeId == sim.InstanceTypeId);
            Assert.That(
                (described.InstanceTypeFamily, described.EniQuantity, described.EniPrivateIpAddressQuantity, described.EniIpv6AddressQuantity, described.EniTotalQuantity, described.EniTrunkSupported),
                Is.EqualTo((sim.InstanceTypeFamily, sim.EniQuantity, sim.EniPrivateIpAddressQuantity, sim.EniIpv6AddressQuantity, sim.EniTotalQuantity, sim.EniTrunkSupported)));
        }

        var filtered = await _rig.Ecs.DescribeInstanceTypesAsync(new() { InstanceTypes = ["ecs.g7.xlarge", "ecs.g6.large"] });
        Assert.That(filtered.Items.Select(t => t.InstanceTypeId), Is.EquivalentTo(new[] { "ecs.g7.xlarge", "ecs.g6.large" }));
        var g7 = filtered.Items.Single(t => t.InstanceTypeId == "ecs.g7.xlarge");
        Assert.That((g7.EniQuantity, g7.EniPrivateIpAddressQuantity, g7.EniIpv6AddressQuantity, g7.EniTotalQuantity, g7.EniTrunkSupported, g7.MemberEniLimit), Is.EqualTo((4, 15, 15, 20, true, 16)), "reference §8.1");
    }

    [Test]
    public async Task DescribeInstances_PagedAndFiltered_MatchTheSimulatorsInstancesAndAttachedEnis()
    {
        for (var i = 0; i < 12; i++)
        {
            _rig.Simulator.AddInstance(new InstanceDefinition
            {
                InstanceId = $"i-bp1contract{i:D11}",
                InstanceType = i % 3 == 0 ? "ecs.g6.large" : "ecs.c7.xlarge",
                ZoneId = i % 2 == 0 ? Region.ZoneH : Region.ZoneI,
                VSwitchId = i % 2 == 0 ? Region.VSwitchH : Region.VSwitchI,
                SecurityGroupIds = [Region.SgNodes],
                Status = i == 5 ? "Stopped" : "Running",
            });
        }

        var secondary = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = secondary.NetworkInterfaceId });
        var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });
        await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = trunk.NetworkInterfaceId });

        var all = await _rig.Ecs.ListInstancesAsync(new() { MaxResults = 10 }).ToListAsync();
        var snapshot = _rig.Simulator.Snapshot();

        Assert.That(all.Select(i => i.InstanceId), Is.EquivalentTo(snapshot.Instances.Select(i => i.InstanceId)));
        Assert.That(_rig.Wire.Of("DescribeInstances"), Has.Count.EqualTo(2), "15 instances, 10 per page");
        foreach (var described in all)
        {
            var sim = snapshot.Instances.Single(i => i.InstanceId == described.InstanceId);
            Assert.Multiple(() =>
            {
                Assert.That(described.InstanceType, Is.EqualTo(sim.InstanceType.InstanceTypeId));
                Assert.That(described.InstanceTypeFamily, Is.EqualTo(sim.InstanceType.InstanceTypeFamily));
                Assert.That(described.RegionId, Is.EqualTo(Region.Id));
                Assert.That(described.ZoneId, Is.EqualTo(sim.ZoneId));
                Assert.That(described.Status, Is.EqualTo(sim.Status));
                Assert.That(described.HostName, Is.EqualTo(sim.HostName));
                Assert.That(described.VpcId, Is.EqualTo(sim.VpcId));
                Assert.That(described.VSwitchId, Is.EqualTo(sim.VSwitchId));
                Assert.That(described.PrivateIpAddresses, Is.EqualTo(new[] { sim.PrimaryIpAddress }));
                Assert.That(described.SecurityGroupIds, Is.EqualTo(sim.SecurityGroupIds));
            });
            var attached = snapshot.NetworkInterfaces.Where(e => e.InstanceId == sim.InstanceId && e.Type != EniType.Member).ToList();
            Assert.That(
                described.NetworkInterfaces,
                Is.EquivalentTo(attached.Select(e => new InstanceNetworkInterface(e.NetworkInterfaceId, e.MacAddress, e.PrimaryIpAddress, e.Type.ToString()))),
                $"{sim.InstanceId}: NetworkInterfaces lists its attached primary/secondary/trunk ENIs");
        }

        Assert.That(all.Single(i => i.InstanceId == Region.Node1).NetworkInterfaces.Select(n => n.NetworkInterfaceId),
            Is.SupersetOf(new[] { secondary.NetworkInterfaceId, trunk.NetworkInterfaceId }));

        var byIds = await _rig.Ecs.DescribeInstancesAsync(new() { InstanceIds = [Region.Node1, Region.Node3] });
        Assert.That(byIds.Items.Select(i => i.InstanceId), Is.EquivalentTo(new[] { Region.Node1, Region.Node3 }), "InstanceIds as a JSON array");
        var stopped = await _rig.Ecs.ListInstancesAsync(new() { Status = "Stopped" }).ToListAsync();
        Assert.That(stopped.Select(i => i.InstanceId), Is.EqualTo(new[] { "i-bp1contract00000000005" }));
        var inZoneI = await _rig.Ecs.ListInstancesAsync(new() { ZoneId = Region.ZoneI, InstanceType = "ecs.c7.xlarge" }).ToListAsync();
        Assert.That(inZoneI.Select(i => i.InstanceId), Is.EquivalentTo(snapshot.Instances.Where(i => i.ZoneId == Region.ZoneI && i.InstanceType.InstanceTypeId == "ecs.c7.xlarge").Select(i => i.InstanceId)));
        var byVSwitch = await _rig.Ecs.ListInstancesAsync(new() { VSwitchId = Region.VSwitchH, VpcId = Region.Vpc }).ToListAsync();
        Assert.That(byVSwitch.Select(i => i.InstanceId), Is.EquivalentTo(snapshot.Instances.Where(i => i.VSwitchId == Region.VSwitchH).Select(i => i.InstanceId)));
    }

    [Test]
    public async Task DescribeVSwitches_AvailableIpCount_FollowsTheSimulatorAsAddressesAreTaken()
    {
        async Task<VSwitch> Describe(string id) => (await _rig.Vpc.DescribeVSwitchesAsync(new() { VSwitchId = id })).Items.Single();

        var initial = await Describe(Region.VSwitchH);
        var sim = _rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchH);
        Assert.Multiple(() =>
        {
            Assert.That(initial.VpcId, Is.EqualTo(sim.VpcId));
            Assert.That(initial.ZoneId, Is.EqualTo(sim.ZoneId));
            Assert.That(initial.CidrBlock, Is.EqualTo(sim.CidrBlock));
            Assert.That(initial.Ipv6CidrBlock, Is.EqualTo(sim.Ipv6CidrBlock));
            Assert.That(initial.VSwitchName, Is.EqualTo(sim.VSwitchName));
            Assert.That(initial.AvailableIpAddressCount, Is.EqualTo(sim.AvailableIpAddressCount));
            Assert.That(initial.AvailableIpAddressCount, Is.EqualTo(4092 - 2), "a /20 less 4 reserved addresses, less the primary IPs of nodes 1 and 2");
        });

        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = 5 });
        Assert.That((await Describe(Region.VSwitchH)).AvailableIpAddressCount, Is.EqualTo(initial.AvailableIpAddressCount - 6));

        await _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 2 });
        Assert.That((await Describe(Region.VSwitchH)).AvailableIpAddressCount, Is.EqualTo(initial.AvailableIpAddressCount - 8));

        _rig.Simulator.ReserveAddresses(Region.VSwitchH, 100);
        var afterReserve = await Describe(Region.VSwitchH);
        Assert.That(afterReserve.AvailableIpAddressCount, Is.EqualTo(initial.AvailableIpAddressCount - 108));
        Assert.That(afterReserve.AvailableIpAddressCount, Is.EqualTo(_rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchH).AvailableIpAddressCount));

        Assert.That((await Describe(Region.VSwitchI)).AvailableIpAddressCount, Is.EqualTo(_rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == Region.VSwitchI).AvailableIpAddressCount), "the other vSwitch is untouched");
    }

    [Test]
    public async Task DescribeVSwitches_PageNumberPaging_CoversEveryVSwitchOnce()
    {
        _rig.Simulator.AddVSwitch(new VSwitchDefinition { VSwitchId = "vsw-bp1contract000000001", ZoneId = Region.ZoneH, CidrBlock = "192.168.64.0/24", VSwitchName = "contract" });

        var paged = await _rig.Vpc.ListVSwitchesAsync(new() { VpcId = Region.Vpc, PageSize = 1 }).ToListAsync();
        var whole = await _rig.Vpc.DescribeVSwitchesAsync(new() { VpcId = Region.Vpc });
        var sim = _rig.Simulator.Snapshot().VSwitches;

        Assert.That(paged.Select(v => v.VSwitchId), Is.EquivalentTo(sim.Select(v => v.VSwitchId)));
        Assert.That(paged.Select(v => v.VSwitchId), Is.Unique);
        Assert.That(whole.TotalCount, Is.EqualTo(3));
        Assert.That(_rig.Wire.Of("DescribeVSwitches").Count, Is.EqualTo(3 + 1), "three pages of one (TotalCount ends the walk), then the single-page call");
        var byZone = await _rig.Vpc.ListVSwitchesAsync(new() { ZoneId = Region.ZoneH }).ToListAsync();
        Assert.That(byZone.Select(v => v.VSwitchId), Is.EquivalentTo(sim.Where(v => v.ZoneId == Region.ZoneH).Select(v => v.VSwitchId)));
        var added = paged.Single(v => v.VSwitchId == "vsw-bp1contract000000001");
        Assert.That(added.AvailableIpAddressCount, Is.EqualTo(252), "a /24 has 256 − 4 reserved addresses");
    }
}
