using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>
/// Terway's policy routing for pods behind an ENI: rule "to pod → main" (priority 512), rule
/// "from pod → table 1000+ENI ifindex" (priority 2048), and in that table a default route via
/// the vSwitch gateway through the ENI. The table is shared by the ENI's pods and released
/// when the last rule pointing at it goes.
/// </summary>
internal static class PolicyRouting
{
    public static RuleInfo ToPodRule(IPAddress pod) => new()
    {
        Family = pod.AddressFamily,
        Priority = Conventions.RulePriorityToPod,
        Table = Rta.RT_TABLE_MAIN,
        Destination = pod,
        DestinationPrefix = Conventions.HostPrefix(pod),
    };

    public static RuleInfo FromPodRule(IPAddress pod, uint table) => new()
    {
        Family = pod.AddressFamily,
        Priority = Conventions.RulePriorityFromPod,
        Table = table,
        Source = pod,
        SourcePrefix = Conventions.HostPrefix(pod),
    };

    /// <summary>
    /// The default route of the per-ENI table. IPv4 uses "onlink"; the kernel validates an IPv6
    /// onlink gateway against the main table, where the vSwitch prefix is routed through the
    /// primary ENI, so IPv6 instead gets a host route to the gateway in the same table
    /// (<see cref="TableGatewayRoute"/>) and a plain "via".
    /// </summary>
    public static RouteInfo TableDefaultRoute(AddressFamily family, IPAddress gateway, int eniIndex, uint table) => new()
    {
        Family = family,
        Gateway = gateway,
        OutputIndex = eniIndex,
        Table = table,
        OnLink = family == AddressFamily.InterNetwork,
    };

    public static RouteInfo TableGatewayRoute(IPAddress gateway, int eniIndex, uint table) => new()
    {
        Destination = gateway,
        DestinationPrefix = Conventions.HostPrefix(gateway),
        OutputIndex = eniIndex,
        Table = table,
        Scope = Scope.Link,
    };

    /// <summary>The per-ENI table's default route(s) for the families the pod uses.</summary>
    public static void EnsureTable(HostContext host, PodNetworkRequest request, LinkInfo eni, uint table)
    {
        foreach (var ip in request.Addresses)
        {
            var gateway = RequireGateway(request, ip);
            if (gateway.AddressFamily == AddressFamily.InterNetworkV6)
            {
                host.Netlink.ReplaceRoute(TableGatewayRoute(gateway, eni.Index, table));
            }

            host.Netlink.ReplaceRoute(TableDefaultRoute(ip.Address.AddressFamily, gateway, eni.Index, table));
        }
    }

    public static void EnsureRules(HostContext host, PodNetworkRequest request, uint table)
    {
        foreach (var ip in request.Addresses)
        {
            host.Netlink.AddRule(ToPodRule(ip.Address));
            host.Netlink.AddRule(FromPodRule(ip.Address, table));
        }
    }

    /// <summary>Removes the pod's rules; without a table (ENI gone) the from-rule matches any table.</summary>
    public static void RemoveRules(HostContext host, PodNetworkRequest request)
    {
        foreach (var ip in request.Addresses)
        {
            host.Netlink.DeleteRuleAll(ToPodRule(ip.Address));
            host.Netlink.DeleteRuleAll(FromPodRule(ip.Address, 0));
        }
    }

    /// <summary>True when some rule still sends traffic to <paramref name="table"/>.</summary>
    public static bool TableInUse(HostContext host, uint table) =>
        host.Netlink.ListRules(AddressFamily.InterNetwork).Any(r => r.Table == table)
        || host.Netlink.ListRules(AddressFamily.InterNetworkV6).Any(r => r.Table == table);

    /// <summary>Deletes every route of <paramref name="table"/> (both families).</summary>
    public static int FlushTable(HostContext host, uint table)
    {
        var deleted = 0;
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            foreach (var route in host.Netlink.ListRoutes(family, table))
            {
                if (host.Netlink.DeleteRoute(route))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }

    public static void Check(HostContext host, PodNetworkRequest request, LinkInfo? eni, uint? table, DriftReport drift, bool checkTableGateway = true)
    {
        foreach (var family in request.Addresses.Select(a => a.Address.AddressFamily).Distinct())
        {
            var rules = host.Netlink.ListRules(family);
            foreach (var ip in request.Addresses.Where(a => a.Address.AddressFamily == family))
            {
                drift.Rule(DriftScope.Host, rules, ToPodRule(ip.Address));
                if (table is { } t)
                {
                    drift.Rule(DriftScope.Host, rules, FromPodRule(ip.Address, t));
                }
            }

            if (eni is not null && table is { } tableId)
            {
                var routes = host.Netlink.ListRoutes(family, tableId);
                var ip = request.Addresses.First(a => a.Address.AddressFamily == family);
                if (checkTableGateway)
                {
                    drift.Route(DriftScope.Host, routes, TableDefaultRoute(family, RequireGateway(request, ip), eni.Index, tableId), eni.Name);
                }
                else if (!routes.Any(r => r.IsDefault && r.OutputIndex == eni.Index))
                {
                    drift.Add(DriftScope.Host, DriftKind.RouteMissing, $"default dev {eni.Name} table {tableId}", "not in the routing table");
                }
            }
        }
    }

    public static IPAddress RequireGateway(PodNetworkRequest request, PodIPConfig ip) =>
        ip.Gateway ?? throw new DatapathRequestException($"pod {request.PodKey}: {ip.Address} needs the vSwitch gateway");
}
