using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.EniIpIpvlan;

/// <summary>Which virtual link kind carries the pods.</summary>
internal enum VirtualChildKind
{
    /// <summary>ipvlan L2, the product mode.</summary>
    Ipvlan,

    /// <summary>
    /// macvlan bridge, for kernels without ipvlan in tests only: same wiring, but children
    /// have their own MACs, so the host slave answers ARP instead of being NOARP.
    /// </summary>
    MacvlanStandIn,
}

/// <summary>
/// ENIIP with ipvlan: the pod's eth0 is an ipvlan L2 child of the ENI created directly in the
/// pod (/32, default route via the vSwitch gateway, a route and permanent neighbour for the node
/// IP pointing at the host slave's MAC). On the host, the slave ipvl_&lt;ENI ifindex&gt; holds the
/// node IP (/32, scope host) and the routes to the ENI's pods; Service CIDRs and
/// host_stack_cidrs are redirected to it by u32 filters on the ENI (<see cref="ServiceRedirects"/>).
/// The slave and the redirects are released with the ENI's last pod.
/// </summary>
internal sealed class EniIpIpvlanDatapath(HostContext host, VirtualChildKind childKind = VirtualChildKind.Ipvlan) : IPodDatapath
{
    public static readonly KernelFeature[] Requires = [KernelFeature.Ipvlan, KernelFeature.Clsact, KernelFeature.U32Mirred];

    private static readonly KernelFeature[] StandInRequires = [KernelFeature.Macvlan, KernelFeature.Clsact, KernelFeature.U32Mirred];

    public DatapathMode Mode => DatapathMode.EniIpIpvlan;

    private string ChildKindName => childKind == VirtualChildKind.Ipvlan ? "ipvlan" : "macvlan";

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            host.RequireFeatures(Mode, childKind == VirtualChildKind.Ipvlan ? Requires : StandInRequires);
            RequestChecks.Addresses(request);
            RequestChecks.Gateways(request);
            var mac = RequestChecks.EniMac(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            var eni = await host.FindEniAsync(mac, cancellationToken);
            await host.EnsureRpFilterOffAsync(eni);
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();

            LinkInfo slave;
            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                eni = RequestChecks.EnsureUp(host, eni, request.Mtu);
                slave = EnsureSlave(eni, request);
                ServiceRedirects.Reconcile(host.Netlink, eni, slave, request);

                // The host routes mark the slave as in use; a concurrent teardown removes a slave
                // without them, so they are added before the lock is released.
                foreach (var ip in request.Addresses)
                {
                    host.Netlink.ReplaceRoute(PodVethWiring.HostRoute(ip.Address, slave.Index));
                }
            }
            finally
            {
                host.SharedState.Release();
            }

            var podLink = pod.Netlink.GetLink(request.InterfaceName);
            if (podLink is null)
            {
                CreateChild(request.InterfaceName, eni.Index, new NewLinkOptions { Up = true, Mtu = request.Mtu, NamespaceFd = pod.Handle.Fd });
                podLink = pod.Netlink.GetLink(request.InterfaceName) ?? throw new NetlinkException($"RTM_GETLINK {request.InterfaceName} in {pod.Path}", Interop.Errno.ENODEV);
            }
            else if (podLink.Kind != ChildKindName || podLink.ParentIndex != eni.Index)
            {
                throw new InterfaceExistsException($"pod {request.PodKey}: interface {request.InterfaceName} already exists in {pod.Path} and is not an {ChildKindName} child of {eni.Name}");
            }
            else
            {
                podLink = VethPair.Converge(pod.Netlink, podLink, request.Mtu);
            }

            foreach (var ip in request.Addresses)
            {
                var family = ip.Address.AddressFamily;
                pod.Netlink.AddAddress(podLink.Index, ip.Address, Conventions.HostPrefix(family), flags: family == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
                pod.Netlink.ReplaceRoute(PodVethWiring.GatewayDefaultRoute(ip, podLink.Index));
                if (NodeIP(request, family) is { } node)
                {
                    pod.Netlink.ReplaceRoute(NodeRoute(node, podLink.Index));
                    pod.Netlink.ReplacePermanentNeighbour(podLink.Index, node, slave.Mac!);
                }
            }

            return new PodInterfaceResult
            {
                Mode = Mode,
                Container = new PodInterface(podLink.Name, podLink.Mac!, podLink.Mtu, request.NetnsPath),
                Host = new PodInterface(slave.Name, slave.Mac!, slave.Mtu, null),
                IPs = request.Addresses.Select(ip => new PodIPResult(ip.Address, Conventions.HostPrefix(ip.Address), ip.Gateway)).ToList(),
                Routes = request.Addresses
                    .Select(ip => new PodRoute(PodVethWiring.DefaultNetwork(ip.Address.AddressFamily), ip.Gateway))
                    .Concat(request.Addresses
                        .Select(ip => NodeIP(request, ip.Address.AddressFamily))
                        .OfType<IPAddress>()
                        .Select(node => new PodRoute(new IPNetwork(node, Conventions.HostPrefix(node)), null)))
                    .ToList(),
            };
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, async () =>
        {
            var eni = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            var slave = eni is null ? null : host.Netlink.GetLink(Conventions.IpvlanSlaveName(eni.Index));
            if (slave is not null)
            {
                foreach (var ip in request.Addresses)
                {
                    host.Netlink.DeleteRoute(PodVethWiring.HostRoute(ip.Address, slave.Index));
                }
            }

            using (var pod = await PodNamespace.TryOpenAsync(request.NetnsPath))
            {
                var podLink = pod?.Netlink.GetLink(request.InterfaceName);
                if (podLink is not null && podLink.Kind == ChildKindName && (eni is null || podLink.ParentIndex == eni.Index))
                {
                    pod!.Netlink.DeleteLink(podLink.Index, podLink.Name);
                }
            }

            if (eni is null || slave is null)
            {
                return true;
            }

            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                if (!SlaveInUse(slave, request))
                {
                    ServiceRedirects.Remove(host.Netlink, eni);
                    host.Netlink.DeleteLink(slave.Index, slave.Name);
                    DatapathLog.IpvlanSlaveReleased(host.Logger, eni.Name, slave.Name);
                }
            }
            finally
            {
                host.SharedState.Release();
            }

            return true;
        });

    public Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "check", request, async () =>
        {
            var drift = new DriftReport();
            var eni = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            LinkInfo? slave = null;
            if (drift.Eni(eni, request))
            {
                var slaveName = Conventions.IpvlanSlaveName(eni.Index);
                slave = host.Netlink.GetLink(slaveName);
                if (drift.Link(DriftScope.Host, slave, slaveName, request.Mtu))
                {
                    foreach (var ip in request.Addresses)
                    {
                        var family = ip.Address.AddressFamily;
                        if (NodeIP(request, family) is { } node)
                        {
                            drift.Address(DriftScope.Host, host.Netlink, slave!, node, Conventions.HostPrefix(family));
                        }

                        drift.Route(DriftScope.Host, host.Netlink.ListRoutes(family), PodVethWiring.HostRoute(ip.Address, slave!.Index), slaveName);
                    }

                    ServiceRedirects.Check(host.Netlink, eni, slave!, request, drift);
                }
            }

            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            if (!drift.PodNamespace(pod, request))
            {
                return drift.Items;
            }

            var podLink = pod.Netlink.GetLink(request.InterfaceName);
            if (!drift.Link(DriftScope.Pod, podLink, request.InterfaceName, request.Mtu))
            {
                return drift.Items;
            }

            if (podLink!.Kind != ChildKindName || (eni is not null && podLink.ParentIndex != eni.Index))
            {
                drift.Add(DriftScope.Pod, DriftKind.LinkMismatch, request.InterfaceName, $"kind {podLink.Kind}, want an {ChildKindName} child of the ENI");
            }

            foreach (var ip in request.Addresses)
            {
                var family = ip.Address.AddressFamily;
                var routes = pod.Netlink.ListRoutes(family);
                drift.Address(DriftScope.Pod, pod.Netlink, podLink, ip.Address, Conventions.HostPrefix(family));
                drift.Route(DriftScope.Pod, routes, PodVethWiring.GatewayDefaultRoute(ip, podLink.Index), request.InterfaceName);
                if (NodeIP(request, family) is { } node)
                {
                    drift.Route(DriftScope.Pod, routes, NodeRoute(node, podLink.Index), request.InterfaceName);
                    drift.Neighbour(DriftScope.Pod, pod.Netlink, podLink, node, slave?.Mac);
                }
            }

            return drift.Items;
        });

    private static IPAddress? NodeIP(PodNetworkRequest request, AddressFamily family) =>
        family == AddressFamily.InterNetwork ? request.NodeIPv4 : request.NodeIPv6;

    private static RouteInfo NodeRoute(IPAddress node, int index) => new()
    {
        Destination = node,
        DestinationPrefix = Conventions.HostPrefix(node),
        OutputIndex = index,
        Scope = Scope.Link,
    };

    private void CreateChild(string name, int parentIndex, NewLinkOptions options)
    {
        if (childKind == VirtualChildKind.Ipvlan)
        {
            host.Netlink.CreateIpvlan(name, parentIndex, IpvlanMode.L2, options);
        }
        else
        {
            host.Netlink.CreateMacvlan(name, parentIndex, MacvlanMode.Bridge, options);
        }
    }

    /// <summary>The host slave ipvl_&lt;ENI ifindex&gt; with the node IP(s), created on the ENI's first pod.</summary>
    private LinkInfo EnsureSlave(LinkInfo eni, PodNetworkRequest request)
    {
        var name = Conventions.IpvlanSlaveName(eni.Index);
        var slave = host.Netlink.GetLink(name);
        if (slave is null)
        {
            // ipvlan slaves share the ENI's MAC and need no ARP; a macvlan stand-in has its own MAC and must answer ARP.
            CreateChild(name, eni.Index, new NewLinkOptions { Up = true, Mtu = request.Mtu, NoArp = childKind == VirtualChildKind.Ipvlan });
            slave = host.Netlink.GetLink(name) ?? throw new NetlinkException($"RTM_GETLINK {name}", Interop.Errno.ENODEV);
        }
        else
        {
            slave = VethPair.Converge(host.Netlink, slave, request.Mtu);
        }

        foreach (var ip in request.Addresses)
        {
            if (NodeIP(request, ip.Address.AddressFamily) is { } node)
            {
                host.Netlink.AddAddress(slave.Index, node, Conventions.HostPrefix(node), Scope.Host, node.AddressFamily == AddressFamily.InterNetworkV6 ? Ifa.F_NODAD : 0);
            }
        }

        return slave;
    }

    /// <summary>True while other pods' host routes still point at the slave.</summary>
    private bool SlaveInUse(LinkInfo slave, PodNetworkRequest request)
    {
        var own = request.Addresses.Select(a => a.Address).ToHashSet();
        return new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 }
            .SelectMany(f => host.Netlink.ListRoutes(f))
            .Any(r => r.OutputIndex == slave.Index && r.Destination is not null
                && r.DestinationPrefix == Conventions.HostPrefix(r.Destination) && r.Protocol != RouteProtocol.Kernel
                && !own.Contains(r.Destination));
    }
}
