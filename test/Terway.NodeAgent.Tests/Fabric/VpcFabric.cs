using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Tests.Fabric;

/// <summary>
/// A small Alibaba Cloud VPC made of network namespaces, built with the agent's own netlink
/// code. The "vpc" namespace is the VPC router: one bridge per vSwitch, whose own address is
/// the vSwitch gateway (CIDR index −3) with the VPC gateway MAC ee:ff:ff:ff:ff:ff. Each node is a
/// namespace whose ENIs are veth ends bridged into a vSwitch. Like the real VPC, everything is
/// routed at L3 through the gateway: node ENIs hold /32 addresses with routes via the gateway,
/// and the router knows where each secondary IP lives (<see cref="AssignPrivateIp"/>) instead of
/// ARPing for it. Trunk ENIs carry member VLANs into other vSwitches (<see cref="FabricTrunk"/>).
/// Everything is named with a random prefix, so fabrics of parallel tests never collide, and
/// disposing the fabric deletes every namespace it made.
/// </summary>
public sealed class VpcFabric : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly List<IDisposable> _owned = [];
    private int _linkCounter;

    private VpcFabric(string prefix, NetworkNamespace router, RtNetlink routerNetlink, string routerPath)
    {
        Prefix = prefix;
        Router = router;
        RouterNetlink = routerNetlink;
        RouterPath = routerPath;
    }

    /// <summary>The random prefix of every namespace name.</summary>
    public string Prefix { get; }

    /// <summary>The VPC router namespace (vSwitch bridges and gateways).</summary>
    internal NetworkNamespace Router { get; }

    internal RtNetlink RouterNetlink { get; }

    /// <summary>Path of the router namespace.</summary>
    public string RouterPath { get; }

    public List<VSwitch> VSwitches { get; } = [];

    public List<FabricNode> Nodes { get; } = [];

    /// <summary>Creates the router namespace; <paramref name="prefix"/> defaults to a random one.</summary>
    public static async Task<VpcFabric> CreateAsync(string? prefix = null)
    {
        prefix ??= "tw" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
        var name = prefix + "-vpc";
        var path = await NamedNetworkNamespaces.CreateAsync(name);
        var router = NetworkNamespace.Open(path);
        var netlink = await router.OpenNetlinkAsync();
        var fabric = new VpcFabric(prefix, router, netlink, path);
        fabric._namespaces.Add(name);
        fabric._owned.Add(netlink);
        fabric._owned.Add(router);
        netlink.SetUp(netlink.GetLink("lo")!.Index, true, "lo");
        await router.RunAsync(() =>
        {
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.ip_forward"), "1");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv6.conf.all.forwarding"), "1");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.all.send_redirects"), "0");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.default.send_redirects"), "0");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.all.rp_filter"), "0");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.default.rp_filter"), "0");
            return true;
        });
        return fabric;
    }

    /// <summary>Adds a vSwitch: a bridge in the router whose address is the gateway.</summary>
    public VSwitch AddVSwitch(string name, string cidrV4, string? cidrV6 = null)
    {
        var cidr = IPNetwork.Parse(cidrV4);
        var cidr6 = cidrV6 is null ? (IPNetwork?)null : IPNetwork.Parse(cidrV6);
        var bridgeName = $"vsw{VSwitches.Count}";
        RouterNetlink.CreateBridge(bridgeName, new NewLinkOptions { Up = true, Mac = GatewayMac });
        var bridge = RouterNetlink.GetLink(bridgeName)!;
        var vsw = new VSwitch(name, bridge.Index, bridgeName, cidr, cidr6);
        RouterNetlink.AddAddress(bridge.Index, vsw.Gateway, cidr.PrefixLength);
        if (cidr6 is { } c6)
        {
            RouterNetlink.AddAddress(bridge.Index, vsw.GatewayV6!, c6.PrefixLength, flags: Ifa.F_NODAD);
        }

        VSwitches.Add(vsw);
        return vsw;
    }

    /// <summary>Adds a node namespace with a primary ENI (eth0) on <paramref name="vSwitch"/>.</summary>
    public async Task<FabricNode> AddNodeAsync(string name, VSwitch vSwitch)
    {
        var nsName = $"{Prefix}-{name}";
        var path = await NamedNetworkNamespaces.CreateAsync(nsName);
        _namespaces.Add(nsName);
        var ns = NetworkNamespace.Open(path);
        var netlink = await ns.OpenNetlinkAsync();
        _owned.Add(netlink);
        _owned.Add(ns);
        netlink.SetUp(netlink.GetLink("lo")!.Index, true, "lo");
        var node = new FabricNode(this, name, path, ns, netlink);
        var primary = await node.AttachEniAsync(vSwitch, "eth0");
        node.PrimaryEni = primary;
        node.NodeIP = primary.PrimaryIp!;
        node.NodeIPv6 = primary.PrimaryIpV6;
        // Everything goes through the vSwitch gateway, as in a VPC: the vSwitch prefix and the default route.
        netlink.ReplaceRoute(new RouteInfo { Destination = vSwitch.Cidr.BaseAddress, DestinationPrefix = vSwitch.Cidr.PrefixLength, Gateway = vSwitch.Gateway, OutputIndex = primary.Index, OnLink = true, PreferredSource = primary.PrimaryIp });
        netlink.ReplaceRoute(new RouteInfo { Family = AddressFamily.InterNetwork, Gateway = vSwitch.Gateway, OutputIndex = primary.Index, OnLink = true, PreferredSource = primary.PrimaryIp });
        if (vSwitch.CidrV6 is { } c6)
        {
            netlink.ReplaceRoute(new RouteInfo { Destination = c6.BaseAddress, DestinationPrefix = c6.PrefixLength, Gateway = vSwitch.GatewayV6, OutputIndex = primary.Index, OnLink = true });
            netlink.ReplaceRoute(new RouteInfo { Family = AddressFamily.InterNetworkV6, Gateway = vSwitch.GatewayV6, OutputIndex = primary.Index, OnLink = true });
        }

        Nodes.Add(node);
        return node;
    }

    /// <summary>Creates an empty pod namespace, as a container runtime would; deleted with the fabric.</summary>
    public async Task<string> CreatePodNamespaceAsync(string name)
    {
        var nsName = $"{Prefix}-{name}";
        var path = await NamedNetworkNamespaces.CreateAsync(nsName);
        _namespaces.Add(nsName);
        using var ns = NetworkNamespace.Open(path);
        using var netlink = await ns.OpenNetlinkAsync();
        netlink.SetUp(netlink.GetLink("lo")!.Index, true, "lo");
        return path;
    }

    /// <summary>Deletes a pod namespace early (to test teardown after the runtime removed it).</summary>
    public static void DeletePodNamespace(string path) => NamedNetworkNamespaces.DeletePath(path);

    /// <summary>The VPC knows which ENI holds <paramref name="ip"/> (a secondary IP assignment).</summary>
    public void AssignPrivateIp(VSwitch vSwitch, IPAddress ip, PhysicalAddress mac) =>
        RouterNetlink.ReplacePermanentNeighbour(vSwitch.BridgeIndex, ip, mac);

    /// <summary>A VPC route table entry (VPC mode: a node's podCIDR via the node).</summary>
    public void AddVpcRoute(IPNetwork destination, IPAddress nextHop, VSwitch via) =>
        RouterNetlink.ReplaceRoute(new RouteInfo { Destination = destination.BaseAddress, DestinationPrefix = destination.PrefixLength, Gateway = nextHop, OutputIndex = via.BridgeIndex });

    /// <summary>The MAC of every vSwitch gateway, as in Alibaba Cloud.</summary>
    public static PhysicalAddress GatewayMac { get; } = PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF");

    internal string NextLinkName(string kind) => $"{kind}{Interlocked.Increment(ref _linkCounter)}";

    internal void Own(IDisposable disposable) => _owned.Add(disposable);

    public ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            NamedNetworkNamespaces.Delete(name);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A vSwitch: a CIDR, its gateway and an address allocator.</summary>
public sealed class VSwitch
{
    private int _next = 10;
    private int _next6 = 10;

    internal VSwitch(string name, int bridgeIndex, string bridgeName, IPNetwork cidr, IPNetwork? cidrV6)
    {
        Name = name;
        BridgeIndex = bridgeIndex;
        BridgeName = bridgeName;
        Cidr = cidr;
        CidrV6 = cidrV6;
        Gateway = VSwitchGateway.For(cidr);
        GatewayV6 = cidrV6 is { } c6 ? VSwitchGateway.For(c6) : null;
    }

    public string Name { get; }

    public int BridgeIndex { get; }

    public string BridgeName { get; }

    public IPNetwork Cidr { get; }

    public IPNetwork? CidrV6 { get; }

    public IPAddress Gateway { get; }

    public IPAddress? GatewayV6 { get; }

    /// <summary>The next free IPv4 address of the vSwitch.</summary>
    public IPAddress AllocateAddress() => Offset(Cidr.BaseAddress, Interlocked.Increment(ref _next) - 1);

    /// <summary>The next free IPv6 address of the vSwitch.</summary>
    public IPAddress AllocateAddressV6() =>
        Offset(CidrV6?.BaseAddress ?? throw new InvalidOperationException($"vSwitch {Name} has no IPv6 CIDR"), Interlocked.Increment(ref _next6) - 1);

    public PodIPConfig PodIPv4(IPAddress address) => new(address, Cidr.PrefixLength, Gateway);

    public PodIPConfig PodIPv6(IPAddress address) => new(address, CidrV6!.Value.PrefixLength, GatewayV6);

    private static IPAddress Offset(IPAddress network, int offset)
    {
        var bytes = network.GetAddressBytes();
        var carry = offset;
        for (var i = bytes.Length - 1; i >= 0 && carry > 0; i--)
        {
            var value = bytes[i] + carry;
            bytes[i] = (byte)(value & 0xFF);
            carry = value >> 8;
        }

        return new IPAddress(bytes);
    }
}
