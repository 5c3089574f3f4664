using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;
using Terway.NodeAgent.Tc;

namespace Terway.Sandbox.Fabric;

/// <summary>
/// Everything a datapath could leave behind in a namespace, as comparable text lines: links,
/// addresses, routes of every table, rules, permanent neighbours, qdiscs and tc filters.
/// Kernel-generated IPv6 link-local state is left out (it is recreated whenever a link comes up).
/// Indexes are replaced by link names, so a link moved away and back compares equal.
/// </summary>
public static class NamespaceSnapshot
{
    /// <summary>Captures the namespace at <paramref name="netnsPath"/>.</summary>
    public static async Task<SortedSet<string>> CaptureAsync(string netnsPath)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        using var nl = await ns.OpenNetlinkAsync();
        return Capture(nl);
    }

    internal static SortedSet<string> Capture(RtNetlink nl)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        var links = nl.ListLinks();
        var names = links.ToDictionary(l => l.Index, l => l.Name);
        string Name(int index) => index == 0 ? "-" : names.TryGetValue(index, out var n) ? n : $"#{index}";

        foreach (var l in links)
        {
            lines.Add($"link {l.Name} kind={l.Kind} up={l.IsUp} noarp={l.IsNoArp} mtu={l.Mtu} mac={l.Mac} master={Name(l.MasterIndex)} alias={l.Alias}");
        }

        foreach (var a in nl.ListAddresses())
        {
            if (!IsLinkLocal6(a.Address))
            {
                lines.Add($"addr {Name(a.Index)} {a.Address}/{a.PrefixLength} scope {a.Scope}");
            }
        }

        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            foreach (var r in nl.ListRoutes(family, 0))
            {
                if (family == AddressFamily.InterNetworkV6 && r.Destination is not null && (IsLinkLocal6(r.Destination) || r.Destination.IsIPv6Multicast))
                {
                    continue;
                }

                lines.Add($"route table {r.Table} {(r.IsDefault ? "default" : $"{r.Destination}/{r.DestinationPrefix}")} via {r.Gateway} dev {Name(r.OutputIndex)} scope {r.Scope} proto {r.Protocol} type {r.Type} onlink {r.OnLink} src {r.PreferredSource}");
            }

            foreach (var rule in nl.ListRules(family))
            {
                lines.Add($"rule {family} {rule}");
            }
        }

        foreach (var n in nl.ListNeighbours())
        {
            if (n.IsPermanent)
            {
                lines.Add($"neigh {Name(n.Index)} {n.Address} {n.Mac}");
            }
        }

        foreach (var q in nl.Tc.ListQdiscs())
        {
            lines.Add($"qdisc {Name(q.Index)} {q.Kind} parent {q.Parent:x}");
            if (q.Kind == "clsact")
            {
                foreach (var direction in new[] { TcDirection.Ingress, TcDirection.Egress })
                {
                    foreach (var f in nl.Tc.ListFilters(q.Index, direction))
                    {
                        lines.Add($"filter {Name(q.Index)} {direction} {f.Kind} prio {f.Priority} proto {f.Protocol:x} handle {f.Handle:x} name {f.BpfName} keys {string.Join(",", f.U32Keys)} mirred {f.Mirred?.Direction}:{(f.Mirred is null ? "" : Name(f.Mirred.TargetIndex))}");
                    }
                }
            }
        }

        return lines;
    }

    /// <summary>Lines in one snapshot and not the other, prefixed "+" (only after) or "-" (only before).</summary>
    public static IReadOnlyList<string> Diff(SortedSet<string> before, SortedSet<string> after) =>
        after.Except(before).Select(l => "+ " + l).Concat(before.Except(after).Select(l => "- " + l)).ToList();

    private static bool IsLinkLocal6(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6LinkLocal;
}
