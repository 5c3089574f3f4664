using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;
using SysctlFile = Terway.NodeAgent.Sysctl.Sysctl;

namespace Terway.Sandbox.Fabric;

/// <summary>
/// A small Alibaba Cloud VPC made of network namespaces, built with the node agent's own netlink
/// code. The "vpc" namespace is the VPC router: one bridge per vSwitch, whose own address is
/// the vSwitch gateway (CIDR index −3) with the VPC gateway MAC ee:ff:ff:ff:ff:ff. Each node is a
/// namespace whose ENIs are veth ends bridged into a vSwitch. Like the real VPC, everything is
/// routed at L3 through the gateway: node ENIs hold /32 addresses with routes via the gateway,
/// and the router knows where each secondary IP lives (<see cref="AssignPrivateIp"/>) instead of
/// ARPing for it. Trunk ENIs carry member VLANs into other vSwitches (<see cref="FabricTrunk"/>).
/// Everything is named with a random prefix, so fabrics of parallel tests never collide, and
/// disposing the fabric deletes every namespace it made (links die with their namespaces).
/// </summary>
public sealed class VpcFabric : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _namespaces = [];
    private readonly List<IDisposable> _owned = [];
    private readonly List<VSwitch> _vSwitches = [];
    private readonly List<FabricNode> _nodes = [];
    private int _linkCounter;
    private int _bridgeCounter;
    private bool _disposed;

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

    /// <summary>Netlink bound to the router namespace.</summary>
    internal RtNetlink RouterNetlink { get; }

    /// <summary>Path of the router namespace.</summary>
    public string RouterPath { get; }

    /// <summary>The vSwitches, in creation order.</summary>
    public IReadOnlyList<VSwitch> VSwitches
    {
        get
        {
            lock (_gate)
            {
                return [.. _vSwitches];
            }
        }
    }

    /// <summary>The nodes, in creation order.</summary>
    public IReadOnlyList<FabricNode> Nodes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodes];
            }
        }
    }

    /// <summary>Names of the namespaces this fabric made and has not deleted yet (router, nodes, pods).</summary>
    public IReadOnlyList<string> NamespaceNames
    {
        get
        {
            lock (_gate)
            {
                return [.. _namespaces];
            }
        }
    }

    /// <summary>The MAC of every vSwitch gateway, as in Alibaba Cloud.</summary>
    public static PhysicalAddress GatewayMac { get; } = PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF");

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
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.ip_forward"), "1");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv6.conf.all.forwarding"), "1");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.all.send_redirects"), "0");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.default.send_redirects"), "0");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.all.rp_filter"), "0");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.default.rp_filter"), "0");
            return true;
        });
        return fabric;
    }

    /// <summary>Adds a vSwitch: a bridge in the router whose address is the gateway.</summary>
    /// <param name="name">The vSwitch's name (the simulated cloud's vSwitch ID, for instance).</param>
    /// <param name="cidrV4">Its IPv4 CIDR.</param>
    /// <param name="cidrV6">Its IPv6 CIDR, if any.</param>
    public VSwitch AddVSwitch(string name, string cidrV4, string? cidrV6 = null)
    {
        var cidr = IPNetwork.Parse(cidrV4);
        var cidr6 = cidrV6 is null ? (IPNetwork?)null : IPNetwork.Parse(cidrV6);
        var bridgeName = $"vsw{Interlocked.Increment(ref _bridgeCounter) - 1}";
        RouterNetlink.CreateBridge(bridgeName, new NewLinkOptions { Up = true, Mac = GatewayMac });
        var bridge = RouterNetlink.GetLink(bridgeName)!;
        var vsw = new VSwitch(name, bridge.Index, bridgeName, cidr, cidr6);
        RouterNetlink.AddAddress(bridge.Index, vsw.Gateway, cidr.PrefixLength);
        if (cidr6 is { } c6)
        {
            RouterNetlink.AddAddress(bridge.Index, vsw.GatewayV6!, c6.PrefixLength, flags: Ifa.F_NODAD);
            Ipv6Settle.WaitForAddress(RouterNetlink, bridge.Index, vsw.GatewayV6!);
        }

        lock (_gate)
        {
            _vSwitches.Add(vsw);
        }

        return vsw;
    }

    /// <summary>The vSwitch called <paramref name="name"/>, or null.</summary>
    public VSwitch? FindVSwitch(string name)
    {
        lock (_gate)
        {
            return _vSwitches.FirstOrDefault(v => v.Name == name);
        }
    }

    /// <summary>
    /// Adds a node namespace with a primary ENI (eth0) on <paramref name="vSwitch"/>. Without
    /// <paramref name="primary"/> the ENI gets a random MAC and the vSwitch's next addresses.
    /// </summary>
    /// <param name="name">The node's name (the namespace is called <c>&lt;prefix&gt;-&lt;name&gt;</c>).</param>
    /// <param name="vSwitch">The primary ENI's vSwitch.</param>
    /// <param name="primary">The primary ENI's MAC and addresses, when the cloud chose them.</param>
    public async Task<FabricNode> AddNodeAsync(string name, VSwitch vSwitch, EniAddressing? primary = null)
    {
        var nsName = $"{Prefix}-{name}";
        var path = await NamedNetworkNamespaces.CreateAsync(nsName);
        var ns = NetworkNamespace.Open(path);
        var netlink = await ns.OpenNetlinkAsync();
        lock (_gate)
        {
            _namespaces.Add(nsName);
            _owned.Add(netlink);
            _owned.Add(ns);
        }

        var lo = netlink.GetLink("lo")!;
        netlink.SetUp(lo.Index, true, "lo");
        if (vSwitch.CidrV6 is not null)
        {
            // Bringing lo up adds ::1 the same asynchronous way as any IPv6 address.
            Ipv6Settle.WaitForAddress(netlink, lo.Index, IPAddress.IPv6Loopback);
        }

        var node = new FabricNode(this, name, path, ns, netlink);
        var eni = node.AttachEniCore(vSwitch, "eth0", configure: true, primary);
        node.PrimaryEni = eni;
        node.NodeIP = eni.PrimaryIp!;
        node.NodeIPv6 = eni.PrimaryIpV6;
        // Everything goes through the vSwitch gateway, as in a VPC: the vSwitch prefix and the default route.
        netlink.ReplaceRoute(new RouteInfo { Destination = vSwitch.Cidr.BaseAddress, DestinationPrefix = vSwitch.Cidr.PrefixLength, Gateway = vSwitch.Gateway, OutputIndex = eni.Index, OnLink = true, PreferredSource = eni.PrimaryIp });
        netlink.ReplaceRoute(new RouteInfo { Family = AddressFamily.InterNetwork, Gateway = vSwitch.Gateway, OutputIndex = eni.Index, OnLink = true, PreferredSource = eni.PrimaryIp });
        if (vSwitch.CidrV6 is { } c6)
        {
            netlink.ReplaceRoute(new RouteInfo { Destination = c6.BaseAddress, DestinationPrefix = c6.PrefixLength, Gateway = vSwitch.GatewayV6, OutputIndex = eni.Index, OnLink = true });
            netlink.ReplaceRoute(new RouteInfo { Family = AddressFamily.InterNetworkV6, Gateway = vSwitch.GatewayV6, OutputIndex = eni.Index, OnLink = true });
        }

        lock (_gate)
        {
            _nodes.Add(node);
        }

        return node;
    }

    /// <summary>The node called <paramref name="name"/>, or null.</summary>
    public FabricNode? FindNode(string name)
    {
        lock (_gate)
        {
            return _nodes.FirstOrDefault(n => n.Name == name);
        }
    }

    /// <summary>
    /// Creates an empty pod namespace (loopback up), as a container runtime would; deleted with
    /// the fabric unless deleted earlier with <see cref="DeleteNamespace"/>.
    /// </summary>
    /// <param name="name">The namespace is called <c>&lt;prefix&gt;-&lt;name&gt;</c>.</param>
    /// <returns>The namespace's path.</returns>
    public async Task<string> CreatePodNamespaceAsync(string name)
    {
        var nsName = $"{Prefix}-{name}";
        var path = await NamedNetworkNamespaces.CreateAsync(nsName);
        lock (_gate)
        {
            _namespaces.Add(nsName);
        }

        using var ns = NetworkNamespace.Open(path);
        using var netlink = await ns.OpenNetlinkAsync();
        netlink.SetUp(netlink.GetLink("lo")!.Index, true, "lo");
        return path;
    }

    /// <summary>Deletes a namespace this fabric made (a pod's, as the runtime does when the pod goes).</summary>
    public void DeleteNamespace(string path)
    {
        NamedNetworkNamespaces.DeletePath(path);
        lock (_gate)
        {
            _namespaces.Remove(System.IO.Path.GetFileName(path));
        }
    }

    /// <summary>Deletes a pod namespace early (to test teardown after the runtime removed it); the fabric still forgets it on dispose.</summary>
    public static void DeletePodNamespace(string path) => NamedNetworkNamespaces.DeletePath(path);

    /// <summary>The VPC knows which ENI holds <paramref name="ip"/> (a secondary IP assignment).</summary>
    public void AssignPrivateIp(VSwitch vSwitch, IPAddress ip, PhysicalAddress mac) =>
        RouterNetlink.ReplacePermanentNeighbour(vSwitch.BridgeIndex, ip, mac);

    /// <summary>The VPC forgets <paramref name="ip"/> (unassigned, or its ENI detached); false if it knew nothing.</summary>
    public bool UnassignPrivateIp(VSwitch vSwitch, IPAddress ip) =>
        RouterNetlink.DeleteNeighbour(vSwitch.BridgeIndex, ip);

    /// <summary>A VPC route table entry (VPC mode: a node's podCIDR via the node).</summary>
    public void AddVpcRoute(IPNetwork destination, IPAddress nextHop, VSwitch via) =>
        RouterNetlink.ReplaceRoute(new RouteInfo { Destination = destination.BaseAddress, DestinationPrefix = destination.PrefixLength, Gateway = nextHop, OutputIndex = via.BridgeIndex });

    /// <summary>Removes a VPC route table entry; false if there was none.</summary>
    public bool RemoveVpcRoute(IPNetwork destination) =>
        RouterNetlink.DeleteRoute(new RouteInfo { Family = destination.BaseAddress.AddressFamily, Destination = destination.BaseAddress, DestinationPrefix = destination.PrefixLength });

    /// <summary>The addresses the VPC delivers on <paramref name="vSwitch"/> without asking (its permanent neighbours).</summary>
    public IReadOnlyList<(IPAddress Address, PhysicalAddress Mac)> RoutedAddresses(VSwitch vSwitch) =>
        [.. RouterNetlink.ListNeighbours(vSwitch.BridgeIndex).Where(n => n.IsPermanent && n.Mac is not null).Select(n => (n.Address, n.Mac!))];

    /// <summary>The router's IPv4 routes that have a next hop: the VPC route table entries.</summary>
    public IReadOnlyList<(IPNetwork Destination, IPAddress NextHop)> VpcRoutes() =>
        [.. RouterNetlink.ListRoutes(AddressFamily.InterNetwork).Where(r => r.Gateway is not null && r.Destination is not null)
            .Select(r => (new IPNetwork(r.Destination!, r.DestinationPrefix), r.Gateway!))];

    /// <summary>Names of the router's links (bridges, ENI ports, member conduits).</summary>
    public IReadOnlyList<string> RouterLinkNames() => [.. RouterNetlink.ListLinks().Select(l => l.Name)];

    internal string NextLinkName(string kind) => $"{kind}{Interlocked.Increment(ref _linkCounter)}";

    /// <summary>Deletes every namespace the fabric made; links die with them.</summary>
    public ValueTask DisposeAsync()
    {
        List<IDisposable> owned;
        List<string> namespaces;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            owned = [.. _owned];
            namespaces = [.. _namespaces];
            _namespaces.Clear();
        }

        foreach (var o in Enumerable.Reverse(owned))
        {
            o.Dispose();
        }

        foreach (var name in Enumerable.Reverse(namespaces))
        {
            NamedNetworkNamespaces.Delete(name);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The MAC and addresses of an ENI as the cloud assigned them.</summary>
/// <param name="Mac">The ENI's MAC.</param>
/// <param name="IPv4">Its primary IPv4 address (configured as /32 on a configured ENI).</param>
/// <param name="IPv6">Its IPv6 address, if any.</param>
public sealed record EniAddressing(PhysicalAddress Mac, IPAddress? IPv4, IPAddress? IPv6 = null);
