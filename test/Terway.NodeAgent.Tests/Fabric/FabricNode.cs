using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Tests.Fabric;

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

    public string Name { get; }

    /// <summary>The node's network namespace path (the datapath's HostNetnsPath).</summary>
    public string Path { get; }

    internal NetworkNamespace Namespace { get; }

    internal RtNetlink Netlink { get; }

    public FabricEni PrimaryEni { get; internal set; } = null!;

    public IPAddress NodeIP { get; internal set; } = null!;

    public IPAddress? NodeIPv6 { get; internal set; }

    /// <summary>
    /// Attaches an ENI on <paramref name="vSwitch"/>. A configured ENI gets its primary IP as /32;
    /// an unconfigured one (for an exclusive ENI or a trunk) is only brought up.
    /// </summary>
    public Task<FabricEni> AttachEniAsync(VSwitch vSwitch, string? name = null, bool configure = true)
    {
        var index = _eniCount++;
        name ??= $"eth{index}";
        var farEnd = _fabric.NextLinkName("e");
        var mac = EniMac();
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
            ip = vSwitch.AllocateAddress();
            Netlink.AddAddress(link.Index, ip, 32);
            if (vSwitch.CidrV6 is not null)
            {
                ip6 = vSwitch.AllocateAddressV6();
                Netlink.AddAddress(link.Index, ip6, 128, flags: Ifa.F_NODAD);
            }
        }

        return Task.FromResult(new FabricEni(name, link.Index, mac, vSwitch, ip, ip6, farEnd, far.Index));
    }

    /// <summary>Attaches a trunk ENI on <paramref name="vSwitch"/>; member VLANs are added on the returned trunk.</summary>
    public async Task<FabricTrunk> AttachTrunkEniAsync(VSwitch vSwitch, string? name = null)
    {
        var eni = await AttachEniAsync(vSwitch, name, configure: false);
        return new FabricTrunk(_fabric, eni);
    }

    /// <summary>Runs <paramref name="action"/> inside the node.</summary>
    public Task<T> RunAsync<T>(Func<T> action) => Namespace.RunAsync(action);

    /// <summary>A local address standing in for a Service ClusterIP handled by the host stack.</summary>
    public void AddServiceAddress(IPAddress address)
    {
        var lo = Netlink.GetLink("lo")!;
        Netlink.AddAddress(lo.Index, address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128, flags: address.AddressFamily == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
    }

    private static PhysicalAddress EniMac()
    {
        // Alibaba ENI MACs are locally administered unicast (00:16:3e is ECS's OUI; we use 02:16:3e).
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
