using System.Diagnostics;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.CniShim.Protocol;
using Terway.Crds.Durations;
using Terway.Crds.Names;
using Terway.Kube.Client;
using Terway.NodeAgent.Allocation;
using Terway.NodeAgent.Checkpoint;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kube;
using Terway.NodeAgent.Metrics;

namespace Terway.NodeAgent.Cni;

/// <summary>
/// The agent's side of the CNI calls. Every call for one (containerID, ifname) runs under that key's
/// lock, then under the pod's lock (pod, ifname), so an ADD that replaces an older sandbox of the same
/// pod never races the older sandbox's DEL; calls for different pods run in parallel.
/// <list type="bullet">
/// <item>ADD: pod lookup, allocation wait, intent record, wiring, committed record, events.</item>
/// <item>DEL, CHECK, GC: from the checkpoint only (no API server, no namespace needed).</item>
/// <item>STATUS: whether ADD can be served now.</item>
/// </list>
/// </summary>
internal sealed partial class CniService
{
    private readonly NodeAgentOptions _options;
    private readonly NodeDatapath _datapath;
    private readonly CheckpointStore _store;
    private readonly PendingReleases _pending;
    private readonly AgentCluster _cluster;
    private readonly AllocationResolver _resolver;
    private readonly AgentMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KeyedLocks<(string, string)> _attachmentLocks = new();
    private readonly KeyedLocks<(string, string, string)> _podLocks = new();
    private readonly Lock _ipamLock = new();
    private volatile bool _recovered;

    public CniService(NodeAgentOptions options, NodeDatapath datapath, CheckpointStore store, PendingReleases pending,
        AgentCluster cluster, AgentMetrics metrics, TimeProvider time, ILogger logger)
    {
        _options = options;
        _datapath = datapath;
        _store = store;
        _pending = pending;
        _cluster = cluster;
        _resolver = new AllocationResolver(cluster, options, time);
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>True once start-up recovery finished (STATUS is not ready before).</summary>
    public bool Recovered => _recovered;

    /// <summary>Serves one call; never throws (errors become the response's CNI error).</summary>
    public async Task<AgentResponse> HandleAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var response = new AgentResponse();
        try
        {
            if (request.ProtocolVersion != AgentProtocol.Version)
            {
                throw new CniFailure(CniErrorCodes.AgentProtocol, $"the node agent speaks protocol {AgentProtocol.Version}, the plugin sent {request.ProtocolVersion}",
                    "install the terway binary that ships with this node agent");
            }

            switch (request.Command)
            {
                case CniCommands.Add:
                    response.Result = await AddAsync(request, cancellationToken);
                    break;
                case CniCommands.Del:
                    await DelAsync(request, cancellationToken);
                    break;
                case CniCommands.Check:
                    await CheckAsync(request, cancellationToken);
                    break;
                case CniCommands.Status:
                    Status();
                    break;
                case CniCommands.Gc:
                    await GcAsync(request, cancellationToken);
                    break;
                default:
                    throw new CniFailure(CniErrorCodes.InvalidEnvironment, $"unknown CNI_COMMAND: {request.Command}");
            }
        }
        catch (CniFailure e)
        {
            response.Error = e.ToBody();
        }
        catch (Exception e)
        {
            LogUnexpected(e, request.Command, request.ContainerId);
            response.Error = new CniErrorBody { Code = CniErrorCodes.AgentInternal, Message = $"node agent failed: {e.Message}" };
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        _metrics.RecordCall(request.Command, elapsed, response.Error is not null);
        var pod = PodText(request);
        if (response.Error is { } error)
        {
            LogCallFailed(request.Command, request.ContainerId, request.IfName, pod, elapsed, error.Code, error.Message);
        }
        else
        {
            LogCallDone(request.Command, request.ContainerId, request.IfName, pod, elapsed);
        }

        return response;
    }

    // ---------------------------------------------------------------- ADD

    private async Task<CniResult> AddAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var (containerId, ifName) = RequireKey(request);
        if (string.IsNullOrEmpty(request.Netns))
        {
            throw new CniFailure(CniErrorCodes.InvalidEnvironment, "required env variables [CNI_NETNS] missing");
        }

        if (request.Pod is not { Namespace.Length: > 0, Name.Length: > 0 } podRef)
        {
            throw new CniFailure(CniErrorCodes.InvalidEnvironment, "CNI_ARGS lacks K8S_POD_NAMESPACE and K8S_POD_NAME");
        }

        if (!File.Exists(request.Netns))
        {
            throw new CniFailure(CniErrorCodes.NetnsUnusable, $"the network namespace {request.Netns} does not exist");
        }

        var started = _time.GetTimestamp();
        var phases = new AddPhases(_metrics, _time);
        using var attachmentLock = await _attachmentLocks.AcquireAsync((containerId, ifName), cancellationToken);
        using var podLock = await _podLocks.AcquireAsync((podRef.Namespace!, podRef.Name!, ifName), cancellationToken);
        await ApplyPendingReleaseAsync(containerId, ifName, cancellationToken);
        phases.Mark("lock");

        var existing = _store.Get(containerId, ifName);
        if (existing is { IsCommitted: true } && existing.PodNamespace == podRef.Namespace && existing.PodName == podRef.Name && existing.Request.NetnsPath == request.Netns)
        {
            // The same ADD again: converge to what the record says and answer the same result.
            var same = existing.Request.ToRequest(existing.PodNamespace, existing.PodName, containerId, ifName);
            var again = await SetupAsync(existing.Mode, same, cancellationToken);
            return ResultMapping.ToCni(again);
        }

        if (existing is not null)
        {
            LogReplacingRecord(containerId, ifName, existing.State);
            await TeardownAsync(existing, null, cancellationToken);
            _store.Remove(containerId, ifName);
        }

        // Container-ID guard: an older sandbox of this pod holds the pod's resources and host veth name;
        // it is torn down here, and its late DEL then finds no record and touches nothing.
        foreach (var older in _store.ForPod(podRef.Namespace!, podRef.Name!, ifName).Where(r => r.ContainerId != containerId))
        {
            LogSupersede(older.PodKey, older.ContainerId, containerId);
            await TeardownAsync(older, null, cancellationToken);
            _store.Remove(older.ContainerId, older.IfName);
        }

        V1Pod pod;
        try
        {
            pod = await _cluster.GetPodAsync(podRef.Namespace!, podRef.Name!, podRef.Uid, cancellationToken);
        }
        catch (PodNotFoundException e)
        {
            throw new CniFailure(CniErrorCodes.PodNotFound, e.Message);
        }
        catch (KubeApiException e)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater, $"reading pod {podRef.Namespace}/{podRef.Name} failed: {e.Message}");
        }

        phases.Mark("pod");
        try
        {
            return await WireAsync(pod, containerId, ifName, request.Netns, request.NetworkName, started, phases, cancellationToken);
        }
        catch (CniFailure e)
        {
            _cluster.Event(pod, AgentEventTypes.Warning, EventReasons.AllocIpFailed, "AllocIP", e.Message);
            throw;
        }
    }

    private async Task<CniResult> WireAsync(V1Pod pod, string containerId, string ifName, string netns, string? network, long started, AddPhases phases, CancellationToken cancellationToken)
    {
        var source = PodClassifier.Classify(_options.IpamType, pod, _cluster.Node);
        var (nodeV4, nodeV6) = _resolver.NodeAddresses();
        PodNetworkRequest Request(PodAllocation a) => new()
        {
            PodNamespace = pod.Metadata.NamespaceProperty,
            PodName = pod.Metadata.Name,
            ContainerId = containerId,
            NetnsPath = netns,
            InterfaceName = ifName,
            IPv4 = a.IPv4,
            IPv6 = a.IPv6,
            EniMac = a.EniMac,
            VlanId = a.VlanId,
            Mtu = _options.Mtu,
            ServiceCidrs = _options.ServiceCidrs,
            HostStackCidrs = _options.HostStackCidrs,
            NodeIPv4 = nodeV4,
            NodeIPv6 = nodeV6,
            DisableHostPeer = _options.DisableHostPeer,
        };

        AttachmentRecord record;
        PodNetworkRequest request;
        if (source == AllocationSource.PodCidr)
        {
            var cidrs = await _resolver.WaitForPodCidrsAsync(cancellationToken);
            phases.Mark("allocation");
            lock (_ipamLock)
            {
                var inUse = _store.All.Where(r => r.Mode == DatapathMode.Vpc).SelectMany(r => r.Addresses()).ToHashSet();
                PodIPConfig? v4 = null, v6 = null;
                foreach (var cidr in cidrs)
                {
                    var ip = VpcIpam.Allocate(cidr, inUse)
                        ?? throw new CniFailure(CniErrorCodes.TryAgainLater, $"podCIDR {cidr} of node {_options.NodeName} has no free address ({inUse.Count} attachments)");
                    var config = new PodIPConfig(ip, cidr.PrefixLength);
                    if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                    {
                        v4 ??= config;
                    }
                    else
                    {
                        v6 ??= config;
                    }
                }

                var allocation = new PodAllocation(DatapathMode.Vpc, v4, v6, null, null, $"podCIDR {string.Join(",", cidrs)}");
                request = Request(allocation);
                record = NewRecord(pod, containerId, ifName, network, DatapathMode.Vpc, allocation.Source, request);

                // Written while holding the IPAM lock: the address is reserved before anyone else looks.
                _store.Save(record);
            }
        }
        else
        {
            var allocation = await _resolver.WaitAsync(pod, ifName, source, cancellationToken);
            phases.Mark("allocation");
            var mode = allocation.Mode;
            if (mode == DatapathMode.EniIpIpvlan && _datapath.MissingFeatures(DatapathMode.EniIpIpvlan).Count > 0)
            {
                mode = DatapathMode.EniIpVeth;
                _cluster.Event(pod, AgentEventTypes.Warning, EventReasons.VirtualModeChanged, "AllocIP", "IPVLan seems unavailable, use Veth instead");
            }

            request = Request(allocation);
            record = NewRecord(pod, containerId, ifName, network, mode, allocation.Source, request);
            _store.Save(record);
        }

        phases.Mark("intent");
        await PauseIfAsked(TestPausePoint.Intent);
        PodInterfaceResult wired;
        try
        {
            wired = await SetupAsync(record.Mode, request, cancellationToken);
            phases.Mark("datapath");
            await PauseIfAsked(TestPausePoint.Wired);
        }
        catch
        {
            await RollBackAsync(record);
            throw;
        }

        var result = ResultMapping.ToCni(wired);
        _store.Save(record.With(AttachmentStates.Committed, result));
        phases.Mark("commit");
        phases.Record();
        var took = GoDuration.Format(_time.GetElapsedTime(started));
        _cluster.Event(pod, AgentEventTypes.Normal, EventReasons.AllocIpSucceed, "AllocIP", $"Alloc IP {ResultMapping.Describe(request)} took {took}");
        if (_options.PatchPodIps)
        {
            _cluster.AnnotatePodIps(pod, ResultMapping.PodIps(request));
        }

        return result;
    }

    private AttachmentRecord NewRecord(V1Pod pod, string containerId, string ifName, string? network, DatapathMode mode, string source, PodNetworkRequest request) => new()
    {
        State = AttachmentStates.Intent,
        ContainerId = containerId,
        IfName = ifName,
        Network = network,
        PodNamespace = pod.Metadata.NamespaceProperty,
        PodName = pod.Metadata.Name,
        PodUid = pod.Metadata.Uid,
        Mode = mode,
        Source = source,
        Request = StoredRequest.From(request),
        CreatedAt = _time.GetUtcNow(),
    };

    private async Task RollBackAsync(AttachmentRecord record)
    {
        try
        {
            await TeardownAsync(record, null, CancellationToken.None);
            _store.Remove(record.ContainerId, record.IfName);
        }
        catch (Exception e)
        {
            // The intent record stays: the next start-up (or a DEL, or GC) rolls it back.
            LogRollbackFailed(e, record.PodKey, record.ContainerId);
        }
    }

    private async Task<PodInterfaceResult> SetupAsync(DatapathMode mode, PodNetworkRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _datapath.For(mode).SetupAsync(request, cancellationToken);
        }
        catch (InterfaceExistsException e)
        {
            throw new CniFailure(CniErrorCodes.InterfaceExists, e.Message, "CNI_IFNAME is taken in the pod's network namespace by an interface terway did not create", e);
        }
        catch (KernelFeatureMissingException e)
        {
            throw new CniFailure(CniErrorCodes.KernelFeatureMissing, e.Message, null, e);
        }
        catch (DatapathRequestException e)
        {
            throw new CniFailure(CniErrorCodes.InvalidAllocation, e.Message, null, e);
        }
        catch (EniNotFoundException e)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater, e.Message, "the ENI may still be attaching", e);
        }
        catch (DatapathException e)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater, e.Message, null, e);
        }
    }

    private async Task PauseIfAsked(TestPausePoint point)
    {
        if (_options.TestPause is { } pause && pause.Point == point)
        {
            await File.WriteAllTextAsync(pause.MarkerPath, point.ToString());
            await Task.Delay(Timeout.Infinite);
        }
    }

    // ---------------------------------------------------------------- DEL

    private async Task DelAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var (containerId, ifName) = RequireKey(request);
        using var attachmentLock = await _attachmentLocks.AcquireAsync((containerId, ifName), cancellationToken);
        await ReleaseAsync(containerId, ifName, request.Netns, cancellationToken);
        if (_pending.Find(containerId, ifName) is { } pending)
        {
            _pending.Remove(pending);
        }
    }

    /// <summary>Tears down and forgets the attachment (caller holds the attachment lock); no record is not an error.</summary>
    private async Task<bool> ReleaseAsync(string containerId, string ifName, string? netns, CancellationToken cancellationToken)
    {
        var record = _store.Get(containerId, ifName);
        if (record is null)
        {
            return false;
        }

        using var podLock = await _podLocks.AcquireAsync((record.PodNamespace, record.PodName, ifName), cancellationToken);
        record = _store.Get(containerId, ifName);
        if (record is null)
        {
            // An ADD of a newer sandbox of the pod released it meanwhile.
            return false;
        }

        try
        {
            await TeardownAsync(record, netns, cancellationToken);
        }
        catch (DatapathException e)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater, $"tearing down {record.PodKey} ({record.Mode}) failed: {e.Message}", "the attachment is kept; DEL will be retried", e);
        }

        _store.Remove(containerId, ifName);
        return true;
    }

    private Task TeardownAsync(AttachmentRecord record, string? netns, CancellationToken cancellationToken)
    {
        var request = record.Request.ToRequest(record.PodNamespace, record.PodName, record.ContainerId, record.IfName);
        if (!string.IsNullOrEmpty(netns))
        {
            request = request with { NetnsPath = netns };
        }

        return _datapath.For(record.Mode).TeardownAsync(request, cancellationToken);
    }

    private async Task ApplyPendingReleaseAsync(string containerId, string ifName, CancellationToken cancellationToken)
    {
        if (_pending.Find(containerId, ifName) is not { } pending)
        {
            return;
        }

        var released = await ReleaseAsync(containerId, ifName, pending.Record.Netns, cancellationToken);
        _pending.Remove(pending);
        _metrics.Recovered("pending_release");
        LogPendingApplied(containerId, ifName, released);
    }

    // ---------------------------------------------------------------- CHECK

    private async Task CheckAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var (containerId, ifName) = RequireKey(request);
        using var attachmentLock = await _attachmentLocks.AcquireAsync((containerId, ifName), cancellationToken);
        var record = _store.Get(containerId, ifName)
            ?? throw new CniFailure(CniErrorCodes.UnknownContainer, $"no attachment for container {containerId} interface {ifName} on node {_options.NodeName}");
        using var podLock = await _podLocks.AcquireAsync((record.PodNamespace, record.PodName, ifName), cancellationToken);
        if (!record.IsCommitted)
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"the attachment of {record.PodKey} ({containerId}/{ifName}) never completed its ADD");
        }

        if (!string.IsNullOrEmpty(request.Netns) && request.Netns != record.Request.NetnsPath)
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"CNI_NETNS {request.Netns} is not the sandbox {record.Request.NetnsPath} ADD wired");
        }

        if (request.Expected is { } expected)
        {
            CompareWithPrevResult(record, expected, ifName);
        }

        var datapath = _datapath.For(record.Mode);
        var podRequest = record.Request.ToRequest(record.PodNamespace, record.PodName, containerId, ifName);
        var drift = await datapath.CheckAsync(podRequest, cancellationToken);
        if (drift.Count == 0)
        {
            return;
        }

        if (drift.Any(d => d.Kind == DriftKind.NamespaceMissing))
        {
            throw new CniFailure(CniErrorCodes.NetnsUnusable, $"the network namespace {record.Request.NetnsPath} of {record.PodKey} is gone");
        }

        var found = string.Join("; ", drift);
        LogRepairing(record.PodKey, found);
        await SetupAsync(record.Mode, podRequest, cancellationToken);
        var left = await datapath.CheckAsync(podRequest, cancellationToken);
        if (left.Count > 0)
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"{record.PodKey}: drift could not be repaired: {string.Join("; ", left)}");
        }

        if (_cluster.Pods.Cache.Get(new ObjectKey(record.PodNamespace, record.PodName)) is { } pod)
        {
            _cluster.Event(pod, AgentEventTypes.Warning, EventReasons.ConfigCheck, "CheckNetwork", $"repaired the pod's network on node {_options.NodeName}: {found}");
        }
    }

    private static void CompareWithPrevResult(AttachmentRecord record, CniResult expected, string ifName)
    {
        var index = expected.Interfaces.FindIndex(i => i.Name == ifName && !string.IsNullOrEmpty(i.Sandbox));
        if (index < 0)
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"prevResult lists no interface {ifName} inside a sandbox");
        }

        if (expected.Interfaces[index].Sandbox != record.Request.NetnsPath)
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"prevResult puts {ifName} in {expected.Interfaces[index].Sandbox}, the attachment is in {record.Request.NetnsPath}");
        }

        var want = record.Addresses().Select(a => a.ToString()).Order(StringComparer.Ordinal).ToList();
        var got = expected.IPs.Where(ip => ip.Interface == index)
            .Select(ip => IPNetwork.TryParse(ip.Address, out _) ? ip.Address.Split('/')[0] : ip.Address)
            .Select(a => IPAddress.TryParse(a, out var p) ? p.ToString() : a)
            .Order(StringComparer.Ordinal).ToList();
        if (!want.SequenceEqual(got))
        {
            throw new CniFailure(CniErrorCodes.CheckFailed, $"prevResult gives {ifName} [{string.Join(", ", got)}], the attachment holds [{string.Join(", ", want)}]");
        }
    }

    // ---------------------------------------------------------------- STATUS

    private void Status()
    {
        if (!_recovered)
        {
            throw new CniFailure(CniErrorCodes.PluginNotAvailable, "the node agent is still recovering its checkpoint");
        }

        if (_cluster.NotSynced is { Count: > 0 } pending)
        {
            throw new CniFailure(CniErrorCodes.PluginNotAvailable, $"the node agent's Kubernetes caches are not synced yet: {string.Join(", ", pending)}");
        }

        foreach (var mode in RequiredModes())
        {
            var missing = _datapath.MissingFeatures(mode);
            if (missing.Count > 0)
            {
                throw new CniFailure(CniErrorCodes.LimitedConnectivity,
                    $"this kernel cannot build the {mode} datapath: missing {string.Join(", ", missing.Select(Kernel.KernelFeatureNames.Describe))}");
            }
        }

        if (_options.EnableTrunk && _options.IpamType == IpamType.Crd)
        {
            var (trunk, waiting) = TrunkResolver.Resolve(_options.NodeName, _cluster.Node, _cluster.NodeCr);
            if (trunk is null)
            {
                throw new CniFailure(CniErrorCodes.PluginNotAvailable, $"the node's trunk ENI is not known: {waiting!.State}", waiting.Hint);
            }

            if (!_datapath.HasEni(trunk.Mac))
            {
                throw new CniFailure(CniErrorCodes.PluginNotAvailable, $"trunk ENI {trunk.EniId} ({StoredRequest.FormatMac(trunk.Mac)}) is not attached to this node yet");
            }
        }
    }

    /// <summary>The datapaths this node's configuration serves (ipvlan is not required: it falls back to veth).</summary>
    internal IEnumerable<DatapathMode> RequiredModes()
    {
        if (_options.IpamType == IpamType.Vpc)
        {
            yield return DatapathMode.Vpc;
            yield break;
        }

        yield return DatapathMode.EniIpVeth;
        if (_options.EnableTrunk)
        {
            yield return _options.VlanStripType == VlanStripType.Vlan ? DatapathMode.TrunkVlan : DatapathMode.TrunkTc;
        }
    }

    // ---------------------------------------------------------------- GC

    private async Task GcAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var valid = (request.ValidAttachments ?? []).Select(a => (a.ContainerId, a.IfName)).ToHashSet();
        var errors = new List<string>();
        foreach (var record in _store.All.Where(r => !valid.Contains(r.Key) && SameNetwork(r.Network, request.NetworkName)))
        {
            try
            {
                using var attachmentLock = await _attachmentLocks.AcquireAsync(record.Key, cancellationToken);
                if (await ReleaseAsync(record.ContainerId, record.IfName, null, cancellationToken))
                {
                    LogCollected(record.PodKey, record.ContainerId, record.IfName);
                }
            }
            catch (CniFailure e)
            {
                errors.Add($"{record.ContainerId}/{record.IfName}: {e.Message}");
            }
        }

        foreach (var pending in _pending.List().Where(p => !valid.Contains((p.Record.ContainerId, p.Record.IfName)) && SameNetwork(p.Record.NetworkName, request.NetworkName)))
        {
            _pending.Remove(pending);
        }

        if (errors.Count > 0)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater, $"GC could not release {errors.Count} attachment(s)", string.Join("; ", errors));
        }
    }

    /// <summary>
    /// GC's valid attachments list only the network GC is called for (CNI spec). A record or request
    /// without a network name (written before names were recorded) matches any network.
    /// </summary>
    private static bool SameNetwork(string? recorded, string? requested) =>
        recorded is null || requested is null || string.Equals(recorded, requested, StringComparison.Ordinal);

    // ---------------------------------------------------------------- start-up

    /// <summary>
    /// Start-up recovery, before the socket is served: every attachment still in the intent state
    /// (the agent died during its ADD) is torn down and forgotten, so no half-wired pod is left and a
    /// retried ADD starts clean; then the DELs the plugin recorded while the agent was down are applied.
    /// </summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var records = _store.Load();
        foreach (var record in records.Where(r => !r.IsCommitted))
        {
            try
            {
                await TeardownAsync(record, null, cancellationToken);
                _store.Remove(record.ContainerId, record.IfName);
                _metrics.Recovered("rolled_back");
                LogRolledBack(record.PodKey, record.ContainerId, record.IfName, record.Mode);
            }
            catch (DatapathException e)
            {
                LogRollbackFailed(e, record.PodKey, record.ContainerId);
            }
        }

        await SweepPendingReleasesAsync(cancellationToken);
        _recovered = true;
        LogRecovered(_store.Count, _options.NodeName);
    }

    /// <summary>Applies every pending-release record (at start, then periodically).</summary>
    public async Task SweepPendingReleasesAsync(CancellationToken cancellationToken)
    {
        foreach (var pending in _pending.List())
        {
            var key = (pending.Record.ContainerId, pending.Record.IfName);
            try
            {
                using var attachmentLock = await _attachmentLocks.AcquireAsync(key, cancellationToken);
                await ApplyPendingReleaseAsync(key.ContainerId, key.IfName, cancellationToken);
            }
            catch (CniFailure e)
            {
                LogPendingFailed(key.ContainerId, key.IfName, e.Message);
            }
        }
    }

    /// <summary>Timestamps of ADD's phases, recorded only when the ADD succeeds.</summary>
    private sealed class AddPhases(AgentMetrics metrics, TimeProvider time)
    {
        private readonly List<(string Phase, double Ms)> _marks = [];
        private long _last = time.GetTimestamp();

        public void Mark(string phase)
        {
            var now = time.GetTimestamp();
            _marks.Add((phase, time.GetElapsedTime(_last, now).TotalMilliseconds));
            _last = now;
        }

        public void Record()
        {
            foreach (var (phase, ms) in _marks)
            {
                metrics.RecordAddPhase(phase, ms);
            }
        }
    }

    private static (string ContainerId, string IfName) RequireKey(AgentRequest request)
    {
        var missing = new List<string>();
        if (string.IsNullOrEmpty(request.ContainerId))
        {
            missing.Add("CNI_CONTAINERID");
        }

        if (string.IsNullOrEmpty(request.IfName))
        {
            missing.Add("CNI_IFNAME");
        }

        return missing.Count == 0
            ? (request.ContainerId!, request.IfName!)
            : throw new CniFailure(CniErrorCodes.InvalidEnvironment, $"required env variables [{string.Join(' ', missing)}] missing");
    }

    private static string PodText(AgentRequest request) =>
        request.Pod is { Namespace: { } ns, Name: { } name } ? $"{ns}/{name}" : "-";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Command} {ContainerId}/{IfName} pod {Pod} done in {ElapsedMs:F1} ms")]
    private partial void LogCallDone(string command, string? containerId, string? ifName, string pod, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Command} {ContainerId}/{IfName} pod {Pod} failed in {ElapsedMs:F1} ms: code {Code}: {Error}")]
    private partial void LogCallFailed(string command, string? containerId, string? ifName, string pod, double elapsedMs, int code, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Command} for container {ContainerId} failed unexpectedly")]
    private partial void LogUnexpected(Exception exception, string command, string? containerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId}/{IfName} had a {State} record from an earlier ADD; tearing it down first")]
    private partial void LogReplacingRecord(string containerId, string ifName, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "pod {Pod}: sandbox {Old} is superseded by {New}; releasing the old attachment")]
    private partial void LogSupersede(string pod, string old, string @new);

    [LoggerMessage(Level = LogLevel.Error, Message = "rolling back the attachment of {Pod} (container {ContainerId}) failed; its intent record is kept for the next attempt")]
    private partial void LogRollbackFailed(Exception exception, string pod, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "start-up: rolled back the unfinished ADD of {Pod} (container {ContainerId}/{IfName}, {Mode})")]
    private partial void LogRolledBack(string pod, string containerId, string ifName, DatapathMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "applied the pending release of {ContainerId}/{IfName} (attachment released: {Released})")]
    private partial void LogPendingApplied(string containerId, string ifName, bool released);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pending release of {ContainerId}/{IfName} failed, will retry: {Error}")]
    private partial void LogPendingFailed(string containerId, string ifName, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "recovered: {Count} attachment(s) in the checkpoint of node {Node}")]
    private partial void LogRecovered(int count, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CHECK {Pod}: repairing drift: {Drift}")]
    private partial void LogRepairing(string pod, string drift);

    [LoggerMessage(Level = LogLevel.Information, Message = "GC released {Pod} (container {ContainerId}/{IfName})")]
    private partial void LogCollected(string pod, string containerId, string ifName);
}
