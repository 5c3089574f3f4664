namespace Terway.NodeAgent.Datapath;

/// <summary>Where a piece of drift was found.</summary>
public enum DriftScope
{
    /// <summary>The node's (host) network namespace.</summary>
    Host,

    /// <summary>The pod's network namespace.</summary>
    Pod,
}

/// <summary>What kind of drift.</summary>
public enum DriftKind
{
    /// <summary>The pod's network namespace does not exist.</summary>
    NamespaceMissing,

    /// <summary>An interface is missing.</summary>
    LinkMissing,

    /// <summary>An interface exists but is not the one setup made (wrong kind, peer, MAC or VLAN).</summary>
    LinkMismatch,

    /// <summary>An interface is down.</summary>
    LinkDown,

    /// <summary>An interface has the wrong MTU.</summary>
    MtuMismatch,

    /// <summary>An address is missing.</summary>
    AddressMissing,

    /// <summary>A route is missing or differs.</summary>
    RouteMissing,

    /// <summary>A policy routing rule is missing.</summary>
    RuleMissing,

    /// <summary>A permanent neighbour entry is missing or differs.</summary>
    NeighbourMissing,

    /// <summary>A qdisc is missing.</summary>
    QdiscMissing,

    /// <summary>A tc filter is missing or differs.</summary>
    FilterMissing,

    /// <summary>The ENI (or trunk ENI) the pod rides on was not found on the node.</summary>
    EniMissing,
}

/// <summary>One difference between what setup builds and what the kernel has.</summary>
/// <param name="Scope">Host or pod namespace.</param>
/// <param name="Kind">The kind of drift.</param>
/// <param name="Subject">The object, e.g. "rule from 10.0.0.5 lookup 1003 prio 2048".</param>
/// <param name="Detail">What is wrong, e.g. "mtu 1400, want 1500".</param>
public sealed record DatapathDrift(DriftScope Scope, DriftKind Kind, string Subject, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => $"{Scope} {Kind}: {Subject}: {Detail}";
}
