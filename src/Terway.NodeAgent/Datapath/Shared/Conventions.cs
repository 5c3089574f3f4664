using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>Terway's datapath conventions (names, tables, priorities, link-local gateway), kept bit-for-bit.</summary>
internal static class Conventions
{
    /// <summary>The link-local gateway pods on a veth route through (IPv4).</summary>
    public static readonly IPAddress LinkLocalGatewayV4 = IPAddress.Parse("169.254.1.1");

    /// <summary>The link-local gateway pods on a veth route through (IPv6).</summary>
    public static readonly IPAddress LinkLocalGatewayV6 = IPAddress.Parse("fe80::1");

    /// <summary>The MAC every Alibaba Cloud VPC gateway answers with.</summary>
    public static readonly PhysicalAddress VpcGatewayMac = PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF");

    public const uint RouteTableBase = 1000;
    public const uint RulePriorityToPod = 512;
    public const uint RulePriorityFromPod = 2048;

    public const ushort TrunkEgressPriorityV4 = 50001;
    public const ushort TrunkEgressPriorityV6 = 50002;
    public const ushort TrunkIngressPriority = 20000;

    public const ushort IpvlanRedirectPriorityV4 = 40000;
    public const ushort IpvlanRedirectPriorityV6 = 40001;

    /// <summary>The pod-side name of the veth to the host in exclusive ENI and trunk VLAN modes.</summary>
    public const string HostPeerInterface = "veth1";

    /// <summary>Per-ENI route table: 1000 + ENI ifindex.</summary>
    public static uint RouteTable(int eniIndex) => RouteTableBase + (uint)eniIndex;

    /// <summary>The ipvlan host slave of a parent ENI: ipvl_&lt;parent ifindex&gt;.</summary>
    public static string IpvlanSlaveName(int parentIndex) => $"ipvl_{parentIndex}";

    /// <summary>
    /// Host veth name: "cali" + the first 11 hex digits of sha1("&lt;namespace&gt;.&lt;pod&gt;"),
    /// with the interface name appended to the hashed text when it is not eth0.
    /// </summary>
    public static string HostVethName(string podNamespace, string podName, string interfaceName)
    {
        var text = $"{podNamespace}.{podName}{(interfaceName == "eth0" ? "" : interfaceName)}";
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // SHA1 names interfaces (Terway/Calico compatibility); it protects nothing.
        SHA1.HashData(Encoding.UTF8.GetBytes(text), hash);
#pragma warning restore CA5350
        return "cali" + Convert.ToHexStringLower(hash)[..11];
    }

    public static IPAddress LinkLocalGateway(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? LinkLocalGatewayV4 : LinkLocalGatewayV6;

    public static int HostPrefix(AddressFamily family) => family == AddressFamily.InterNetwork ? 32 : 128;

    public static int HostPrefix(IPAddress address) => HostPrefix(address.AddressFamily);
}
