using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Health;
using Terway.Kube.Informers;
using Terway.Kube.LeaderElection;
using Terway.Kube.Metrics;

namespace Terway.Kube.Hosting;

/// <summary>
/// Owns everything a controller process runs (controller-runtime's manager): the API client, one shared
/// informer and cache per kind and selection, the controllers, leader election, the event recorder and the
/// health/metrics server. Informers run on every replica so standbys keep warm caches; leader-only
/// controllers start when the lease is acquired and stop when it is lost; on stop, leader controllers drain,
/// the lease is released, then everything else stops within <see cref="KubeManagerOptions.GracefulShutdownTimeout"/>.
/// </summary>
public sealed partial class KubeManager : IAsyncDisposable
{
    private readonly KubeManagerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(Type, ListOptions), IInformer> _informers = new();
    private readonly List<IController> _controllers = [];
    private readonly List<Task> _informerTasks = [];
    private readonly Lock _lock = new();
    private readonly EventRecorder? _events;
    private CancellationTokenSource? _informersCts;
    private CancellationTokenSource? _controllersCts;
    private CancellationTokenSource? _electionCts;
    private Task? _electionTask;
    private Task? _eventsTask;
    private readonly List<Task> _controllerTasks = [];
    private readonly List<Func<HealthCheckResult>> _readinessChecks = [];
    private HealthServer? _healthServer;
    private bool _started;

    /// <summary>Creates a manager over <paramref name="client"/>.</summary>
    public KubeManager(IKubeApiClient client, KubeManagerOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        Client = client;
        _options = options ?? new KubeManagerOptions();
        Time = time ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<KubeManager>();
        Metrics = new KubeMetrics(_options.MeterName);
        if (_options.LeaderElection is { } le)
        {
            LeaderElector = new LeaderElector(client, le, Time, LoggerFactory.CreateLogger<LeaderElector>(), Metrics);
        }

        if (_options.Events is { } ev)
        {
            _events = new EventRecorder(client, ev, Time, LoggerFactory.CreateLogger<EventRecorder>());
        }
    }

    /// <summary>The API client.</summary>
    public IKubeApiClient Client { get; }

    /// <summary>The runtime's metric instruments.</summary>
    public KubeMetrics Metrics { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The logger factory.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The elector, when leader election is configured.</summary>
    public LeaderElector? LeaderElector { get; }

    /// <summary>The event recorder (requires <see cref="KubeManagerOptions.Events"/>).</summary>
    public IEventRecorder Events => _events ?? throw new InvalidOperationException("events are not configured (KubeManagerOptions.Events)");

    /// <summary>The concrete recorder, when configured (stats, idleness).</summary>
    public EventRecorder? EventRecorder => _events;

    /// <summary>The health server, once started.</summary>
    public HealthServer? HealthServer => _healthServer;

    /// <summary>Every informer created so far.</summary>
    public IReadOnlyCollection<IInformer> Informers => [.. _informers.Values];

    /// <summary>Every controller added so far.</summary>
    public IReadOnlyList<IController> Controllers
    {
        get
        {
            lock (_lock)
            {
                return [.. _controllers];
            }
        }
    }

    /// <summary>True when this replica may lead (leader election off) or holds the lease.</summary>
    public bool IsLeader => LeaderElector?.IsLeader ?? true;

    /// <summary>
    /// The shared informer for <typeparamref name="T"/> and <paramref name="selection"/> (created on first use,
    /// started at once if the manager is running).
    /// </summary>
    public ResourceInformer<T> GetInformer<T>(ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        selection ??= ListOptions.All;
        var created = false;
        var informer = (ResourceInformer<T>)_informers.GetOrAdd((typeof(T), selection), _ =>
        {
            created = true;
            return new ResourceInformer<T>(Client, _options.InformerDefaults with { Selection = selection }, Time,
                LoggerFactory.CreateLogger($"Terway.Kube.Informer.{typeof(T).Name}"));
        });
        if (created)
        {
            lock (_lock)
            {
                if (_started)
                {
                    StartInformerLocked(informer);
                }
            }
        }

        return informer;
    }

    /// <summary>The cache of the shared informer for <typeparamref name="T"/> and <paramref name="selection"/>.</summary>
    public IResourceCache<T> GetCache<T>(ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta> => GetInformer<T>(selection).Cache;

    /// <summary>Registers an index on the cache for <typeparamref name="T"/> (once per name).</summary>
    public IResourceCache<T> AddIndex<T>(string name, IndexFunc<T> index, ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var cache = GetInformer<T>(selection).Cache;
        if (!cache.HasIndex(name))
        {
            cache.AddIndex(name, index);
        }

        return cache;
    }

    /// <summary>Starts building a controller for <typeparamref name="T"/>.</summary>
    public ControllerBuilder<T> NewController<T>(string name, ListOptions? selection = null)
        where T : class, IKubernetesObject<V1ObjectMeta> => new(this, name, selection);

    /// <summary>
    /// Adds a controller (names must be unique). If the manager is running, a controller that runs on every
    /// replica starts at once; a leader-only controller starts with the next leadership term (add controllers
    /// before <see cref="StartAsync"/> to have them in the first one).
    /// </summary>
    public void Add(IController controller)
    {
        lock (_lock)
        {
            if (_controllers.Any(c => c.Name == controller.Name))
            {
                throw new InvalidOperationException($"a controller named '{controller.Name}' already exists");
            }

            _controllers.Add(controller);
            if (_started && (!controller.NeedLeaderElection || LeaderElector is null))
            {
                _controllerTasks.Add(RunControllerAsync(controller, _controllersCts!.Token));
            }
        }
    }

    /// <summary>Waits until every informer created so far has synced, or throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitForCacheSyncAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await Task.WhenAll(_informers.Values.Select(i => i.WaitForSyncAsync(cts.Token)));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var pending = string.Join(", ", _informers.Values.Where(i => !i.HasSynced).Select(i => i.Name));
            throw new TimeoutException($"caches did not sync within {timeout}: {pending}");
        }
    }

    /// <summary>
    /// Adds a readiness check of a component the manager does not own (e.g. a webhook listener), so
    /// <c>/readyz</c> only passes once it is up too. The check is called on every probe: keep it cheap.
    /// </summary>
    public void AddReadinessCheck(Func<HealthCheckResult> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        lock (_lock)
        {
            _readinessChecks.Add(check);
        }
    }

    /// <summary>The readiness checks: informers synced, leader or a participating standby, and any added check.</summary>
    public IReadOnlyList<HealthCheckResult> CheckReadiness()
    {
        var pending = _informers.Values.Where(i => !i.HasSynced).Select(i => i.Name).ToList();
        var results = new List<HealthCheckResult>
        {
            new("informers", pending.Count == 0, pending.Count == 0 ? "synced" : $"not synced: {string.Join(", ", pending)}"),
        };
        if (LeaderElector is { } le)
        {
            results.Add(new HealthCheckResult("leader-election", le.IsRunning || !_started,
                le.IsLeader ? "leader" : le.IsRunning ? $"standby (leader: {le.Leader ?? "none"})" : "not participating"));
        }

        Func<HealthCheckResult>[] extra;
        lock (_lock)
        {
            extra = [.. _readinessChecks];
        }

        results.AddRange(extra.Select(check => check()));
        return results;
    }

    /// <summary>The liveness checks: the manager is running.</summary>
    public IReadOnlyList<HealthCheckResult> CheckHealth() =>
        [new HealthCheckResult("ping", true, "ok"), new HealthCheckResult("manager", _started, _started ? "running" : "stopped")];

    /// <summary>Starts informers, controllers, leader election, events and the health server; returns once they are launched.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // The metrics endpoint first, so its listener sees every measurement from the start.
        if (_options.HealthServer is { } hs && _healthServer is null)
        {
            _healthServer = new HealthServer(this, hs, LoggerFactory);
            await _healthServer.StartAsync(cancellationToken);
        }

        lock (_lock)
        {
            if (_started)
            {
                throw new InvalidOperationException("the manager is already started");
            }

            _started = true;
            _informersCts = new CancellationTokenSource();
            _controllersCts = new CancellationTokenSource();
            _electionCts = new CancellationTokenSource();
            foreach (var informer in _informers.Values)
            {
                StartInformerLocked(informer);
            }

            foreach (var controller in _controllers.Where(c => !c.NeedLeaderElection || LeaderElector is null))
            {
                _controllerTasks.Add(RunControllerAsync(controller, _controllersCts.Token));
            }

            if (_events is not null)
            {
                _eventsTask = Task.Run(() => _events.RunAsync(_controllersCts.Token), CancellationToken.None);
            }

            if (LeaderElector is { } elector)
            {
                _electionTask = Task.Run(() => elector.RunAsync(LeadAsync, _electionCts.Token), CancellationToken.None);
            }
        }

    }

    /// <summary>
    /// Stops gracefully: leader controllers drain and the lease is released, then the other controllers stop,
    /// then informers. Whatever is still running after the graceful timeout is abandoned.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_started)
            {
                return;
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.GracefulShutdownTimeout);
        try
        {
            await _electionCts!.CancelAsync();
            if (_electionTask is not null)
            {
                await _electionTask.WaitAsync(deadline.Token);
            }

            await _controllersCts!.CancelAsync();
            Task[] controllers;
            lock (_lock)
            {
                controllers = [.. _controllerTasks];
            }

            await Task.WhenAll(controllers).WaitAsync(deadline.Token);
            if (_eventsTask is not null)
            {
                await _eventsTask.WaitAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException)
        {
            LogShutdownTimeout(_options.GracefulShutdownTimeout.TotalSeconds);
        }
        finally
        {
            await _informersCts!.CancelAsync();
            Task[] informers;
            lock (_lock)
            {
                informers = [.. _informerTasks];
                _started = false;
            }

            try
            {
                await Task.WhenAll(informers).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (TimeoutException)
            {
                LogShutdownTimeout(5);
            }

            if (_healthServer is not null)
            {
                await _healthServer.DisposeAsync();
                _healthServer = null;
            }
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _informersCts?.Dispose();
        _controllersCts?.Dispose();
        _electionCts?.Dispose();
        Metrics.Dispose();
    }

    private void StartInformerLocked(IInformer informer) =>
        _informerTasks.Add(Task.Run(() => informer.RunAsync(_informersCts!.Token), CancellationToken.None));

    private async Task LeadAsync(CancellationToken leading)
    {
        IController[] leaderOnly;
        lock (_lock)
        {
            leaderOnly = [.. _controllers.Where(c => c.NeedLeaderElection)];
        }

        await Task.WhenAll(leaderOnly.Select(c => RunControllerAsync(c, leading)));
    }

    private async Task RunControllerAsync(IController controller, CancellationToken cancellationToken)
    {
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await controller.RunAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogControllerFailed(controller.Name, _options.ControllerRestartDelay.TotalSeconds, ex);
                try
                {
                    await Task.Delay(_options.ControllerRestartDelay, Time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "controller {Controller} failed; restarting in {Seconds} s")]
    private partial void LogControllerFailed(string controller, double seconds, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "graceful shutdown did not finish within {Seconds} s; abandoning the rest")]
    private partial void LogShutdownTimeout(double seconds);
}
