using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.ExclusiveEni;

/// <summary>
/// Exclusive ENI: the whole ENI is set down, moved into the pod and renamed to the container
/// interface (eth0), with the pod address at the vSwitch prefix and a default route via the
/// vSwitch gateway. Its original name is kept in the link alias so teardown can give it back
/// to the node under that name. A veth1 to the host carries Service, node and host_stack traffic.
/// </summary>
internal sealed class ExclusiveEniDatapath(HostContext host) : IPodDatapath
{
    /// <summary>Marks an ENI this datapath moved; the rest of the alias is the ENI's name on the node.</summary>
    internal const string AliasPrefix = "terway-eni:";

    private static readonly string[] ChildKinds = ["ipvlan", "macvlan", "vlan"];

    public static readonly KernelFeature[] Requires = [KernelFeature.Veth];

    public DatapathMode Mode => DatapathMode.ExclusiveEni;

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            if (HostPeer.Wanted(request))
            {
                host.RequireFeatures(Mode, Requires);
            }

            RequestChecks.Addresses(request);
            RequestChecks.Gateways(request);
            var mac = RequestChecks.EniMac(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();

            var podLink = pod.Netlink.GetLink(request.InterfaceName);
            if (podLink is not null && !mac.Equals(podLink.Mac))
            {
                throw new InterfaceExistsException($"pod {request.PodKey}: interface {request.InterfaceName} already exists in {pod.Path} and is not ENI {HostContext.Format(mac)}");
            }

            podLink ??= await MoveIntoPodAsync(pod, request, mac, cancellationToken);
            if (!podLink.IsUp || podLink.Mtu != request.Mtu)
            {
                pod.Netlink.ChangeLink(podLink.Index, new LinkChange { Up = true, Mtu = request.Mtu }, podLink.Name);
                podLink = podLink with { Mtu = request.Mtu, Flags = podLink.Flags | Ifla.IFF_UP };
            }

            foreach (var ip in request.Addresses)
            {
                pod.Netlink.AddAddress(podLink.Index, ip.Address, ip.PrefixLength, flags: ip.Address.AddressFamily == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
                pod.Netlink.ReplaceRoute(PodVethWiring.GatewayDefaultRoute(ip, podLink.Index));
            }

            LinkInfo? hostLink = null;
            if (HostPeer.Wanted(request))
            {
                hostLink = HostPeer.Setup(host, pod, request);
            }

            return HostPeer.Result(Mode, request, podLink, hostLink);
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, async () =>
        {
            HostPeer.Teardown(host, request);
            if (request.EniMac is not { } mac)
            {
                return true;
            }

            using (var pod = await PodNamespace.TryOpenAsync(request.NetnsPath))
            {
                var inPod = pod is null ? null : FindEni(pod.Netlink, mac);
                if (inPod is not null)
                {
                    MoveToHost(pod!, inPod);
                }
            }

            // The ENI is back (or came back by itself when the namespace went away): restore its name.
            var eni = host.TryFindEni(mac);
            if (eni?.Alias is { } alias && alias.StartsWith(AliasPrefix, StringComparison.Ordinal))
            {
                var original = alias[AliasPrefix.Length..];
                if (eni.Name != original && host.Netlink.GetLink(original) is null)
                {
                    host.Netlink.ChangeLink(eni.Index, new LinkChange { Up = false }, eni.Name);
                    host.Netlink.Rename(eni.Index, original);
                }

                host.Netlink.ChangeLink(eni.Index, new LinkChange { Alias = "", Up = true }, original);
            }

            return true;
        });

    public Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "check", request, async () =>
        {
            var drift = new DriftReport();
            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            if (drift.PodNamespace(pod, request))
            {
                var podLink = pod.Netlink.GetLink(request.InterfaceName);
                if (drift.Link(DriftScope.Pod, podLink, request.InterfaceName, request.Mtu))
                {
                    if (request.EniMac is not null && !request.EniMac.Equals(podLink!.Mac))
                    {
                        drift.Add(DriftScope.Pod, DriftKind.LinkMismatch, request.InterfaceName, $"MAC {podLink.Mac}, want ENI {HostContext.Format(request.EniMac)}");
                    }

                    foreach (var ip in request.Addresses)
                    {
                        drift.Address(DriftScope.Pod, pod.Netlink, podLink!, ip.Address, ip.PrefixLength);
                        if (ip.Gateway is not null)
                        {
                            drift.Route(DriftScope.Pod, pod.Netlink.ListRoutes(ip.Address.AddressFamily), PodVethWiring.GatewayDefaultRoute(ip, podLink!.Index), request.InterfaceName);
                        }
                    }
                }
            }

            if (HostPeer.Wanted(request))
            {
                HostPeer.Check(host, pod, request, drift);
            }

            return drift.Items;
        });

    private static LinkInfo? FindEni(RtNetlink nl, PhysicalAddress mac) =>
        nl.FindLinksByMac(mac).FirstOrDefault(l => l.Kind is null || !ChildKinds.Contains(l.Kind));

    private async Task<LinkInfo> MoveIntoPodAsync(PodNamespace pod, PodNetworkRequest request, PhysicalAddress mac, CancellationToken cancellationToken)
    {
        // An earlier attempt may have moved it without renaming it yet.
        var inPod = FindEni(pod.Netlink, mac);
        if (inPod is null)
        {
            var eni = await host.FindEniAsync(mac, cancellationToken);
            var alias = eni.Alias is { } a && a.StartsWith(AliasPrefix, StringComparison.Ordinal) ? a : AliasPrefix + eni.Name;
            host.Netlink.ChangeLink(eni.Index, new LinkChange { Up = false, Alias = alias }, eni.Name);
            host.Netlink.MoveToNamespace(eni.Index, pod.Handle.Fd, eni.Name);
            inPod = FindEni(pod.Netlink, mac) ?? throw new NetlinkException($"RTM_GETLINK ENI {HostContext.Format(mac)} in {pod.Path}", Interop.Errno.ENODEV);
        }

        if (inPod.Name != request.InterfaceName)
        {
            if (inPod.IsUp)
            {
                pod.Netlink.SetUp(inPod.Index, false, inPod.Name);
            }

            pod.Netlink.Rename(inPod.Index, request.InterfaceName);
        }

        return pod.Netlink.GetLink(inPod.Index) ?? throw new NetlinkException($"RTM_GETLINK {request.InterfaceName} in {pod.Path}", Interop.Errno.ENODEV);
    }

    private void MoveToHost(PodNamespace pod, LinkInfo link)
    {
        pod.Netlink.ChangeLink(link.Index, new LinkChange { Up = false }, link.Name);
        if (link.Alias is { } alias && alias.StartsWith(AliasPrefix, StringComparison.Ordinal))
        {
            var original = alias[AliasPrefix.Length..];
            if (link.Name != original && pod.Netlink.GetLink(original) is null)
            {
                pod.Netlink.Rename(link.Index, original);
                link = link with { Name = original };
            }
        }

        try
        {
            pod.Netlink.MoveToNamespace(link.Index, host.Namespace.Fd, link.Name);
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            // The name is taken on the node: move it under a name derived from its MAC instead.
            var fallback = "eni" + Convert.ToHexStringLower(link.Mac!.GetAddressBytes())[^6..];
            pod.Netlink.Rename(link.Index, fallback);
            pod.Netlink.MoveToNamespace(link.Index, host.Namespace.Fd, fallback);
        }
    }
}
