using System.Net;
using System.Net.NetworkInformation;

namespace Terway.NodeAgent.Datapath;

/// <summary>
/// Everything a datapath needs to wire, check or tear down one pod interface. The same record
/// is passed to setup, check and teardown (the agent keeps it in its checkpoint), so teardown
/// needs no state of its own. Which members are required depends on the mode; a missing one
/// fails with <see cref="DatapathRequestException"/> naming it.
/// </summary>
public sealed record PodNetworkRequest
{
    /// <summary>Kubernetes namespace of the pod (part of the host veth name).</summary>
    public required string PodNamespace { get; init; }

    /// <summary>Pod name (part of the host veth name).</summary>
    public required string PodName { get; init; }

    /// <summary>The sandbox container id, for logs.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The pod's network namespace path (CNI_NETNS). May be empty or gone on teardown.</summary>
    public string? NetnsPath { get; init; }

    /// <summary>The interface name inside the pod (CNI_IFNAME).</summary>
    public string InterfaceName { get; init; } = "eth0";

    /// <summary>The pod's IPv4 address, its vSwitch (or podCIDR) prefix length and the vSwitch gateway.</summary>
    public PodIPConfig? IPv4 { get; init; }

    /// <summary>The pod's IPv6 address, prefix length and gateway.</summary>
    public PodIPConfig? IPv6 { get; init; }

    /// <summary>
    /// MAC of the ENI the pod uses: the exclusive ENI, the shared ENI (ENIIP modes) or the trunk
    /// ENI (trunk modes). Not used in VPC mode.
    /// </summary>
    public PhysicalAddress? EniMac { get; init; }

    /// <summary>The member ENI's VLAN id (trunk modes).</summary>
    public ushort? VlanId { get; init; }

    /// <summary>MTU of the pod interface (and of the ENI it rides on).</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Service CIDRs reached through the host (ipvlan redirect, exclusive ENI / trunk VLAN veth1 routes).</summary>
    public IReadOnlyList<IPNetwork> ServiceCidrs { get; init; } = [];

    /// <summary>Extra CIDRs reached through the host stack (node-local DNS ...), like Terway's host_stack_cidrs.</summary>
    public IReadOnlyList<IPNetwork> HostStackCidrs { get; init; } = [];

    /// <summary>The node's IPv4 address (ipvlan host slave, veth1 routes).</summary>
    public IPAddress? NodeIPv4 { get; init; }

    /// <summary>The node's IPv6 address.</summary>
    public IPAddress? NodeIPv6 { get; init; }

    /// <summary>Exclusive ENI / trunk VLAN: do not create veth1 to the host (Terway's disable_host_peer).</summary>
    public bool DisableHostPeer { get; init; }

    /// <summary>The pod's addresses, IPv4 first.</summary>
    public IEnumerable<PodIPConfig> Addresses
    {
        get
        {
            if (IPv4 is not null)
            {
                yield return IPv4;
            }

            if (IPv6 is not null)
            {
                yield return IPv6;
            }
        }
    }

    /// <summary>"namespace/name" for messages.</summary>
    public string PodKey => $"{PodNamespace}/{PodName}";
}

/// <summary>One pod address.</summary>
/// <param name="Address">The pod IP.</param>
/// <param name="PrefixLength">The vSwitch (or podCIDR) prefix length the address belongs to.</param>
/// <param name="Gateway">The vSwitch gateway (CIDR index −3, see <see cref="VSwitchGateway"/>); null in VPC mode.</param>
public sealed record PodIPConfig(IPAddress Address, int PrefixLength, IPAddress? Gateway = null);

/// <summary>Alibaba Cloud vSwitch gateway convention.</summary>
public static class VSwitchGateway
{
    /// <summary>The gateway of a vSwitch CIDR: the third address from the end (index −3), e.g. 10.0.0.253 for 10.0.0.0/24.</summary>
    public static IPAddress For(IPNetwork cidr)
    {
        var bytes = cidr.BaseAddress.GetAddressBytes();
        var hostBits = (bytes.Length * 8) - cidr.PrefixLength;
        if (hostBits < 2)
        {
            throw new ArgumentException($"{cidr} has no room for a gateway", nameof(cidr));
        }

        // Set every host bit (the last address), then subtract 2.
        for (var bit = 0; bit < hostBits; bit++)
        {
            bytes[bytes.Length - 1 - (bit / 8)] |= (byte)(1 << (bit % 8));
        }

        var borrow = 2;
        for (var i = bytes.Length - 1; i >= 0 && borrow > 0; i--)
        {
            var value = bytes[i] - borrow;
            borrow = value < 0 ? 1 : 0;
            bytes[i] = (byte)(value & 0xFF);
        }

        return new IPAddress(bytes);
    }
}
