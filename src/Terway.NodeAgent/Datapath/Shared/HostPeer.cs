using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>
/// veth1: the pod's path to the host in modes where eth0 is a whole (or VLAN) ENI. The pod
/// routes the Service CIDRs, host_stack_cidrs and the node IP through it via the link-local
/// gateway; the host routes the pod address back through its end.
/// </summary>
internal static class HostPeer
{
    public static bool Wanted(PodNetworkRequest request) => !request.DisableHostPeer && request.InterfaceName == "eth0";

    public static LinkInfo Setup(HostContext host, PodNamespace pod, PodNetworkRequest request)
    {
        var hostName = Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName);
        var (hostLink, peer) = VethPair.Ensure(host, pod, hostName, Conventions.HostPeerInterface, request.Mtu, request.PodKey);
        foreach (var ip in request.Addresses)
        {
            var family = ip.Address.AddressFamily;
            pod.Netlink.ReplacePermanentNeighbour(peer.Index, Conventions.LinkLocalGateway(family), hostLink.Mac!);
            foreach (var route in PodRoutes(request, ip, peer.Index))
            {
                pod.Netlink.ReplaceRoute(route);
            }

            host.Netlink.ReplaceRoute(PodVethWiring.HostRoute(ip.Address, hostLink.Index));
        }

        return hostLink;
    }

    /// <summary>Routes in the pod through veth1, with the pod address as source.</summary>
    public static IEnumerable<RouteInfo> PodRoutes(PodNetworkRequest request, PodIPConfig ip, int peerIndex)
    {
        var family = ip.Address.AddressFamily;
        var destinations = request.ServiceCidrs.Concat(request.HostStackCidrs)
            .Where(c => c.BaseAddress.AddressFamily == family)
            .Select(c => (c.BaseAddress, c.PrefixLength))
            .ToList();
        var node = family == AddressFamily.InterNetwork ? request.NodeIPv4 : request.NodeIPv6;
        if (node is not null)
        {
            destinations.Add((node, Conventions.HostPrefix(family)));
        }

        return destinations.Distinct().Select(d => new RouteInfo
        {
            Destination = d.Item1,
            DestinationPrefix = d.Item2,
            Gateway = Conventions.LinkLocalGateway(family),
            OutputIndex = peerIndex,
            OnLink = family == AddressFamily.InterNetwork,
            PreferredSource = ip.Address,
        });
    }

    public static void Check(HostContext host, PodNamespace? pod, PodNetworkRequest request, DriftReport drift)
    {
        var hostName = Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName);
        var hostLink = host.Netlink.GetLink(hostName);
        if (drift.Link(DriftScope.Host, hostLink, hostName, request.Mtu))
        {
            foreach (var ip in request.Addresses)
            {
                drift.Route(DriftScope.Host, host.Netlink.ListRoutes(ip.Address.AddressFamily), PodVethWiring.HostRoute(ip.Address, hostLink!.Index), hostName);
            }
        }

        if (pod is null)
        {
            return;
        }

        var peer = pod.Netlink.GetLink(Conventions.HostPeerInterface);
        if (!drift.Link(DriftScope.Pod, peer, Conventions.HostPeerInterface, request.Mtu))
        {
            return;
        }

        foreach (var ip in request.Addresses)
        {
            var family = ip.Address.AddressFamily;
            drift.Neighbour(DriftScope.Pod, pod.Netlink, peer!, Conventions.LinkLocalGateway(family), hostLink?.Mac);
            var routes = pod.Netlink.ListRoutes(family);
            foreach (var route in PodRoutes(request, ip, peer!.Index))
            {
                drift.Route(DriftScope.Pod, routes, route, Conventions.HostPeerInterface);
            }
        }
    }

    public static void Teardown(HostContext host, PodNetworkRequest request) =>
        host.Netlink.TryDeleteLink(Conventions.HostVethName(request.PodNamespace, request.PodName, request.InterfaceName));

    /// <summary>The result of a mode whose eth0 is an ENI (or VLAN of one) at the vSwitch prefix, with veth1 to the host.</summary>
    public static PodInterfaceResult Result(DatapathMode mode, PodNetworkRequest request, LinkInfo podLink, LinkInfo? hostLink) => new()
    {
        Mode = mode,
        Container = new PodInterface(podLink.Name, podLink.Mac!, podLink.Mtu, request.NetnsPath),
        Host = hostLink is null ? null : new PodInterface(hostLink.Name, hostLink.Mac!, hostLink.Mtu, null),
        IPs = request.Addresses.Select(ip => new PodIPResult(ip.Address, ip.PrefixLength, ip.Gateway)).ToList(),
        Routes = request.Addresses
            .Select(ip => new PodRoute(PodVethWiring.DefaultNetwork(ip.Address.AddressFamily), ip.Gateway))
            .Concat(hostLink is null ? [] : request.Addresses.SelectMany(ip => PodRoutes(request, ip, 0))
                .Select(r => new PodRoute(new IPNetwork(r.Destination!, r.DestinationPrefix), r.Gateway)))
            .ToList(),
    };
}
