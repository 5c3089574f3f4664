using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>Collects drift while a check walks the expected state.</summary>
internal sealed class DriftReport
{
    private readonly List<DatapathDrift> _items = [];

    public IReadOnlyList<DatapathDrift> Items => _items;

    public void Add(DriftScope scope, DriftKind kind, string subject, string detail) =>
        _items.Add(new DatapathDrift(scope, kind, subject, detail));

    /// <summary>Reports a pod namespace that could not be opened; returns whether it is there.</summary>
    public bool PodNamespace([NotNullWhen(true)] PodNamespace? pod, PodNetworkRequest request)
    {
        if (pod is null)
        {
            Add(DriftScope.Pod, DriftKind.NamespaceMissing, request.NetnsPath ?? "(none)", "pod network namespace not found");
        }

        return pod is not null;
    }

    /// <summary>Reports a missing ENI, or checks it is up at the pod MTU; returns whether it was found.</summary>
    public bool Eni([NotNullWhen(true)] LinkInfo? eni, PodNetworkRequest request)
    {
        if (eni is null)
        {
            Add(DriftScope.Host, DriftKind.EniMissing, request.EniMac is null ? "(no MAC)" : HostContext.Format(request.EniMac), "ENI not found on the node");
            return false;
        }

        Link(DriftScope.Host, eni, eni.Name, request.Mtu);
        return true;
    }

    /// <summary>Reports a missing, down or wrong-MTU link; returns false if it is missing.</summary>
    public bool Link(DriftScope scope, LinkInfo? link, string name, int? mtu)
    {
        if (link is null)
        {
            Add(scope, DriftKind.LinkMissing, name, "not found");
            return false;
        }

        if (!link.IsUp)
        {
            Add(scope, DriftKind.LinkDown, name, "link is down");
        }

        if (mtu is { } want && link.Mtu != want)
        {
            Add(scope, DriftKind.MtuMismatch, name, $"mtu {link.Mtu}, want {want}");
        }

        return true;
    }

    public void Address(DriftScope scope, RtNetlink nl, LinkInfo link, IPAddress address, int prefixLength)
    {
        if (!nl.ListAddresses(link.Index).Any(a => a.Address.Equals(address) && a.PrefixLength == prefixLength))
        {
            Add(scope, DriftKind.AddressMissing, $"{address}/{prefixLength} dev {link.Name}", "not configured");
        }
    }

    public void Route(DriftScope scope, List<RouteInfo> routes, RouteInfo want, string device)
    {
        var found = routes.Any(r =>
            r.Table == want.Table
            && r.DestinationPrefix == want.DestinationPrefix
            && (want.DestinationPrefix == 0 || Equals(r.Destination, want.Destination))
            && Equals(r.Gateway, want.Gateway)
            && (want.OutputIndex == 0 || r.OutputIndex == want.OutputIndex));
        if (!found)
        {
            Add(scope, DriftKind.RouteMissing, Describe(want, device), "not in the routing table");
        }
    }

    public void Neighbour(DriftScope scope, RtNetlink nl, LinkInfo link, IPAddress address, PhysicalAddress? mac)
    {
        var entry = nl.ListNeighbours(link.Index).FirstOrDefault(n => n.Address.Equals(address));
        if (entry is null || !entry.IsPermanent || (mac is not null && !mac.Equals(entry.Mac)))
        {
            var have = entry is null ? "missing" : $"lladdr {entry.Mac} state 0x{entry.State:x}";
            Add(scope, DriftKind.NeighbourMissing, $"{address} dev {link.Name}", $"{have}, want permanent lladdr {(mac is null ? "any" : HostContext.Format(mac))}");
        }
    }

    public void Rule(DriftScope scope, List<RuleInfo> rules, RuleInfo want)
    {
        var found = rules.Any(r =>
            r.Priority == want.Priority && r.Table == want.Table
            && Equals(r.Source, want.Source) && (want.Source is null || r.SourcePrefix == want.SourcePrefix)
            && Equals(r.Destination, want.Destination) && (want.Destination is null || r.DestinationPrefix == want.DestinationPrefix));
        if (!found)
        {
            Add(scope, DriftKind.RuleMissing, want.ToString(), "not in the rule list");
        }
    }

    public bool Clsact(DriftScope scope, RtNetlink nl, LinkInfo link)
    {
        if (nl.Tc.ListQdiscs(link.Index).Any(q => q.Kind == "clsact"))
        {
            return true;
        }

        Add(scope, DriftKind.QdiscMissing, $"clsact dev {link.Name}", "not attached");
        return false;
    }

    public static string Describe(RouteInfo route, string device) =>
        $"{(route.IsDefault ? "default" : $"{route.Destination}/{route.DestinationPrefix}")}{(route.Gateway is null ? "" : $" via {route.Gateway}")} dev {device}{(route.Table == Rta.RT_TABLE_MAIN ? "" : $" table {route.Table}")}";

    public static string Describe(TcFilterInfo filter) => $"{filter.Kind} prio {filter.Priority} handle 0x{filter.Handle:x}";
}
