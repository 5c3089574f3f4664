using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Kernel;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>
/// The node side shared by every mode: one netlink client bound to the node's namespace, a
/// handle on that namespace (to move links back to it), the kernel feature report, an ENI
/// lookup cache, and the lock that serializes changes to state several pods share (per-ENI
/// tables, clsact filters, the ipvlan host slave).
/// </summary>
internal sealed class HostContext : IDisposable
{
    private static readonly string[] ChildKinds = ["ipvlan", "macvlan", "vlan", "bridge"];

    private readonly bool _isAgentNamespace;
    private readonly ConcurrentDictionary<PhysicalAddress, int> _eniIndexByMac = new();
    private readonly ConcurrentDictionary<int, bool> _rpFilterOff = new();
    private volatile bool _sysctlsV4;
    private volatile bool _sysctlsV6;

    private HostContext(NetworkNamespace ns, RtNetlink netlink, bool isAgentNamespace, KernelFeatureReport kernel, DatapathOptions options)
    {
        Namespace = ns;
        Netlink = netlink;
        _isAgentNamespace = isAgentNamespace;
        Kernel = kernel;
        Options = options;
        Logger = options.LoggerFactory.CreateLogger("Terway.NodeAgent.Datapath");
    }

    public NetworkNamespace Namespace { get; }

    public RtNetlink Netlink { get; }

    public KernelFeatureReport Kernel { get; }

    public DatapathOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Held while changing state that several pods share.</summary>
    public SemaphoreSlim SharedState { get; } = new(1, 1);

    public static async Task<HostContext> OpenAsync(DatapathOptions options, KernelFeatureReport kernel)
    {
        var agentNamespace = options.HostNetnsPath is null;
        var ns = agentNamespace ? NetworkNamespace.OpenProcess() : NetworkNamespace.Open(options.HostNetnsPath!);
        try
        {
            var netlink = agentNamespace ? RtNetlink.Open() : await ns.OpenNetlinkAsync();
            return new HostContext(ns, netlink, agentNamespace, kernel, options);
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> in the node's namespace (inline when that is the agent's own).</summary>
    public Task<T> RunAsync<T>(Func<T> action) =>
        _isAgentNamespace ? Task.FromResult(action()) : Namespace.RunAsync(action);

    /// <summary>Forwarding on and reverse-path filtering off, as Terway's ADD sets them; written once.</summary>
    public async Task EnsureForwardingAsync(bool ipv4, bool ipv6)
    {
        if ((!ipv4 || _sysctlsV4) && (!ipv6 || _sysctlsV6))
        {
            return;
        }

        await RunAsync(() =>
        {
            if (ipv4)
            {
                Sysctl.Sysctl.Ensure(Sysctl.Sysctl.PathOf("net.ipv4.ip_forward", Options.ProcSysRoot), "1");
                Sysctl.Sysctl.Ensure(Sysctl.Sysctl.PathOf("net.ipv4.conf.all.rp_filter", Options.ProcSysRoot), "0");
                Sysctl.Sysctl.Ensure(Sysctl.Sysctl.PathOf("net.ipv4.conf.default.rp_filter", Options.ProcSysRoot), "0");
            }

            if (ipv6)
            {
                Sysctl.Sysctl.Ensure(Sysctl.Sysctl.PathOf("net.ipv6.conf.all.forwarding", Options.ProcSysRoot), "1");
            }

            return true;
        });
        _sysctlsV4 |= ipv4;
        _sysctlsV6 |= ipv6;
    }

    /// <summary>Turns rp_filter off on an interface that existed before the default was changed (an ENI).</summary>
    public async Task EnsureRpFilterOffAsync(LinkInfo link)
    {
        if (_rpFilterOff.ContainsKey(link.Index))
        {
            return;
        }

        await RunAsync(() => Sysctl.Sysctl.Ensure(Sysctl.Sysctl.InterfacePath("ipv4", link.Name, "rp_filter", Options.ProcSysRoot), "0"));
        _rpFilterOff[link.Index] = true;
    }

    /// <summary>The ENI with <paramref name="mac"/>, or null. Children sharing the MAC (ipvlan, vlan) are skipped.</summary>
    public LinkInfo? TryFindEni(PhysicalAddress mac)
    {
        if (_eniIndexByMac.TryGetValue(mac, out var cached))
        {
            var link = Netlink.GetLink(cached);
            if (link is not null && mac.Equals(link.Mac) && !IsChild(link))
            {
                return link;
            }

            _eniIndexByMac.TryRemove(mac, out _);
        }

        var found = Netlink.FindLinksByMac(mac).FirstOrDefault(l => !IsChild(l));
        if (found is not null)
        {
            _eniIndexByMac[mac] = found.Index;
        }

        return found;
    }

    /// <summary>Finds the ENI by MAC, waiting for it to appear (it may still be attaching).</summary>
    public async Task<LinkInfo> FindEniAsync(PhysicalAddress mac, CancellationToken cancellationToken)
    {
        var deadline = Options.TimeProvider.GetTimestamp();
        while (true)
        {
            var link = TryFindEni(mac);
            if (link is not null)
            {
                return link;
            }

            if (Options.TimeProvider.GetElapsedTime(deadline) >= Options.EniWaitTimeout)
            {
                throw new EniNotFoundException($"no ENI with MAC {Format(mac)} on the node after {Options.EniWaitTimeout.TotalSeconds:F0} s");
            }

            DatapathLog.WaitingForEni(Logger, mac);
            await Task.Delay(Options.EniPollInterval, Options.TimeProvider, cancellationToken);
        }
    }

    public static string Format(PhysicalAddress mac) =>
        string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));

    /// <summary>
    /// Runs a datapath operation with the errors callers classify: datapath exceptions pass
    /// through; kernel failures become a <see cref="DatapathException"/> naming mode, pod and errno.
    /// </summary>
    public async Task<T> GuardAsync<T>(DatapathMode mode, string operation, PodNetworkRequest request, Func<Task<T>> body)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await body();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (operation == "teardown")
            {
                DatapathLog.TeardownDone(Logger, mode, request.PodKey, request.ContainerId, elapsed);
            }
            else if (result is PodInterfaceResult r)
            {
                DatapathLog.SetupDone(Logger, mode, request.PodKey, request.ContainerId, elapsed, r.Container.Name, new DatapathLog.AddressList(r.IPs));
            }

            return result;
        }
        catch (DatapathException e)
        {
            DatapathLog.OperationFailed(Logger, e, mode, operation, request.PodKey);
            throw;
        }
        catch (Exception e) when (e is NetlinkException or SystemCallException or IOException)
        {
            DatapathLog.OperationFailed(Logger, e, mode, operation, request.PodKey);
            throw new DatapathException($"{mode} {operation} of pod {request.PodKey} failed: {e.Message}", e);
        }
    }

    /// <summary>Fails with the missing features by name if the kernel cannot build <paramref name="mode"/>.</summary>
    public void RequireFeatures(DatapathMode mode, IEnumerable<KernelFeature> required)
    {
        var missing = required.Where(f => !Kernel.Has(f)).Select(f => Kernel[f]).ToList();
        if (missing.Count > 0)
        {
            throw new KernelFeatureMissingException(mode, missing);
        }
    }

    public void Dispose()
    {
        Netlink.Dispose();
        Namespace.Dispose();
        SharedState.Dispose();
    }

    private static bool IsChild(LinkInfo link) => link.Kind is not null && ChildKinds.Contains(link.Kind);
}
