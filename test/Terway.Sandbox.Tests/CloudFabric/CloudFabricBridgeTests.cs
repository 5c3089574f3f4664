using System.Net;
using System.Net.NetworkInformation;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Vpc;
using Terway.NodeAgent.Datapath;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.CloudFabric;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Tests.Support;

namespace Terway.Sandbox.Tests.CloudFabric;

/// <summary>
/// The fabric follows the region simulator: the simulator is driven with the project's cloud
/// client, exactly as the operator will drive it, and the fabric is checked link by link and
/// with real traffic.
/// </summary>
[TestFixture]
public sealed class CloudFabricBridgeTests
{
    private SandboxRegion _region = null!;
    private RegionSimulator _simulator = null!;
    private VpcFabric _fabric = null!;
    private CloudFabricBridge _bridge = null!;
    private AlibabaCloudClient _cloud = null!;
    private readonly List<NodeDatapath> _datapaths = [];

    private SandboxZone ZoneH => _region.Zones[0];

    private SandboxZone ZoneI => _region.Zones[1];

    [SetUp]
    public async Task StartAsync()
    {
        TestEnvironment.RequireRoot();
        _region = SandboxRegion.Create(2, "ecs.g7.xlarge", ["cn-hangzhou-h", "cn-hangzhou-i"]);
        var options = _region.ToSimulatorOptions();
        options.Knobs.WithoutThrottling();
        options.Knobs.TimeScale = 20; // a 2 s attach takes 100 ms
        _simulator = await RegionSimulator.StartAsync(options);
        _fabric = await VpcFabric.CreateAsync();
        _bridge = new CloudFabricBridge(_simulator, _fabric);
        await _bridge.StartAsync();
        var key = _simulator.DefaultCredential;
        _cloud = AlibabaCloudClient.Create(
            new AlibabaCloudOptions { RegionId = _simulator.RegionId, EcsEndpoint = _simulator.Endpoint, VpcEndpoint = _simulator.Endpoint, ReadEnvironment = false },
            CloudCredentialProviders.Static(key.AccessKeyId, key.AccessKeySecret));
    }

    [TearDown]
    public async Task StopAsync()
    {
        foreach (var d in _datapaths)
        {
            d.Dispose();
        }

        _datapaths.Clear();
        _cloud?.Dispose();
        if (_bridge is not null)
        {
            await _bridge.DisposeAsync();
        }

        if (_fabric is not null)
        {
            await _fabric.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }

    [Test]
    public async Task Start_EveryInstance_GetsANodeWithItsPrimaryEni()
    {
        var snapshot = _simulator.Snapshot();
        Assert.That(_fabric.Nodes.Select(n => n.Name), Is.EquivalentTo(snapshot.Instances.Select(i => i.InstanceId)));
        foreach (var instance in snapshot.Instances)
        {
            var node = _bridge.NodeFor(instance.InstanceId)!;
            var primary = snapshot.FindEni(instance.PrimaryNetworkInterfaceId)!;
            Assert.That(node.NodeIP, Is.EqualTo(IPAddress.Parse(instance.PrimaryIpAddress)));
            Assert.That(node.FindLinkByMac(Mac(primary.MacAddress)), Is.EqualTo("eth0"));
            Assert.That(node.PrimaryEni.VSwitch.Name, Is.EqualTo(instance.VSwitchId));
        }

        Assert.That(_fabric.VSwitches.Select(v => v.Name), Is.EquivalentTo(snapshot.VSwitches.Select(v => v.VSwitchId)));
        var (h, i) = (Node(0), Node(1));
        Assert.That(await Probes.PingAsync(h.Path, h.PrimaryEni.VSwitch.Gateway), Is.True, "node → its vSwitch gateway");
        Assert.That(await Probes.PingAsync(h.Path, i.NodeIP), Is.True, "node in zone h → node in zone i (routed by the VPC)");
    }

    [Test]
    public async Task SecondaryEni_AttachAssignUnassignDetach_FabricFollows()
    {
        var node = Node(0);
        var eni = await _cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest
        {
            VSwitchId = ZoneH.PodVSwitchId,
            SecurityGroupIds = [SandboxRegion.PodSecurityGroupId],
            SecondaryPrivateIpAddressCount = 2,
        });
        await _cloud.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = eni.NetworkInterfaceId });
        await WaitForStatusAsync(eni.NetworkInterfaceId, "InUse");
        await _bridge.SyncAsync();

        var attached = _simulator.Snapshot().FindEni(eni.NetworkInterfaceId)!;
        Assert.That(node.FindLinkByMac(Mac(attached.MacAddress)), Is.EqualTo($"eth{attached.DeviceIndex}"), "a link with the ENI's MAC, named by its device index");
        Assert.That(RouterNeighbours(ZoneH.PodVSwitchId), Is.SupersetOf(attached.PrivateIpAddresses.Select(ip => $"{ip} {Mac(attached.MacAddress)}")));

        var assigned = await _cloud.Ecs.AssignPrivateIpAddressesAsync(new AssignPrivateIpAddressesRequest { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 1 });
        var extra = assigned.PrivateIpAddresses.Single();
        await _bridge.SyncAsync();
        Assert.That(RouterNeighbours(ZoneH.PodVSwitchId), Does.Contain($"{extra} {Mac(attached.MacAddress)}"));

        await _cloud.Ecs.UnassignPrivateIpAddressesAsync(new UnassignPrivateIpAddressesRequest { NetworkInterfaceId = eni.NetworkInterfaceId, PrivateIpAddresses = [extra] });
        await _bridge.SyncAsync();
        Assert.That(RouterNeighbours(ZoneH.PodVSwitchId), Does.Not.Contain($"{extra} {Mac(attached.MacAddress)}"));

        await _cloud.Ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = eni.NetworkInterfaceId });
        await _bridge.SyncAsync();
        Assert.That(node.FindLinkByMac(Mac(attached.MacAddress)), Is.Null, "the link went with the detach");
        Assert.That(RouterNeighbours(ZoneH.PodVSwitchId).Where(n => n.EndsWith(Mac(attached.MacAddress).ToString(), StringComparison.Ordinal)), Is.Empty);
        Assert.That(_bridge.Failures, Is.Zero, _bridge.LastError);
    }

    [Test]
    public async Task TrunkAndMembers_AttachedThroughTheApi_CarryPodTrafficAcrossNodes()
    {
        var missing = await MissingTrunkFeaturesAsync();
        if (missing is not null)
        {
            Assert.Ignore(missing);
        }

        var (nodeH, nodeI) = (Node(0), Node(1));
        var trunkH = await AttachTrunkAsync(nodeH, ZoneH);
        var trunkI = await AttachTrunkAsync(nodeI, ZoneI);
        var memberH = await AttachMemberAsync(nodeH, trunkH, ZoneH);
        var memberI = await AttachMemberAsync(nodeI, trunkI, ZoneI);
        await _bridge.SyncAsync();

        var snapshot = _simulator.Snapshot();
        foreach (var (trunk, node) in new[] { (trunkH, nodeH), (trunkI, nodeI) })
        {
            var t = snapshot.FindEni(trunk)!;
            Assert.That(node.FindLinkByMac(Mac(t.MacAddress)), Is.EqualTo($"eth{t.DeviceIndex}"), "the trunk ENI's link");
            Assert.That(_bridge.TrunkFor(trunk), Is.Not.Null);
        }

        foreach (var member in new[] { memberH, memberI })
        {
            var m = snapshot.FindEni(member)!;
            var programmed = _bridge.MemberFor(member)!;
            Assert.That(programmed.VlanId, Is.EqualTo((ushort)m.DeviceIndex!.Value), "VLAN = the member's DeviceIndex");
            Assert.That(programmed.VSwitch.Name, Is.EqualTo(m.VSwitchId), "switched into the member's own vSwitch");
            Assert.That(programmed.Mac, Is.EqualTo(Mac(m.MacAddress)));
        }

        var podH = await WireMemberPodAsync("ph", nodeH, trunkH, memberH);
        var podI = await WireMemberPodAsync("pi", nodeI, trunkI, memberI);
        Assert.That(await Probes.PingAsync(podH.NetnsPath!, podH.IPv4!.Gateway!), Is.True, "pod → its member vSwitch gateway");
        Assert.That(await Probes.PingAsync(podH.NetnsPath!, podI.IPv4!.Address), Is.True, "pod on node h → pod on node i");
        Assert.That(await Probes.PingAsync(podI.NetnsPath!, nodeH.NodeIP), Is.True, "pod on node i → node h");

        var conduit = _bridge.MemberFor(memberH)!.Conduit;
        Assert.That(RouterLinks(), Does.Contain(conduit));
        await _cloud.Ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest { InstanceId = nodeH.Name, NetworkInterfaceId = memberH, TrunkNetworkInstanceId = trunkH });
        await WaitForStatusAsync(memberH, "Available");
        await _bridge.SyncAsync();
        Assert.That(_bridge.MemberFor(memberH), Is.Null, "the VLAN switch forgot the member");
        Assert.That(RouterLinks(), Does.Not.Contain(conduit), "its conduit is gone");
        Assert.That(await Probes.PingAsync(podI.NetnsPath!, podH.IPv4.Address, TimeSpan.FromSeconds(1)), Is.False, "a detached member carries nothing");

        await _datapaths[0].For(DatapathMode.TrunkTc).TeardownAsync(podH);
        await _cloud.Ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest { InstanceId = nodeH.Name, NetworkInterfaceId = trunkH });
        await WaitForStatusAsync(trunkH, "Available");
        await _bridge.SyncAsync();
        Assert.That(nodeH.FindLinkByMac(Mac(snapshot.FindEni(trunkH)!.MacAddress)), Is.Null, "the trunk's link went with the detach");
        Assert.That(_bridge.Failures, Is.Zero, _bridge.LastError);
    }

    [Test]
    public async Task RouteEntry_AvailableInTheVpc_IsRoutedToItsInstance()
    {
        var node = Node(1);
        var tableId = _simulator.Snapshot().RouteTables.Single().RouteTableId;
        var entry = await _cloud.Vpc.CreateRouteEntryAsync(new CreateRouteEntryRequest { RouteTableId = tableId, DestinationCidrBlock = "10.244.7.0/24", NextHopId = node.Name });
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            await _bridge.SyncAsync();
            return RouterRoutes().Contains($"10.244.7.0/24 via {node.NodeIP}");
        }), Is.True, "the router routes the entry to the instance once it is Available");

        await _cloud.Vpc.DeleteRouteEntryAsync(new DeleteRouteEntryRequest { RouteEntryId = entry });
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            await _bridge.SyncAsync();
            return !RouterRoutes().Any(r => r.StartsWith("10.244.7.0/24", StringComparison.Ordinal));
        }), Is.True, "and forgets it once it is gone");
    }

    [Test]
    public async Task Loop_WithoutExplicitSync_FollowsAttachAndDetach()
    {
        var node = Node(0);
        var eni = await _cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = ZoneH.NodeVSwitchId, SecurityGroupIds = [SandboxRegion.NodeSecurityGroupId] });
        var mac = Mac(eni.MacAddress!);
        await _cloud.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = eni.NetworkInterfaceId });
        Assert.That(await TestEnvironment.EventuallyAsync(() => node.FindLinkByMac(mac) is not null, TimeSpan.FromSeconds(5)), Is.True, "the link appears on its own");
        await WaitForStatusAsync(eni.NetworkInterfaceId, "InUse");
        await _cloud.Ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = eni.NetworkInterfaceId });
        Assert.That(await TestEnvironment.EventuallyAsync(() => node.FindLinkByMac(mac) is null, TimeSpan.FromSeconds(5)), Is.True, "and goes on its own");
    }

    private FabricNode Node(int index) => _bridge.NodeFor(_region.Instances[index].InstanceId)!;

    private async Task<string> AttachTrunkAsync(FabricNode node, SandboxZone zone)
    {
        var trunk = await _cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest
        {
            VSwitchId = zone.NodeVSwitchId,
            SecurityGroupIds = [SandboxRegion.NodeSecurityGroupId],
            Type = NetworkInterfaceCreateType.Trunk,
        });
        await _cloud.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = trunk.NetworkInterfaceId });
        await WaitForStatusAsync(trunk.NetworkInterfaceId, "InUse");
        return trunk.NetworkInterfaceId;
    }

    private async Task<string> AttachMemberAsync(FabricNode node, string trunkId, SandboxZone zone)
    {
        var member = await _cloud.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = zone.PodVSwitchId, SecurityGroupIds = [SandboxRegion.PodSecurityGroupId] });
        await _cloud.Ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest { InstanceId = node.Name, NetworkInterfaceId = member.NetworkInterfaceId, TrunkNetworkInstanceId = trunkId });
        await WaitForStatusAsync(member.NetworkInterfaceId, "InUse");
        return member.NetworkInterfaceId;
    }

    /// <summary>A pod wired by hand with the trunk tc datapath, as the node agent will wire a member ENI's pod.</summary>
    private async Task<PodNetworkRequest> WireMemberPodAsync(string name, FabricNode node, string trunkId, string memberId)
    {
        var snapshot = _simulator.Snapshot();
        var member = snapshot.FindEni(memberId)!;
        var trunk = snapshot.FindEni(trunkId)!;
        var vsw = _fabric.FindVSwitch(member.VSwitchId)!;
        var netns = await _fabric.CreatePodNamespaceAsync(name);
        var datapath = await NodeDatapath.OpenAsync(new DatapathOptions { HostNetnsPath = node.Path, EniWaitTimeout = TimeSpan.FromSeconds(2) });
        _datapaths.Add(datapath);
        var request = new PodNetworkRequest
        {
            PodNamespace = "default",
            PodName = name,
            ContainerId = name + "-sandbox",
            NetnsPath = netns,
            IPv4 = vsw.PodIPv4(IPAddress.Parse(member.PrimaryIpAddress)),
            EniMac = Mac(trunk.MacAddress),
            VlanId = (ushort)member.DeviceIndex!.Value,
        };
        await datapath.For(DatapathMode.TrunkTc).SetupAsync(request);
        return request;
    }

    private static async Task<string?> MissingTrunkFeaturesAsync()
    {
        using var node = await NodeDatapath.OpenAsync();
        var missing = node.MissingFeatures(DatapathMode.TrunkTc);
        return missing.Count == 0 ? null : $"kernel lacks {string.Join(", ", missing)}";
    }

    private async Task WaitForStatusAsync(string eniId, string status)
    {
        var reached = await TestEnvironment.EventuallyAsync(async () =>
        {
            var page = await _cloud.Ecs.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [eniId] });
            return page.Items.Single().Status == status;
        });
        Assert.That(reached, Is.True, $"{eniId} never became {status}");
    }

    private List<string> RouterNeighbours(string vSwitchId) =>
        [.. _fabric.RoutedAddresses(_fabric.FindVSwitch(vSwitchId)!).Select(n => $"{n.Address} {n.Mac}")];

    private List<string> RouterRoutes() => [.. _fabric.VpcRoutes().Select(r => $"{r.Destination} via {r.NextHop}")];

    private IReadOnlyList<string> RouterLinks() => _fabric.RouterLinkNames();

    private static PhysicalAddress Mac(string text) => PhysicalAddress.Parse(text.Replace(':', '-'));
}
