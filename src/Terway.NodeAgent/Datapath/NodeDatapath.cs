using System.Collections.Concurrent;
using Terway.NodeAgent.Datapath.EniIpIpvlan;
using Terway.NodeAgent.Datapath.EniIpVeth;
using Terway.NodeAgent.Datapath.ExclusiveEni;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Datapath.Trunk;
using Terway.NodeAgent.Datapath.Vpc;
using Terway.NodeAgent.Kernel;

namespace Terway.NodeAgent.Datapath;

/// <summary>
/// The node's datapath: opens the node's network namespace once (a netlink socket bound to it),
/// probes the kernel once, and hands out one <see cref="IPodDatapath"/> per mode. Thread-safe;
/// pods may be wired concurrently.
/// </summary>
/// <example>
/// <code>
/// using var node = await NodeDatapath.OpenAsync(new DatapathOptions());
/// var datapath = node.For(DatapathMode.EniIpVeth);
/// var result = await datapath.SetupAsync(request);   // CNI ADD
/// var drift = await datapath.CheckAsync(request);    // CNI CHECK
/// await datapath.TeardownAsync(request);             // CNI DEL
/// </code>
/// </example>
public sealed class NodeDatapath : IDisposable
{
    private readonly HostContext _host;
    private readonly ConcurrentDictionary<DatapathMode, IPodDatapath> _byMode = new();

    private NodeDatapath(HostContext host) => _host = host;

    /// <summary>What the running kernel can build.</summary>
    public KernelFeatureReport Kernel => _host.Kernel;

    /// <summary>Probes the kernel (once per process) and opens the node namespace.</summary>
    public static async Task<NodeDatapath> OpenAsync(DatapathOptions? options = null)
    {
        var kernel = await KernelProbe.GetAsync();
        return new NodeDatapath(await HostContext.OpenAsync(options ?? new DatapathOptions(), kernel));
    }

    /// <summary>The kernel features running <paramref name="mode"/> needs.</summary>
    public static IReadOnlyList<KernelFeature> RequiredFeatures(DatapathMode mode) => mode switch
    {
        DatapathMode.Vpc => VpcDatapath.Requires,
        DatapathMode.ExclusiveEni => ExclusiveEniDatapath.Requires,
        DatapathMode.EniIpVeth => EniIpVethDatapath.Requires,
        DatapathMode.EniIpIpvlan => EniIpIpvlanDatapath.Requires,
        DatapathMode.TrunkVlan => TrunkVlanDatapath.Requires,
        DatapathMode.TrunkTc => TrunkTcDatapath.Requires,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>Features <paramref name="mode"/> needs that this kernel lacks (empty when it can be built).</summary>
    public IReadOnlyList<KernelFeature> MissingFeatures(DatapathMode mode) => Kernel.Missing(RequiredFeatures(mode));

    /// <summary>
    /// Sets the node-wide kernel parameters every mode's setup needs (IPv4 forwarding, reverse-path
    /// filtering off, and IPv6 forwarding when <paramref name="ipv6"/>), once; the agent calls this at
    /// start so the first pod does not pay for it.
    /// </summary>
    public Task ConfigureHostAsync(bool ipv6) => _host.EnsureForwardingAsync(ipv4: true, ipv6);

    /// <summary>True when a link with <paramref name="mac"/> (not a child such as ipvlan or vlan) is on the node.</summary>
    public bool HasEni(System.Net.NetworkInformation.PhysicalAddress mac) => _host.TryFindEni(mac) is not null;

    /// <summary>The datapath for <paramref name="mode"/>.</summary>
    public IPodDatapath For(DatapathMode mode) => _byMode.GetOrAdd(mode, Create);

    /// <summary>The ipvlan datapath built on macvlan children, so kernels without ipvlan can exercise it in tests.</summary>
    internal IPodDatapath IpvlanMacvlanStandIn() => new EniIpIpvlanDatapath(_host, VirtualChildKind.MacvlanStandIn);

    /// <inheritdoc />
    public void Dispose() => _host.Dispose();

    private IPodDatapath Create(DatapathMode mode) => mode switch
    {
        DatapathMode.Vpc => new VpcDatapath(_host),
        DatapathMode.ExclusiveEni => new ExclusiveEniDatapath(_host),
        DatapathMode.EniIpVeth => new EniIpVethDatapath(_host),
        DatapathMode.EniIpIpvlan => new EniIpIpvlanDatapath(_host),
        DatapathMode.TrunkVlan => new TrunkVlanDatapath(_host),
        DatapathMode.TrunkTc => new TrunkTcDatapath(_host),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
