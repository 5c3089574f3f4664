using System.Net;
using System.Net.NetworkInformation;

namespace Terway.NodeAgent.Datapath;

/// <summary>
/// What setup built, in the shape a CNI result needs: the container interface (with its
/// sandbox), the host-side interface (sandbox empty), the addresses as configured in the pod
/// and the pod's routes.
/// </summary>
public sealed record PodInterfaceResult
{
    /// <summary>The mode that built it.</summary>
    public required DatapathMode Mode { get; init; }

    /// <summary>The interface inside the pod (CNI_IFNAME).</summary>
    public required PodInterface Container { get; init; }

    /// <summary>The host-side interface (host veth, ipvlan host slave), if the mode has one.</summary>
    public PodInterface? Host { get; init; }

    /// <summary>Addresses on <see cref="Container"/>, with the gateway the pod's default route uses.</summary>
    public IReadOnlyList<PodIPResult> IPs { get; init; } = [];

    /// <summary>Routes in the pod.</summary>
    public IReadOnlyList<PodRoute> Routes { get; init; } = [];

    /// <summary>Container first, then the host side: the order of a CNI result's interfaces list.</summary>
    public IReadOnlyList<PodInterface> Interfaces => Host is null ? [Container] : [Container, Host];
}

/// <summary>A network interface in a CNI result.</summary>
/// <param name="Name">Interface name.</param>
/// <param name="Mac">Hardware address.</param>
/// <param name="Mtu">MTU.</param>
/// <param name="Sandbox">The pod's netns path for the container interface; null for host-side interfaces.</param>
public sealed record PodInterface(string Name, PhysicalAddress Mac, int Mtu, string? Sandbox)
{
    /// <summary>The MAC as CNI prints it: "aa:bb:cc:dd:ee:ff".</summary>
    public string MacString => string.Join(':', Mac.GetAddressBytes().Select(b => b.ToString("x2")));
}

/// <summary>A pod address as configured.</summary>
/// <param name="Address">The IP.</param>
/// <param name="PrefixLength">Prefix length on the interface (32/128 for veth and ipvlan modes).</param>
/// <param name="Gateway">The next hop of the pod's default route.</param>
public sealed record PodIPResult(IPAddress Address, int PrefixLength, IPAddress? Gateway);

/// <summary>A route in the pod.</summary>
/// <param name="Destination">Destination network (0.0.0.0/0 for the default route).</param>
/// <param name="Gateway">Next hop, if any.</param>
public sealed record PodRoute(IPNetwork Destination, IPAddress? Gateway);
