using System.Net.Sockets;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Trunk;

/// <summary>
/// Trunk, 802.1Q variant (Terway's vlan_strip_type=vlan): an 802.1Q sub-interface of the trunk
/// ENI with the member's VLAN id is created directly inside the pod as the container interface,
/// with the pod address at the member vSwitch prefix, a permanent neighbour for the gateway
/// with the VPC gateway MAC and a default route via it. Like the exclusive ENI, a veth1 to the
/// host carries Service, node and host_stack traffic. The host side only keeps the trunk up.
/// </summary>
internal sealed class TrunkVlanDatapath(HostContext host) : IPodDatapath
{
    public static readonly KernelFeature[] Requires = [KernelFeature.Vlan8021Q, KernelFeature.Veth];

    public DatapathMode Mode => DatapathMode.TrunkVlan;

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            host.RequireFeatures(Mode, HostPeer.Wanted(request) ? Requires : [KernelFeature.Vlan8021Q]);
            RequestChecks.Addresses(request);
            RequestChecks.Gateways(request);
            var mac = RequestChecks.EniMac(request);
            var vlanId = RequestChecks.VlanId(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            var trunk = await host.FindEniAsync(mac, cancellationToken);
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();

            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                trunk = RequestChecks.EnsureUp(host, trunk, request.Mtu);
            }
            finally
            {
                host.SharedState.Release();
            }

            var podLink = pod.Netlink.GetLink(request.InterfaceName);
            if (podLink is null)
            {
                host.Netlink.CreateVlan(request.InterfaceName, trunk.Index, vlanId, new NewLinkOptions { Up = true, Mtu = request.Mtu, NamespaceFd = pod.Handle.Fd });
                podLink = pod.Netlink.GetLink(request.InterfaceName) ?? throw new NetlinkException($"RTM_GETLINK {request.InterfaceName} in {pod.Path}", Interop.Errno.ENODEV);
            }
            else if (!IsOurs(podLink, trunk, vlanId))
            {
                throw new InterfaceExistsException($"pod {request.PodKey}: interface {request.InterfaceName} already exists in {pod.Path} and is not VLAN {vlanId} of {trunk.Name}");
            }
            else
            {
                podLink = VethPair.Converge(pod.Netlink, podLink, request.Mtu);
            }

            foreach (var ip in request.Addresses)
            {
                pod.Netlink.AddAddress(podLink.Index, ip.Address, ip.PrefixLength, flags: ip.Address.AddressFamily == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
                pod.Netlink.ReplacePermanentNeighbour(podLink.Index, ip.Gateway!, Conventions.VpcGatewayMac);
                pod.Netlink.ReplaceRoute(PodVethWiring.GatewayDefaultRoute(ip, podLink.Index));
            }

            var hostLink = HostPeer.Wanted(request) ? HostPeer.Setup(host, pod, request) : null;
            return HostPeer.Result(Mode, request, podLink, hostLink);
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, async () =>
        {
            HostPeer.Teardown(host, request);
            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            var podLink = pod?.Netlink.GetLink(request.InterfaceName);
            if (podLink is { Kind: "vlan" } && (request.VlanId is null || podLink.VlanId == request.VlanId))
            {
                pod!.Netlink.DeleteLink(podLink.Index, podLink.Name);
            }

            return true;
        });

    public Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "check", request, async () =>
        {
            var drift = new DriftReport();
            var trunk = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            drift.Eni(trunk, request);

            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            if (drift.PodNamespace(pod, request))
            {
                var podLink = pod.Netlink.GetLink(request.InterfaceName);
                if (drift.Link(DriftScope.Pod, podLink, request.InterfaceName, request.Mtu))
                {
                    if (podLink!.Kind != "vlan" || podLink.VlanId != request.VlanId || (trunk is not null && podLink.ParentIndex != trunk.Index))
                    {
                        drift.Add(DriftScope.Pod, DriftKind.LinkMismatch, request.InterfaceName, $"kind {podLink.Kind} vlan {podLink.VlanId}, want vlan {request.VlanId} of the trunk ENI");
                    }

                    foreach (var ip in request.Addresses.Where(a => a.Gateway is not null))
                    {
                        drift.Address(DriftScope.Pod, pod.Netlink, podLink, ip.Address, ip.PrefixLength);
                        drift.Neighbour(DriftScope.Pod, pod.Netlink, podLink, ip.Gateway!, Conventions.VpcGatewayMac);
                        drift.Route(DriftScope.Pod, pod.Netlink.ListRoutes(ip.Address.AddressFamily), PodVethWiring.GatewayDefaultRoute(ip, podLink.Index), request.InterfaceName);
                    }
                }
            }

            if (HostPeer.Wanted(request))
            {
                HostPeer.Check(host, pod, request, drift);
            }

            return drift.Items;
        });

    private static bool IsOurs(LinkInfo link, LinkInfo trunk, ushort vlanId) =>
        link.Kind == "vlan" && link.VlanId == vlanId && link.ParentIndex == trunk.Index;
}
