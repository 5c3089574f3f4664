using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Datapath.Trunk;

/// <summary>
/// The per-pod cls_bpf filters on the trunk ENI. Egress: one program per address family at
/// Terway's priorities (50001 IPv4, 50002 IPv6) that tags the pod's frames by source IP.
/// Ingress: one program at priority 20000 (all protocols) that pops the pod's VLAN and drops
/// frames for the pod that arrive untagged or with another VLAN. The filter handle is the VLAN
/// id and the name records VLAN and addresses, so setup can tell an up-to-date filter from a
/// stale one without reloading, and teardown needs nothing but the request.
/// </summary>
internal static class TrunkFilters
{
    public static string EgressName(ushort vlanId, IPAddress address) => $"terway-vlan-push-{vlanId}-{address}";

    public static string IngressName(ushort vlanId, IEnumerable<IPAddress> addresses) =>
        $"terway-vlan-pop-{vlanId}-{string.Join(",", addresses)}";

    public static ushort EgressPriority(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? Conventions.TrunkEgressPriorityV4 : Conventions.TrunkEgressPriorityV6;

    public static ushort EgressProtocol(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? EtherType.IPv4 : EtherType.IPv6;

    public static void Ensure(RtNetlink nl, LinkInfo trunk, ushort vlanId, IReadOnlyList<IPAddress> addresses)
    {
        nl.Tc.EnsureClsact(trunk.Index);
        var egress = nl.Tc.ListFilters(trunk.Index, TcDirection.Egress);
        foreach (var address in addresses)
        {
            var priority = EgressPriority(address.AddressFamily);
            var name = EgressName(vlanId, address);
            if (!egress.Any(f => f.Priority == priority && f.Handle == vlanId && f.BpfName == name))
            {
                using var program = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.EgressPushVlan(address, vlanId), "terway_vlanpush");
                nl.Tc.ReplaceBpfFilter(trunk.Index, TcDirection.Egress, priority, EgressProtocol(address.AddressFamily), vlanId, program.Fd, name);
            }
        }

        var ingressName = IngressName(vlanId, addresses);
        var ingress = nl.Tc.ListFilters(trunk.Index, TcDirection.Ingress);
        if (!ingress.Any(f => f.Priority == Conventions.TrunkIngressPriority && f.Handle == vlanId && f.BpfName == ingressName))
        {
            using var program = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.IngressPopVlan(addresses, vlanId), "terway_vlanpop");
            nl.Tc.ReplaceBpfFilter(trunk.Index, TcDirection.Ingress, Conventions.TrunkIngressPriority, EtherType.All, vlanId, program.Fd, ingressName);
        }
    }

    public static void Remove(RtNetlink nl, LinkInfo trunk, ushort vlanId)
    {
        nl.Tc.DeleteFilter(trunk.Index, TcDirection.Egress, Conventions.TrunkEgressPriorityV4, EtherType.IPv4, vlanId, "bpf");
        nl.Tc.DeleteFilter(trunk.Index, TcDirection.Egress, Conventions.TrunkEgressPriorityV6, EtherType.IPv6, vlanId, "bpf");
        nl.Tc.DeleteFilter(trunk.Index, TcDirection.Ingress, Conventions.TrunkIngressPriority, EtherType.All, vlanId, "bpf");
    }

    public static void Check(RtNetlink nl, LinkInfo trunk, ushort vlanId, IReadOnlyList<IPAddress> addresses, DriftReport drift)
    {
        if (!drift.Clsact(DriftScope.Host, nl, trunk))
        {
            return;
        }

        var egress = nl.Tc.ListFilters(trunk.Index, TcDirection.Egress);
        foreach (var address in addresses)
        {
            var priority = EgressPriority(address.AddressFamily);
            var name = EgressName(vlanId, address);
            if (!egress.Any(f => f.Priority == priority && f.Handle == vlanId && f.BpfName == name && (f.BpfFlags & Tca.TCA_BPF_FLAG_ACT_DIRECT) != 0))
            {
                drift.Add(DriftScope.Host, DriftKind.FilterMissing, $"egress bpf prio {priority} handle {vlanId} dev {trunk.Name}", $"want {name}");
            }
        }

        var ingressName = IngressName(vlanId, addresses);
        if (!nl.Tc.ListFilters(trunk.Index, TcDirection.Ingress).Any(f => f.Priority == Conventions.TrunkIngressPriority && f.Handle == vlanId && f.BpfName == ingressName))
        {
            drift.Add(DriftScope.Host, DriftKind.FilterMissing, $"ingress bpf prio {Conventions.TrunkIngressPriority} handle {vlanId} dev {trunk.Name}", $"want {ingressName}");
        }
    }

    /// <summary>True when any pod filter remains on the trunk's clsact hooks.</summary>
    public static bool AnyPodFilters(RtNetlink nl, LinkInfo trunk) =>
        nl.Tc.ListFilters(trunk.Index, TcDirection.Egress).Any(f => f.Priority is Conventions.TrunkEgressPriorityV4 or Conventions.TrunkEgressPriorityV6)
        || nl.Tc.ListFilters(trunk.Index, TcDirection.Ingress).Any(f => f.Priority == Conventions.TrunkIngressPriority);

    /// <summary>True when the trunk's clsact has no filters at all (so it can go).</summary>
    public static bool NoFilters(RtNetlink nl, LinkInfo trunk) =>
        nl.Tc.ListFilters(trunk.Index, TcDirection.Egress).Count == 0 && nl.Tc.ListFilters(trunk.Index, TcDirection.Ingress).Count == 0;
}
