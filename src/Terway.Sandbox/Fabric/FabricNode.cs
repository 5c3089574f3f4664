using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.Sandbox.Fabric;

/// <summary>A node: a namespace whose ENIs are veth ends bridged into vSwitches of the fabric.</summary>
public sealed class FabricNode
{
    private readonly VpcFabric _fabric;
    private int _eniCount;

    internal FabricNode(VpcFabric fabric, string name, string path, NetworkNamespace ns, RtNetlink netlink)
    {
        _fabric = fabric;
        Name = name;
        Path = path;
        Namespace = ns;
        Netlink = netlink;
    }

    /// <summary>The node's name in the fabric.</summary>
    public string Name { get; }

    /// <summary>The node's network namespace path (the datapath's HostNetnsPath).</summary>
    public string Path { get; }

    /// <summary>The namespace's name under /var/run/netns (for <c>ip netns exec</c>).</summary>
    public string NamespaceName => System.IO.Path.GetFileName(Path);

    internal NetworkNamespace Namespace { get; }

    internal RtNetlink Netlink { get; }

    /// <summary>The primary ENI (eth0).</summary>
    public FabricEni PrimaryEni { get; internal set; } = null!;

    /// <summary>The node's IPv4 address (the primary ENI's).</summary>
    public IPAddress NodeIP { get; internal set; } = null!;

    /// <summary>The node's IPv6 address, if any.</summary>
    public IPAddress? NodeIPv6 { get; internal set; }

    /// <summary>
    /// Attaches an ENI on <paramref name="vSwitch"/>. A configured ENI gets its primary IP as /32;
    /// an unconfigured one (for an exclusive ENI or a trunk) is only brought up.
    /// </summary>
    /// <param name="vSwitch">The ENI's vSwitch.</param>
    /// <param name="name">Its link name in the node (default eth&lt;n&gt;).</param>
    /// <param name="configure">Whether to configure its primary address on the node.</param>
    /// <param name="addressing">Its MAC and addresses as the cloud chose them; default a random MAC and the vSwitch's next addresses.</param>
    public Task<FabricEni> AttachEniAsync(VSwitch vSwitch, string? name = null, bool configure = true, EniAddressing? addressing = null) =>
        Task.FromResult(AttachEniCore(vSwitch, name, configure, addressing));

    /// <summary>Attaches a trunk ENI on <paramref name="vSwitch"/>; member VLANs are added on the returned trunk.</summary>
    public Task<FabricTrunk> AttachTrunkEniAsync(VSwitch vSwitch, string? name = null, PhysicalAddress? mac = null)
    {
        var eni = AttachEniCore(vSwitch, name, configure: false, mac is null ? null : new EniAddressing(mac, null));
        return Task.FromResult(new FabricTrunk(_fabric, eni));
    }

    /// <summary>
    /// Detaches an ENI: its bridge port is deleted, and with it the ENI's link wherever it is now
    /// (in the node, or moved into a pod), as a hot-unplugged device disappears.
    /// </summary>
    public void DetachEni(FabricEni eni) => _fabric.RouterNetlink.DeleteLink(eni.FarEndIndex, eni.FarEnd);

    /// <summary>Runs <paramref name="action"/> inside the node.</summary>
    public Task<T> RunAsync<T>(Func<T> action) => Namespace.RunAsync(action);

    /// <summary>A local address standing in for a Service ClusterIP handled by the host stack.</summary>
    public void AddServiceAddress(IPAddress address)
    {
        var lo = Netlink.GetLink("lo")!;
        Netlink.AddAddress(lo.Index, address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128, flags: address.AddressFamily == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
        Ipv6Settle.WaitForAddress(Netlink, lo.Index, address);
    }

    /// <summary>Names of the node's links (for inspection).</summary>
    public IReadOnlyList<string> LinkNames() => [.. Netlink.ListLinks().Select(l => l.Name)];

    /// <summary>The node's link with this MAC, or null.</summary>
    public string? FindLinkByMac(PhysicalAddress mac) => Netlink.FindLinksByMac(mac).FirstOrDefault()?.Name;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({NodeIP})";

    internal FabricEni AttachEniCore(VSwitch vSwitch, string? name, bool configure, EniAddressing? addressing)
    {
        var index = Interlocked.Increment(ref _eniCount) - 1;
        name ??= $"eth{index}";
        var farEnd = _fabric.NextLinkName("e");
        var mac = addressing?.Mac ?? RandomEniMac();
        _fabric.RouterNetlink.CreateVeth(name, farEnd,
            new NewLinkOptions { Up = true, Mac = mac, NamespaceFd = Namespace.Fd },
            new NewLinkOptions { Up = true });
        var far = _fabric.RouterNetlink.GetLink(farEnd)!;
        _fabric.RouterNetlink.SetMaster(far.Index, vSwitch.BridgeIndex, farEnd);
        var link = Netlink.GetLink(name)!;

        IPAddress? ip = null, ip6 = null;
        if (configure)
        {
            // Only the address, as the OS configures a secondary ENI; the vSwitch routes belong
            // to the primary ENI (see VpcFabric.AddNodeAsync).
            ip = addressing is null ? vSwitch.AllocateAddress() : addressing.IPv4;
            if (ip is not null)
            {
                Netlink.AddAddress(link.Index, ip, 32);
            }

            if (vSwitch.CidrV6 is not null)
            {
                ip6 = addressing is null ? vSwitch.AllocateAddressV6() : addressing.IPv6;
                if (ip6 is not null)
                {
                    Netlink.AddAddress(link.Index, ip6, 128, flags: Ifa.F_NODAD);
                    Ipv6Settle.WaitForAddress(Netlink, link.Index, ip6);
                }
            }
        }

        return new FabricEni(name, link.Index, mac, vSwitch, ip, ip6, farEnd, far.Index);
    }

    private static PhysicalAddress RandomEniMac()
    {
        // Alibaba ENI MACs are 00:16:3e:xx:xx:xx; random ones here are locally administered (02:16:3e).
        var bytes = new byte[6];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0x02;
        bytes[1] = 0x16;
        bytes[2] = 0x3e;
        return new PhysicalAddress(bytes);
    }
}

/// <summary>An ENI attached to a node.</summary>
/// <param name="Name">Its name in the node.</param>
/// <param name="Index">Its ifindex in the node (changes if it is moved away and back).</param>
/// <param name="Mac">Its MAC: how the datapaths find it.</param>
/// <param name="VSwitch">The vSwitch it is attached to.</param>
/// <param name="PrimaryIp">Its primary IPv4 address, if configured.</param>
/// <param name="PrimaryIpV6">Its primary IPv6 address, if configured.</param>
/// <param name="FarEnd">Name of its bridge port in the router.</param>
/// <param name="FarEndIndex">ifindex of that port.</param>
public sealed record FabricEni(string Name, int Index, PhysicalAddress Mac, VSwitch VSwitch, IPAddress? PrimaryIp, IPAddress? PrimaryIpV6, string FarEnd, int FarEndIndex);
