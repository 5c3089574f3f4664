using System.Net;
using Terway.NodeAgent.Datapath;

namespace Terway.Sandbox.Fabric;

/// <summary>A vSwitch of the fabric: a bridge in the router, its CIDRs, gateways and an address allocator.</summary>
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

    /// <summary>The vSwitch's name.</summary>
    public string Name { get; }

    /// <summary>ifindex of its bridge in the router namespace.</summary>
    public int BridgeIndex { get; }

    /// <summary>Name of its bridge in the router namespace.</summary>
    public string BridgeName { get; }

    /// <summary>IPv4 CIDR.</summary>
    public IPNetwork Cidr { get; }

    /// <summary>IPv6 CIDR, if any.</summary>
    public IPNetwork? CidrV6 { get; }

    /// <summary>IPv4 gateway (CIDR index −3), the bridge's own address.</summary>
    public IPAddress Gateway { get; }

    /// <summary>IPv6 gateway, if the vSwitch has IPv6.</summary>
    public IPAddress? GatewayV6 { get; }

    /// <summary>The next IPv4 address of the vSwitch, for fabrics that are not driven by a simulated cloud.</summary>
    public IPAddress AllocateAddress() => Offset(Cidr.BaseAddress, Interlocked.Increment(ref _next) - 1);

    /// <summary>The next IPv6 address of the vSwitch.</summary>
    public IPAddress AllocateAddressV6() =>
        Offset(CidrV6?.BaseAddress ?? throw new InvalidOperationException($"vSwitch {Name} has no IPv6 CIDR"), Interlocked.Increment(ref _next6) - 1);

    /// <summary>A pod IPv4 configuration on this vSwitch (prefix and gateway).</summary>
    public PodIPConfig PodIPv4(IPAddress address) => new(address, Cidr.PrefixLength, Gateway);

    /// <summary>A pod IPv6 configuration on this vSwitch.</summary>
    public PodIPConfig PodIPv6(IPAddress address) => new(address, CidrV6!.Value.PrefixLength, GatewayV6);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Cidr}, bridge {BridgeName})";

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
