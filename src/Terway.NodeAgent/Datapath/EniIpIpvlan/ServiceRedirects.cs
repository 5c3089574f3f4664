using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Datapath.EniIpIpvlan;

/// <summary>
/// Pods on ipvlan children leave through the ENI and would never reach the host stack, where
/// kube-proxy and node-local DNS live. So the ENI's clsact egress hook carries u32 filters
/// (priority 40000 for IPv4, 40001 for IPv6) that match the Service CIDRs and host_stack_cidrs
/// by destination and redirect those packets to the ingress of the ipvlan host slave. The set is
/// per ENI and reconciled as a whole: missing matches are added, stale ones removed.
/// </summary>
internal static class ServiceRedirects
{
    public static ushort Priority(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? Conventions.IpvlanRedirectPriorityV4 : Conventions.IpvlanRedirectPriorityV6;

    public static ushort Protocol(AddressFamily family) =>
        family == AddressFamily.InterNetwork ? EtherType.IPv4 : EtherType.IPv6;

    /// <summary>u32 keys matching a destination CIDR, offsets relative to the network header.</summary>
    public static IReadOnlyList<U32Key> DestinationKeys(IPNetwork cidr)
    {
        var bytes = cidr.BaseAddress.GetAddressBytes();
        var baseOffset = bytes.Length == 4 ? 16 : 24;
        var keys = new List<U32Key>();
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            var bitsInWord = Math.Clamp(cidr.PrefixLength - (32 * word), 0, 32);
            if (bitsInWord == 0 && word > 0)
            {
                break;
            }

            var mask = bitsInWord == 0 ? 0u : uint.MaxValue << (32 - bitsInWord);
            var value = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(word * 4)) & mask;
            keys.Add(new U32Key(mask, value, baseOffset + (4 * word)));
        }

        return keys;
    }

    public static IReadOnlyList<IPNetwork> Desired(PodNetworkRequest request, AddressFamily family) =>
        request.ServiceCidrs.Concat(request.HostStackCidrs).Where(c => c.BaseAddress.AddressFamily == family).Distinct().ToList();

    public static void Reconcile(RtNetlink nl, LinkInfo eni, LinkInfo slave, PodNetworkRequest request)
    {
        nl.Tc.EnsureClsact(eni.Index);
        var existing = nl.Tc.ListFilters(eni.Index, TcDirection.Egress);
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            var priority = Priority(family);
            var want = Desired(request, family).Select(DestinationKeys).ToList();
            var have = existing.Where(f => f.Kind == "u32" && f.Priority == priority).ToList();
            foreach (var filter in have)
            {
                var current = filter.Mirred?.TargetIndex == slave.Index && filter.Mirred.Direction == Tca.TCA_INGRESS_REDIR;
                if (!current || !want.Any(k => k.SequenceEqual(filter.U32Keys)))
                {
                    nl.Tc.DeleteFilter(eni.Index, TcDirection.Egress, priority, filter.Protocol, filter.Handle, "u32");
                }
            }

            foreach (var keys in want)
            {
                if (!have.Any(f => f.Mirred?.TargetIndex == slave.Index && f.U32Keys.SequenceEqual(keys)))
                {
                    nl.Tc.AddU32Filter(eni.Index, TcDirection.Egress, priority, Protocol(family), keys, MirredAction.IngressRedirect(slave.Index));
                }
            }
        }
    }

    public static void Check(RtNetlink nl, LinkInfo eni, LinkInfo slave, PodNetworkRequest request, DriftReport drift)
    {
        if (!drift.Clsact(DriftScope.Host, nl, eni))
        {
            return;
        }

        var existing = nl.Tc.ListFilters(eni.Index, TcDirection.Egress);
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            foreach (var cidr in Desired(request, family))
            {
                var keys = DestinationKeys(cidr);
                if (!existing.Any(f => f.Kind == "u32" && f.Priority == Priority(family) && f.Mirred?.TargetIndex == slave.Index && f.U32Keys.SequenceEqual(keys)))
                {
                    drift.Add(DriftScope.Host, DriftKind.FilterMissing, $"egress u32 prio {Priority(family)} dst {cidr} dev {eni.Name}", $"want redirect to {slave.Name}");
                }
            }
        }
    }

    /// <summary>Removes the redirects (and clsact, if nothing else uses it) from the ENI.</summary>
    public static void Remove(RtNetlink nl, LinkInfo eni)
    {
        nl.Tc.DeletePriority(eni.Index, TcDirection.Egress, Conventions.IpvlanRedirectPriorityV4, EtherType.IPv4);
        nl.Tc.DeletePriority(eni.Index, TcDirection.Egress, Conventions.IpvlanRedirectPriorityV6, EtherType.IPv6);
        if (nl.Tc.ListFilters(eni.Index, TcDirection.Egress).Count == 0 && nl.Tc.ListFilters(eni.Index, TcDirection.Ingress).Count == 0)
        {
            nl.Tc.DeleteClsact(eni.Index);
        }
    }
}
