using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>
/// The veth wiring shared by the VPC, ENIIP-veth and trunk-tc modes: pod addresses as /32
/// (/128), a default route via the link-local gateway (169.254.1.1 / fe80::1) with a permanent
/// neighbour pointing at the host veth's MAC, and a host route to each pod address via the host veth.
/// </summary>
internal static class PodVethWiring
{
    public static (LinkInfo Host, LinkInfo Pod) Setup(HostContext host, PodNamespace pod, PodNetworkRequest request)
    {
        var hostName = Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName);
        var (hostLink, podLink) = VethPair.Ensure(host, pod, hostName, request.InterfaceName, request.Mtu, request.PodKey);
        foreach (var ip in request.Addresses)
        {
            var family = ip.Address.AddressFamily;
            var gateway = Conventions.LinkLocalGateway(family);
            pod.Netlink.AddAddress(podLink.Index, ip.Address, Conventions.HostPrefix(family), flags: family == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
            pod.Netlink.ReplacePermanentNeighbour(podLink.Index, gateway, hostLink.Mac!);
            pod.Netlink.ReplaceRoute(PodDefaultRoute(family, podLink.Index));
            host.Netlink.ReplaceRoute(HostRoute(ip.Address, hostLink.Index));
        }

        return (hostLink, podLink);
    }

    public static RouteInfo PodDefaultRoute(AddressFamily family, int podIndex) => new()
    {
        Family = family,
        Gateway = Conventions.LinkLocalGateway(family),
        OutputIndex = podIndex,
        OnLink = family == AddressFamily.InterNetwork,
    };

    /// <summary>The pod's default route via its vSwitch gateway (modes where eth0 sits on the VPC).</summary>
    public static RouteInfo GatewayDefaultRoute(PodIPConfig ip, int podIndex) => new()
    {
        Family = ip.Address.AddressFamily,
        Gateway = ip.Gateway,
        OutputIndex = podIndex,
        OnLink = true,
    };

    public static RouteInfo HostRoute(IPAddress podAddress, int hostIndex) => new()
    {
        Destination = podAddress,
        DestinationPrefix = Conventions.HostPrefix(podAddress),
        OutputIndex = hostIndex,
        Scope = Scope.Link,
    };

    /// <summary>Checks both ends; returns the host link (null if missing) for mode-specific checks.</summary>
    public static LinkInfo? Check(HostContext host, PodNamespace? pod, PodNetworkRequest request, DriftReport drift)
    {
        var hostName = Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName);
        var hostLink = host.Netlink.GetLink(hostName);
        drift.Link(DriftScope.Host, hostLink, hostName, request.Mtu);
        if (hostLink is not null)
        {
            var hostRoutes = new Dictionary<AddressFamily, List<RouteInfo>>();
            foreach (var ip in request.Addresses)
            {
                var family = ip.Address.AddressFamily;
                if (!hostRoutes.TryGetValue(family, out var routes))
                {
                    hostRoutes[family] = routes = host.Netlink.ListRoutes(family);
                }

                drift.Route(DriftScope.Host, routes, HostRoute(ip.Address, hostLink.Index), hostName);
            }
        }

        if (pod is null)
        {
            return hostLink;
        }

        var podLink = pod.Netlink.GetLink(request.InterfaceName);
        if (!drift.Link(DriftScope.Pod, podLink, request.InterfaceName, request.Mtu))
        {
            return hostLink;
        }

        if (hostLink is not null && !VethPair.IsPair(hostLink, podLink))
        {
            drift.Add(DriftScope.Pod, DriftKind.LinkMismatch, request.InterfaceName, $"not the veth peer of {hostName}");
        }

        foreach (var ip in request.Addresses)
        {
            var family = ip.Address.AddressFamily;
            drift.Address(DriftScope.Pod, pod.Netlink, podLink!, ip.Address, Conventions.HostPrefix(family));
            drift.Neighbour(DriftScope.Pod, pod.Netlink, podLink!, Conventions.LinkLocalGateway(family), hostLink?.Mac);
            drift.Route(DriftScope.Pod, pod.Netlink.ListRoutes(family), PodDefaultRoute(family, podLink!.Index), request.InterfaceName);
        }

        return hostLink;
    }

    /// <summary>Deletes the host veth (which removes the pod end and the host routes through it).</summary>
    public static void Teardown(HostContext host, PodNetworkRequest request) =>
        host.Netlink.TryDeleteLink(Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName));

    public static PodInterfaceResult Result(DatapathMode mode, PodNetworkRequest request, LinkInfo hostLink, LinkInfo podLink) => new()
    {
        Mode = mode,
        Container = new PodInterface(podLink.Name, podLink.Mac!, podLink.Mtu, request.NetnsPath),
        Host = new PodInterface(hostLink.Name, hostLink.Mac!, hostLink.Mtu, null),
        IPs = request.Addresses.Select(ip => new PodIPResult(ip.Address, Conventions.HostPrefix(ip.Address), Conventions.LinkLocalGateway(ip.Address.AddressFamily))).ToList(),
        Routes = request.Addresses.Select(ip => new PodRoute(DefaultNetwork(ip.Address.AddressFamily), Conventions.LinkLocalGateway(ip.Address.AddressFamily))).ToList(),
    };

    public static IPNetwork DefaultNetwork(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? new IPNetwork(IPAddress.Any, 0) : new IPNetwork(IPAddress.IPv6Any, 0);
}
