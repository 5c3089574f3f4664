using System.Diagnostics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Client;
using Terway.Kube.Informers;
using Terway.Kube.Metrics;
using Terway.Kube.Queues;

namespace Terway.Kube.Controllers;

/// <summary>A controller seen without its model type (for the manager).</summary>
public interface IController
{
    /// <summary>The unique name (metrics label <c>controller</c>, log scope).</summary>
    string Name { get; }

    /// <summary>True when the controller only runs while this process holds the leader lease.</summary>
    bool NeedLeaderElection { get; }

    /// <summary>True while workers are running.</summary>
    bool IsRunning { get; }

    /// <summary>
    /// Waits for the caches, runs the workers until <paramref name="cancellationToken"/> fires, then drains:
    /// in-flight reconciles get the shutdown grace before their tokens are cancelled. Can be called again
    /// after it returns (a leader-only controller restarts when leadership is regained).
    /// </summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The controller host (controller-runtime's internal controller): a rate-limited work queue fed by watch
/// sources, <see cref="ControllerOptions.MaxConcurrentReconciles"/> workers, result handling, timeouts,
/// metrics and a log scope with <c>controller</c>, <c>key</c> and <c>reconcileID</c> around every reconcile.
/// Build it with <see cref="ControllerBuilder{T}"/>.
/// </summary>
/// <typeparam name="T">The primary kind.</typeparam>
public sealed partial class Controller<T> : IController
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IReconciler<T> _reconciler;
    private readonly IReadOnlyList<IWatchSource> _sources;
    private readonly ControllerOptions _options;
    private readonly KubeMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IRateLimiter<ObjectKey>> _rateLimiterFactory;
    private readonly KeyValuePair<string, object?>[] _tags;
    private volatile WorkQueue<ObjectKey>? _queue;
    private int _running;

    internal Controller(
        string name,
        IReconciler<T> reconciler,
        IReadOnlyList<IWatchSource> sources,
        ControllerOptions options,
        KubeMetrics metrics,
        TimeProvider time,
        ILogger logger,
        Func<IRateLimiter<ObjectKey>>? rateLimiterFactory)
    {
        Name = name;
        _reconciler = reconciler;
        _sources = sources;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _rateLimiterFactory = rateLimiterFactory ?? (() => RateLimiters.DefaultController<ObjectKey>(time));
        _tags = [new("controller", name)];
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool NeedLeaderElection => _options.NeedLeaderElection;

    /// <inheritdoc/>
    public bool IsRunning => Volatile.Read(ref _running) == 1;

    /// <summary>The queue of the current run (null when stopped); for tests and diagnostics.</summary>
    public IWorkQueue<ObjectKey>? Queue => _queue;

    /// <summary>Adds a key by hand (e.g. from an external trigger); ignored while stopped.</summary>
    public void Enqueue(ObjectKey key) => _queue?.Add(key);

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException($"controller {Name} is already running");
        }

        var queue = new WorkQueue<ObjectKey>(_time, _rateLimiterFactory(), _metrics.ForQueue(Name));
        var registrations = new List<IDisposable>();
        using var reconcileCts = new CancellationTokenSource();
        var workers = new List<Task>();
        try
        {
            _queue = queue;
            _metrics.TrackQueue(Name, queue);

            // Register handlers first so no event between sync and start is lost; they only enqueue keys.
            foreach (var source in _sources)
            {
                registrations.Add(source.Start(queue));
            }

            using (var syncTimeout = new CancellationTokenSource(_options.CacheSyncTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, syncTimeout.Token))
            {
                try
                {
                    await Task.WhenAll(_sources.Select(s => s.Informer.WaitForSyncAsync(linked.Token)));
                }
                catch (OperationCanceledException) when (syncTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    var pending = string.Join(", ", _sources.Where(s => !s.Informer.HasSynced).Select(s => s.Informer.Name));
                    throw new TimeoutException($"controller {Name}: caches did not sync within {_options.CacheSyncTimeout}: {pending}");
                }
            }

            LogStarting(Name, _options.MaxConcurrentReconciles);
            _metrics.InitializeController(Name, _options.MaxConcurrentReconciles);
            for (var i = 0; i < _options.MaxConcurrentReconciles; i++)
            {
                workers.Add(Task.Run(() => WorkerAsync(queue, cancellationToken, reconcileCts.Token), CancellationToken.None));
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Normal stop.
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }

            // Let in-flight reconciles finish within the grace period, then cancel them.
            using var grace = new CancellationTokenSource(_options.ShutdownGrace, _time);
            try
            {
                await queue.ShutDownWithDrainAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                LogGraceExpired(Name, queue.InFlight);
            }

            await reconcileCts.CancelAsync();
            await Task.WhenAll(workers);
            _metrics.UntrackQueue(Name);
            _queue = null;
            Volatile.Write(ref _running, 0);
            LogStopped(Name);
        }
    }

    private async Task WorkerAsync(WorkQueue<ObjectKey> queue, CancellationToken stop, CancellationToken reconcileToken)
    {
        while (!stop.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                var (item, shutdown) = await queue.GetAsync(stop);
                if (shutdown)
                {
                    return;
                }

                key = item;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ReconcileOneAsync(queue, key, reconcileToken);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ReconcileOneAsync(WorkQueue<ObjectKey> queue, ObjectKey key, CancellationToken reconcileToken)
    {
        var reconcileId = Guid.NewGuid().ToString("N");
        var attempt = queue.NumRequeues(key);
        using var scope = _logger.BeginScope(new Dictionary<string, object>
        {
            ["controller"] = Name,
            ["key"] = key.ToString(),
            ["namespace"] = key.Namespace ?? "",
            ["name"] = key.Name,
            ["reconcileID"] = reconcileId,
        });
        ReconcileContext.Current = new ReconcileContext(Name, key, reconcileId, attempt);
        _metrics.ActiveWorkers.Add(1, _tags);
        var started = _time.GetTimestamp();
        using var timeout = _options.ReconcileTimeout is { } t ? new CancellationTokenSource(t, _time) : null;
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(reconcileToken, timeout.Token);
        var token = linked?.Token ?? reconcileToken;
        string resultLabel;
        try
        {
            var result = await _reconciler.ReconcileAsync(key, token);
            switch (result.Outcome)
            {
                case ReconcileOutcome.RequeueAfter:
                    queue.Forget(key);
                    queue.AddAfter(key, result.Delay);
                    resultLabel = "requeue_after";
                    break;
                case ReconcileOutcome.Requeue:
                    queue.AddRateLimited(key);
                    resultLabel = "requeue";
                    break;
                default:
                    queue.Forget(key);
                    resultLabel = "success";
                    break;
            }

            LogReconciled(result.Outcome, result.Delay.TotalMilliseconds);
        }
        catch (TerminalReconcileException ex)
        {
            queue.Forget(key);
            _metrics.ReconcileErrors.Add(1, _tags);
            _metrics.TerminalReconcileErrors.Add(1, _tags);
            resultLabel = "error";
            LogTerminal(ex);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !reconcileToken.IsCancellationRequested)
        {
            _metrics.ReconcileTimeouts.Add(1, _tags);
            _metrics.ReconcileErrors.Add(1, _tags);
            queue.AddRateLimited(key);
            resultLabel = "error";
            LogTimeout(_options.ReconcileTimeout!.Value.TotalSeconds);
        }
        catch (OperationCanceledException) when (reconcileToken.IsCancellationRequested)
        {
            // Shutdown cancelled the reconcile; the key is reconciled again by whoever runs next.
            resultLabel = "error";
            _metrics.ReconcileErrors.Add(1, _tags);
        }
        catch (Exception ex)
        {
            _metrics.ReconcileErrors.Add(1, _tags);
            if (IsPanic(ex))
            {
                _metrics.ReconcilePanics.Add(1, _tags);
            }

            queue.AddRateLimited(key);
            resultLabel = "error";
            LogFailed(attempt + 1, ex);
        }
        finally
        {
            ReconcileContext.Current = null;
            _metrics.ActiveWorkers.Add(-1, _tags);
            _metrics.ReconcileTime.Record(_time.GetElapsedTime(started).TotalSeconds, _tags);
        }

        _metrics.ReconcileTotal.Add(1, [new("controller", Name), new("result", resultLabel)]);
    }

    /// <summary>
    /// Go separates returned errors from panics; C# throws both. Runtime faults (null dereference, bad cast,
    /// index out of range, invalid arguments or state) are counted as panics; I/O, API and timeout errors are
    /// ordinary reconcile errors.
    /// </summary>
    internal static bool IsPanic(Exception ex) =>
        ex is SystemException and not IOException and not TimeoutException and not OperationCanceledException;

    [LoggerMessage(Level = LogLevel.Information, Message = "controller {Controller}: starting {Workers} workers")]
    private partial void LogStarting(string controller, int workers);

    [LoggerMessage(Level = LogLevel.Information, Message = "controller {Controller}: stopped")]
    private partial void LogStopped(string controller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "controller {Controller}: shutdown grace expired with {InFlight} reconciles in flight; cancelling them")]
    private partial void LogGraceExpired(string controller, int inFlight);

    [LoggerMessage(Level = LogLevel.Debug, Message = "reconciled: {Outcome} {DelayMs} ms")]
    private partial void LogReconciled(ReconcileOutcome outcome, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "terminal reconcile error; not retrying")]
    private partial void LogTerminal(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "reconcile timed out after {Seconds} s; retrying with backoff")]
    private partial void LogTimeout(double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "reconcile failed (attempt {Attempt}); retrying with backoff")]
    private partial void LogFailed(int attempt, Exception exception);
}
