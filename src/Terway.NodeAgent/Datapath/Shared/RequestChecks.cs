using System.Net.NetworkInformation;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>Validation of what each mode needs from a request, with messages naming the missing member.</summary>
internal static class RequestChecks
{
    public static void Addresses(PodNetworkRequest request)
    {
        if (request.IPv4 is null && request.IPv6 is null)
        {
            throw new DatapathRequestException($"pod {request.PodKey}: no IPv4 or IPv6 address in the request");
        }

        if (request.InterfaceName.Length is 0 or > 15)
        {
            throw new DatapathRequestException($"pod {request.PodKey}: interface name '{request.InterfaceName}' is not a valid Linux interface name");
        }
    }

    public static void Gateways(PodNetworkRequest request)
    {
        foreach (var ip in request.Addresses)
        {
            PolicyRouting.RequireGateway(request, ip);
        }
    }

    public static PhysicalAddress EniMac(PodNetworkRequest request) =>
        request.EniMac ?? throw new DatapathRequestException($"pod {request.PodKey}: the ENI MAC (EniMac) is required");

    public static ushort VlanId(PodNetworkRequest request) =>
        request.VlanId is { } vid and >= 1 and <= 4094
            ? vid
            : throw new DatapathRequestException($"pod {request.PodKey}: a VLAN id 1..4094 (VlanId) is required, got {request.VlanId?.ToString() ?? "none"}");

    /// <summary>Brings the ENI up at the pod MTU, as Terway's ADD and CHECK do for the parent link.</summary>
    public static LinkInfo EnsureUp(HostContext host, LinkInfo eni, int mtu)
    {
        if (eni.IsUp && eni.Mtu == mtu)
        {
            return eni;
        }

        host.Netlink.ChangeLink(eni.Index, new LinkChange { Up = true, Mtu = mtu }, eni.Name);
        return eni with { Mtu = mtu, Flags = eni.Flags | Ifla.IFF_UP };
    }

    public static bool HasV4(PodNetworkRequest request) => request.IPv4 is not null;

    public static bool HasV6(PodNetworkRequest request) => request.IPv6 is not null;
}
