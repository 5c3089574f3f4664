using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Fabric;

namespace Terway.Sandbox.CloudFabric;

/// <summary>Timings of the <see cref="CloudFabricBridge"/>.</summary>
internal sealed record CloudFabricBridgeOptions
{
    /// <summary>Longest wait between two looks at the region when nothing signals a change.</summary>
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First wait after a change failed to apply; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest wait after failures.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Shortest time between two passes: every cloud API call signals a change, and a pass
    /// snapshots the whole region, so under load passes are batched.
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// Keeps a <see cref="VpcFabric"/> in step with a <see cref="RegionSimulator"/>: a vSwitch bridge
/// per vSwitch, a node namespace per instance with its primary ENI (the cloud's MAC and address),
/// a link with the ENI's MAC on the right vSwitch for every secondary or trunk ENI while it is
/// attached (Attaching or InUse; gone on detach), the VLAN switch programmed for every member ENI
/// on a trunk (VLAN = its DeviceIndex, on its own vSwitch, under its own MAC), every secondary
/// address routed to its ENI, and every custom IPv4 route entry that is Available routed to its
/// next hop. It wakes on the simulator's change signal, at the next due ENI transition, and at
/// least every <see cref="CloudFabricBridgeOptions.IdlePoll"/>; a change that fails is retried
/// with backoff. Instances are never removed (the simulator has no instance deletion).
/// </summary>
internal sealed partial class CloudFabricBridge : IAsyncDisposable
{
    private readonly RegionSimulator _simulator;
    private readonly VpcFabric _fabric;
    private readonly ILogger _logger;
    private readonly CloudFabricBridgeOptions _options;
    private readonly SemaphoreSlim _pass = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FabricNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FabricEni> _enis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FabricTrunk> _trunks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FabricMember> _members = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private FabricState _current = FabricState.Empty;
    private Task? _loop;
    private TaskCompletionSource _nodeAdded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _changesApplied;
    private long _failures;
    private string? _lastError;

    public CloudFabricBridge(RegionSimulator simulator, VpcFabric fabric, ILogger<CloudFabricBridge>? logger = null, CloudFabricBridgeOptions? options = null)
    {
        _simulator = simulator;
        _fabric = fabric;
        _logger = logger ?? NullLogger<CloudFabricBridge>.Instance;
        _options = options ?? new CloudFabricBridgeOptions();
    }

    /// <summary>The fabric as the bridge has built it so far.</summary>
    public FabricState Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Changes applied since start.</summary>
    public long ChangesApplied => Interlocked.Read(ref _changesApplied);

    /// <summary>Changes that failed (and were retried) since start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The last failure's message, if any.</summary>
    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    /// <summary>The fabric itself.</summary>
    public VpcFabric Fabric => _fabric;

    /// <summary>Builds the fabric for the region as it is now, then follows it in the background.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await SyncAsync(ct);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>One pass now: looks at the region and applies what changed; returns true when the fabric matches it.</summary>
    public async Task<bool> SyncAsync(CancellationToken ct = default)
    {
        await _pass.WaitAsync(ct);
        try
        {
            return (await PassAsync()).Clean;
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>The node namespace of <paramref name="instanceId"/>, or null when the bridge has not made it (yet).</summary>
    public FabricNode? NodeFor(string instanceId)
    {
        lock (_gate)
        {
            return _nodes.GetValueOrDefault(instanceId);
        }
    }

    /// <summary>Waits until the node of <paramref name="instanceId"/> exists.</summary>
    public async Task<FabricNode> WaitForNodeAsync(string instanceId, CancellationToken ct)
    {
        while (true)
        {
            Task added;
            lock (_gate)
            {
                if (_nodes.TryGetValue(instanceId, out var node))
                {
                    return node;
                }

                added = _nodeAdded.Task;
            }

            await added.WaitAsync(ct);
        }
    }

    /// <summary>The link of an attached secondary or trunk ENI, or null.</summary>
    public FabricEni? EniFor(string eniId)
    {
        lock (_gate)
        {
            return _enis.GetValueOrDefault(eniId);
        }
    }

    /// <summary>The trunk of an attached trunk ENI, or null.</summary>
    public FabricTrunk? TrunkFor(string eniId)
    {
        lock (_gate)
        {
            return _trunks.GetValueOrDefault(eniId);
        }
    }

    /// <summary>The VLAN switch entry of an attached member ENI, or null.</summary>
    public FabricMember? MemberFor(string eniId)
    {
        lock (_gate)
        {
            return _members.GetValueOrDefault(eniId);
        }
    }

    /// <summary>Stops following the region; the fabric stays as it is (its owner disposes it).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        _stop.Dispose();
        _pass.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var time = _simulator.TimeProvider;
        var retry = _options.RetryDelay;
        while (!ct.IsCancellationRequested)
        {
            var passStarted = time.GetTimestamp();
            var version = _simulator.ChangeVersion;
            bool clean;
            DateTimeOffset? nextTransition;
            await _pass.WaitAsync(ct);
            try
            {
                (clean, nextTransition) = await PassAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A snapshot or diff failure is a bug, but the loop must keep following the region.
                LogPassFailed(_logger, e);
                clean = false;
                nextTransition = null;
            }
            finally
            {
                _pass.Release();
            }

            var wait = _options.IdlePoll;
            if (!clean)
            {
                wait = retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
            else
            {
                retry = _options.RetryDelay;
            }

            if (nextTransition is { } due)
            {
                var untilDue = due - time.GetUtcNow() + TimeSpan.FromMilliseconds(1);
                wait = untilDue < wait ? (untilDue > TimeSpan.Zero ? untilDue : TimeSpan.Zero) : wait;
            }

            using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var change = _simulator.WaitForChangeAsync(version, waitCts.Token);
            var timer = Task.Delay(wait, time, waitCts.Token);
            await Task.WhenAny(change, timer);
            await waitCts.CancelAsync();
            var rest = _options.MinInterval - time.GetElapsedTime(passStarted);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, time, ct);
            }

            ct.ThrowIfCancellationRequested();
        }
    }

    private async Task<(bool Clean, DateTimeOffset? NextTransition)> PassAsync()
    {
        var snapshot = _simulator.Snapshot();
        var nextTransition = FabricState.NextTransition(snapshot);
        var desired = FabricState.FromSnapshot(snapshot);
        FabricState current;
        lock (_gate)
        {
            current = _current;
        }

        foreach (var change in FabricDiff.Compute(current, desired))
        {
            try
            {
                await ApplyAsync(change);
                Interlocked.Increment(ref _changesApplied);
                LogApplied(_logger, change);
                lock (_gate)
                {
                    _current = change.ApplyTo(_current);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.Increment(ref _failures);
                lock (_gate)
                {
                    _lastError = $"{change}: {e.Message}";
                }

                LogChangeFailed(_logger, e, change);
                return (false, nextTransition);
            }
        }

        return (true, nextTransition);
    }

    private async Task ApplyAsync(FabricChange change)
    {
        switch (change)
        {
            case AddVSwitch(var v):
                _fabric.AddVSwitch(v.VSwitchId, v.CidrBlock, v.Ipv6CidrBlock);
                break;
            case AddNode(var n):
            {
                var vsw = VSwitchOf(n.VSwitchId);
                var node = await _fabric.AddNodeAsync(n.InstanceId, vsw, new EniAddressing(Mac(n.Mac), IPAddress.Parse(n.PrimaryIp), n.PrimaryIpv6 is null ? null : IPAddress.Parse(n.PrimaryIpv6)))
                    ;
                lock (_gate)
                {
                    _nodes[n.InstanceId] = node;
                    _nodeAdded.TrySetResult();
                    _nodeAdded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                break;
            }

            case AttachEni(var e):
            {
                var node = NodeOf(e.InstanceId);
                var vsw = VSwitchOf(e.VSwitchId);
                var name = LinkName(node, e.DeviceIndex);
                if (e.Trunk)
                {
                    var trunk = await node.AttachTrunkEniAsync(vsw, name, Mac(e.Mac));
                    lock (_gate)
                    {
                        _enis[e.EniId] = trunk.Eni;
                        _trunks[e.EniId] = trunk;
                    }
                }
                else
                {
                    var eni = await node.AttachEniAsync(vsw, name, configure: false, new EniAddressing(Mac(e.Mac), null));
                    lock (_gate)
                    {
                        _enis[e.EniId] = eni;
                    }
                }

                break;
            }

            case DetachEni(var e):
            {
                FabricEni? eni;
                lock (_gate)
                {
                    _enis.Remove(e.EniId, out eni);
                    _trunks.Remove(e.EniId);
                }

                if (eni is not null)
                {
                    NodeOf(e.InstanceId).DetachEni(eni);
                }

                break;
            }

            case AddMember(var m):
            {
                FabricTrunk trunk;
                lock (_gate)
                {
                    trunk = _trunks[m.TrunkEniId];
                }

                var member = trunk.AddMember(m.VlanId, VSwitchOf(m.VSwitchId), Mac(m.Mac));
                lock (_gate)
                {
                    _members[m.EniId] = member;
                }

                break;
            }

            case RemoveMember(var m):
            {
                FabricMember? member;
                FabricTrunk? trunk;
                lock (_gate)
                {
                    _members.Remove(m.EniId, out member);
                    trunk = _trunks.GetValueOrDefault(m.TrunkEniId);
                }

                if (member is not null && trunk is not null)
                {
                    trunk.RemoveMember(member);
                }

                break;
            }

            case AssignAddress(var key, var address):
                _fabric.AssignPrivateIp(VSwitchOf(key.VSwitchId), IPAddress.Parse(key.Ip), Mac(address.Mac));
                break;
            case UnassignAddress(var key):
                _fabric.UnassignPrivateIp(VSwitchOf(key.VSwitchId), IPAddress.Parse(key.Ip));
                break;
            case AddRoute(var r):
                _fabric.AddVpcRoute(IPNetwork.Parse(r.Destination), IPAddress.Parse(r.NextHopIp), VSwitchOf(r.VSwitchId));
                break;
            case RemoveRoute(var r):
                _fabric.RemoveVpcRoute(IPNetwork.Parse(r.Destination));
                break;
            default:
                throw new InvalidOperationException($"unknown fabric change {change}");
        }
    }

    /// <summary>eth&lt;DeviceIndex&gt; as the OS names a hot-plugged ENI, unless something on the node took that name.</summary>
    private static string LinkName(FabricNode node, int deviceIndex)
    {
        var names = node.LinkNames();
        var name = $"eth{deviceIndex}";
        for (var n = 0; names.Contains(name); n++)
        {
            name = $"eth{deviceIndex}n{n}";
        }

        return name;
    }

    private VSwitch VSwitchOf(string id) =>
        _fabric.FindVSwitch(id) ?? throw new InvalidOperationException($"vSwitch {id} is not in the fabric");

    private FabricNode NodeOf(string instanceId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(instanceId, out var node) ? node : throw new InvalidOperationException($"instance {instanceId} has no node in the fabric");
        }
    }

    private static PhysicalAddress Mac(string text) => PhysicalAddress.Parse(text.Replace(':', '-'));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fabric: {Change}")]
    private static partial void LogApplied(ILogger logger, FabricChange change);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fabric change failed, will retry: {Change}")]
    private static partial void LogChangeFailed(ILogger logger, Exception exception, FabricChange change);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fabric pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
