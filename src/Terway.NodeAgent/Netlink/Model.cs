using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Terway.NodeAgent.Netlink;

/// <summary>Route and address scopes (rtnetlink.h rt_scope_t).</summary>
internal static class Scope
{
    public const byte Universe = 0;
    public const byte Site = 200;
    public const byte Link = 253;
    public const byte Host = 254;
    public const byte Nowhere = 255;
}

/// <summary>Route protocols (who installed the route).</summary>
internal static class RouteProtocol
{
    public const byte Unspecified = 0;
    public const byte Kernel = 2;
    public const byte Boot = 3;
    public const byte Static = 4;
}

/// <summary>ipvlan modes (IFLA_IPVLAN_MODE).</summary>
internal enum IpvlanMode : ushort
{
    L2 = 0,
    L3 = 1,
    L3S = 2,
}

/// <summary>macvlan modes (IFLA_MACVLAN_MODE).</summary>
internal enum MacvlanMode : uint
{
    Private = 1,
    Vepa = 2,
    Bridge = 4,
    Passthru = 8,
    Source = 16,
}

/// <summary>A link as the kernel reports it (RTM_NEWLINK).</summary>
internal sealed record LinkInfo
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public uint Flags { get; init; }

    public int Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }

    /// <summary>IFLA_INFO_KIND: "veth", "vlan", "ipvlan", "macvlan", "bridge"; null for physical devices.</summary>
    public string? Kind { get; init; }

    /// <summary>IFLA_LINK: the lower device (vlan/ipvlan/macvlan) or the veth peer, 0 if none.</summary>
    public int ParentIndex { get; init; }

    /// <summary>IFLA_LINK_NETNSID: set when <see cref="ParentIndex"/> lives in another namespace.</summary>
    public int? ParentNetnsId { get; init; }

    public int MasterIndex { get; init; }

    public string? Alias { get; init; }

    public ushort? VlanId { get; init; }

    public IpvlanMode? IpvlanMode { get; init; }

    public MacvlanMode? MacvlanMode { get; init; }

    public bool IsUp => (Flags & Ifla.IFF_UP) != 0;

    public bool IsNoArp => (Flags & Ifla.IFF_NOARP) != 0;
}

/// <summary>What to set on a link; null members are left as they are.</summary>
internal sealed record LinkChange
{
    public bool? Up { get; init; }

    public int? Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }

    public string? Name { get; init; }

    /// <summary>An empty string removes the alias.</summary>
    public string? Alias { get; init; }

    public int? MasterIndex { get; init; }

    public bool? NoArp { get; init; }

    /// <summary>Moves the link into this namespace (IFLA_NET_NS_FD).</summary>
    public int? NamespaceFd { get; init; }

    /// <summary>Moves the link into the namespace of this process (IFLA_NET_NS_PID).</summary>
    public int? NamespacePid { get; init; }
}

/// <summary>Options for one end of a new link.</summary>
internal sealed record NewLinkOptions
{
    public int? Mtu { get; init; }

    public PhysicalAddress? Mac { get; init; }

    public bool Up { get; init; }

    public bool NoArp { get; init; }

    /// <summary>Create the link directly in this namespace (IFLA_NET_NS_FD).</summary>
    public int? NamespaceFd { get; init; }

    /// <summary>Create the link directly in the namespace of this process (IFLA_NET_NS_PID).</summary>
    public int? NamespacePid { get; init; }

    public static NewLinkOptions Default { get; } = new();
}

/// <summary>An interface address (RTM_NEWADDR).</summary>
internal sealed record AddressInfo
{
    public required int Index { get; init; }

    public required IPAddress Address { get; init; }

    public required int PrefixLength { get; init; }

    public byte Scope { get; init; }

    public uint Flags { get; init; }

    public AddressFamily Family => Address.AddressFamily;

    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>A route, used both to ask for one and as the kernel reports it.</summary>
internal sealed record RouteInfo
{
    /// <summary>Null with prefix 0 is the default route.</summary>
    public IPAddress? Destination { get; init; }

    public int DestinationPrefix { get; init; }

    public IPAddress? Gateway { get; init; }

    public int OutputIndex { get; init; }

    public uint Table { get; init; } = Rta.RT_TABLE_MAIN;

    public byte Scope { get; init; } = Netlink.Scope.Universe;

    public byte Protocol { get; init; } = RouteProtocol.Boot;

    public byte Type { get; init; } = Rta.RTN_UNICAST;

    public bool OnLink { get; init; }

    public uint? Metric { get; init; }

    public IPAddress? PreferredSource { get; init; }

    /// <summary>The family, from destination or gateway; explicit for a default route without gateway.</summary>
    public AddressFamily Family { get; init; } = AddressFamily.Unspecified;

    public AddressFamily ResolvedFamily =>
        Family != AddressFamily.Unspecified ? Family
        : Destination?.AddressFamily ?? Gateway?.AddressFamily
            ?? throw new InvalidOperationException("route family cannot be inferred: set Destination, Gateway or Family");

    public bool IsDefault => DestinationPrefix == 0;

    public override string ToString() =>
        $"{(IsDefault ? "default" : $"{Destination}/{DestinationPrefix}")}{(Gateway is null ? "" : $" via {Gateway}")}" +
        $" dev#{OutputIndex} table {Table}{(OnLink ? " onlink" : "")}{(Metric is { } m ? $" metric {m}" : "")}";
}

/// <summary>A policy routing rule, used both to ask for one and as the kernel reports it.</summary>
internal sealed record RuleInfo
{
    public required AddressFamily Family { get; init; }

    public uint Priority { get; init; }

    public uint Table { get; init; }

    public IPAddress? Source { get; init; }

    public int SourcePrefix { get; init; }

    public IPAddress? Destination { get; init; }

    public int DestinationPrefix { get; init; }

    public string? InputInterface { get; init; }

    public string? OutputInterface { get; init; }

    public byte Action { get; init; } = Fra.FR_ACT_TO_TBL;

    public override string ToString() =>
        $"{Priority}: from {(Source is null ? "all" : $"{Source}/{SourcePrefix}")}" +
        $"{(Destination is null ? "" : $" to {Destination}/{DestinationPrefix}")}" +
        $"{(InputInterface is null ? "" : $" iif {InputInterface}")}{(OutputInterface is null ? "" : $" oif {OutputInterface}")}" +
        $" lookup {Table}";
}

/// <summary>A neighbour (ARP/NDP) entry.</summary>
internal sealed record NeighbourInfo
{
    public required int Index { get; init; }

    public required IPAddress Address { get; init; }

    public PhysicalAddress? Mac { get; init; }

    public ushort State { get; init; }

    public bool IsPermanent => (State & Nda.NUD_PERMANENT) != 0;
}
