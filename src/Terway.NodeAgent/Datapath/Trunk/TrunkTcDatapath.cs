using System.Net.Sockets;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Kernel;

namespace Terway.NodeAgent.Datapath.Trunk;

/// <summary>
/// Trunk, tc variant (Terway's vlan_strip_type=filter): the pod sits on a veth with policy
/// routing exactly like ENIIP-veth, but its "ENI" is the trunk ENI and its gateway the member
/// ENI's vSwitch gateway (a permanent neighbour with the VPC gateway MAC ee:ff:ff:ff:ff:ff on
/// the trunk). Per-pod cls_bpf programs on the trunk tag the pod's frames with its member
/// VLAN on egress and accept only that VLAN for the pod on ingress (see <see cref="TrunkFilters"/>).
/// </summary>
internal sealed class TrunkTcDatapath(HostContext host) : IPodDatapath
{
    public static readonly KernelFeature[] Requires =
        [KernelFeature.Veth, KernelFeature.Clsact, KernelFeature.BpfSyscall, KernelFeature.BpfVlanHelpers, KernelFeature.ClsBpf];

    public DatapathMode Mode => DatapathMode.TrunkTc;

    public Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "setup", request, async () =>
        {
            host.RequireFeatures(Mode, Requires);
            RequestChecks.Addresses(request);
            RequestChecks.Gateways(request);
            var mac = RequestChecks.EniMac(request);
            var vlanId = RequestChecks.VlanId(request);
            await host.EnsureForwardingAsync(RequestChecks.HasV4(request), RequestChecks.HasV6(request));
            var trunk = await host.FindEniAsync(mac, cancellationToken);
            await host.EnsureRpFilterOffAsync(trunk);
            var table = Conventions.RouteTable(trunk.Index);
            using var pod = await PodNamespace.OpenAsync(request);
            cancellationToken.ThrowIfCancellationRequested();

            var (hostLink, podLink) = PodVethWiring.Setup(host, pod, request);
            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                trunk = RequestChecks.EnsureUp(host, trunk, request.Mtu);
                foreach (var ip in request.Addresses)
                {
                    host.Netlink.ReplacePermanentNeighbour(trunk.Index, ip.Gateway!, Conventions.VpcGatewayMac);
                }

                PolicyRouting.EnsureTable(host, request, trunk, table);
                TrunkFilters.Ensure(host.Netlink, trunk, vlanId, request.Addresses.Select(a => a.Address).ToList());

                // Under the same lock: a concurrent teardown releases the table when no rule points at it.
                PolicyRouting.EnsureRules(host, request, table);
            }
            finally
            {
                host.SharedState.Release();
            }

            return PodVethWiring.Result(Mode, request, hostLink, podLink);
        });

    public Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default) =>
        host.GuardAsync(Mode, "teardown", request, async () =>
        {
            var trunk = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            if (trunk is not null && request.VlanId is { } vlanId)
            {
                await host.SharedState.WaitAsync(cancellationToken);
                try
                {
                    TrunkFilters.Remove(host.Netlink, trunk, vlanId);
                }
                finally
                {
                    host.SharedState.Release();
                }
            }

            PolicyRouting.RemoveRules(host, request);
            PodVethWiring.Teardown(host, request);
            if (trunk is null)
            {
                return true;
            }

            await host.SharedState.WaitAsync(cancellationToken);
            try
            {
                ReleaseTrunkIfUnused(trunk);
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
            using var pod = await PodNamespace.TryOpenAsync(request.NetnsPath);
            drift.PodNamespace(pod, request);

            PodVethWiring.Check(host, pod, request, drift);
            var trunk = request.EniMac is null ? null : host.TryFindEni(request.EniMac);
            if (!drift.Eni(trunk, request))
            {
                return drift.Items;
            }

            // The table's default route is shared by the trunk's pods; any member gateway will do,
            // since every VPC gateway answers with the same MAC and the VLAN tag picks the member.
            PolicyRouting.Check(host, request, trunk, Conventions.RouteTable(trunk.Index), drift, checkTableGateway: false);
            foreach (var ip in request.Addresses.Where(a => a.Gateway is not null))
            {
                drift.Neighbour(DriftScope.Host, host.Netlink, trunk, ip.Gateway!, Conventions.VpcGatewayMac);
            }

            if (request.VlanId is { } vlanId)
            {
                TrunkFilters.Check(host.Netlink, trunk, vlanId, request.Addresses.Select(a => a.Address).ToList(), drift);
            }

            return drift.Items;
        });

    /// <summary>When the trunk's last pod is gone: its table, gateway neighbours and (if empty) clsact.</summary>
    private void ReleaseTrunkIfUnused(Netlink.LinkInfo trunk)
    {
        var table = Conventions.RouteTable(trunk.Index);
        if (TrunkFilters.AnyPodFilters(host.Netlink, trunk) || PolicyRouting.TableInUse(host, table))
        {
            return;
        }

        PolicyRouting.FlushTable(host, table);
        foreach (var neighbour in host.Netlink.ListNeighbours(trunk.Index))
        {
            if (neighbour.IsPermanent && Conventions.VpcGatewayMac.Equals(neighbour.Mac))
            {
                host.Netlink.DeleteNeighbour(trunk.Index, neighbour.Address);
            }
        }

        if (TrunkFilters.NoFilters(host.Netlink, trunk))
        {
            host.Netlink.Tc.DeleteClsact(trunk.Index);
        }

        DatapathLog.TrunkReleased(host.Logger, trunk.Name, table);
    }
}
