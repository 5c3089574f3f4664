using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Terway.NodeAgent.Checkpoint;
using Terway.NodeAgent.Cni;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Kube;
using Terway.NodeAgent.Metrics;

namespace Terway.NodeAgent.Agent;

/// <summary>
/// The agent's CNI side as a hosted service: opens the node datapath, sets the node sysctls, recovers
/// the checkpoint (rolls back unfinished ADDs, applies pending releases), then serves the socket and
/// sweeps the pending-release directory periodically.
/// </summary>
internal sealed partial class CniAgentService : IHostedService, IAsyncDisposable
{
    private readonly NodeAgentOptions _options;
    private readonly AgentCluster _cluster;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private NodeDatapath? _datapath;
    private AgentMetrics? _metrics;
    private CniServer? _server;
    private Task? _sweeper;
    private int _disposed;

    public CniAgentService(NodeAgentOptions options, AgentCluster cluster, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _cluster = cluster;
        _loggerFactory = loggerFactory;
        _time = time;
        _logger = loggerFactory.CreateLogger<CniAgentService>();
    }

    /// <summary>The service, once started.</summary>
    public CniService? Service { get; private set; }

    /// <summary>The checkpoint, once started.</summary>
    public CheckpointStore? Checkpoint { get; private set; }

    /// <summary>The node datapath, once started.</summary>
    public NodeDatapath? Datapath => _datapath;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _datapath = await NodeDatapath.OpenAsync(new DatapathOptions
        {
            HostNetnsPath = _options.HostNetnsPath,
            ProcSysRoot = _options.ProcSysRoot,
            LoggerFactory = _loggerFactory,
            TimeProvider = _time,
        });
        await _datapath.ConfigureHostAsync(_options.EnableIPv6);

        var store = new CheckpointStore(_options.AttachmentDirectory, _options.CheckpointFsync, _loggerFactory.CreateLogger<CheckpointStore>());
        var pending = new PendingReleases(_options.PendingReleaseDirectory, _options.CheckpointFsync, _loggerFactory.CreateLogger<PendingReleases>());
        _metrics = new AgentMetrics(_options.MeterName,
            () => store.All.GroupBy(r => (r.Mode, r.State)).Select(g => new Measurement<long>(g.Count(),
                new KeyValuePair<string, object?>("mode", g.Key.Mode.ToString()), new KeyValuePair<string, object?>("state", g.Key.State))),
            () => pending.Count());
        Checkpoint = store;
        Service = new CniService(_options, _datapath, store, pending, _cluster, _metrics, _time, _loggerFactory.CreateLogger<CniService>());
        await Service.RecoverAsync(cancellationToken);

        _server = new CniServer(_options.SocketPath, Service.HandleAsync, _loggerFactory.CreateLogger<CniServer>());
        _server.Start();
        _sweeper = Task.Run(() => SweepAsync(_stopping.Token), CancellationToken.None);
        LogStarted(_options.NodeName, _options.IpamType, _options.SocketPath);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }

        if (_sweeper is not null)
        {
            await _sweeper;
            _sweeper = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The host disposes the service through both of its registrations (singleton and hosted service).
        await StopAsync(CancellationToken.None);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _datapath?.Dispose();
        _metrics?.Dispose();
        _stopping.Dispose();
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.PendingReleaseSweepInterval, _time, cancellationToken);
                await Service!.SweepPendingReleasesAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                LogSweepFailed(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node agent for {Node} ready: IPAM {Ipam}, socket {Socket}")]
    private partial void LogStarted(string node, IpamType ipam, string socket);

    [LoggerMessage(Level = LogLevel.Error, Message = "sweeping pending releases failed")]
    private partial void LogSweepFailed(Exception exception);
}
