using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Queues;

namespace Terway.Kube.Informers;

/// <summary>An informer seen without its model type (for the manager and health checks).</summary>
public interface IInformer
{
    /// <summary>A readable name: resource and selection.</summary>
    string Name { get; }

    /// <summary>True once the first list has been stored in the cache.</summary>
    bool HasSynced { get; }

    /// <summary>What the informer has done so far.</summary>
    InformerStats Stats { get; }

    /// <summary>Lists and watches until <paramref name="cancellationToken"/> fires.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Completes when <see cref="HasSynced"/> becomes true.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}

/// <summary>
/// List-then-watch for one kind and selection (client-go's reflector + shared informer):
/// <list type="bullet">
/// <item>a paged LIST (<c>limit</c>/<c>continue</c>) fills the cache, then a WATCH from the list's
/// resourceVersion with bookmarks and a randomized <c>timeoutSeconds</c>;</item>
/// <item>each reconnect resumes from the last resourceVersion seen, bookmarks included, so nothing is
/// replayed or missed;</item>
/// <item>410 Expired (on the watch request or as an ERROR event) triggers a relist that is diffed against the
/// cache: Added/Updated only for changed objects, Deleted (final state unknown) for objects that vanished;</item>
/// <item>reconnects go through a token bucket, failures back off exponentially, and a watchdog reopens a watch
/// that has been silent too long;</item>
/// <item>readiness (<see cref="HasSynced"/>) depends only on the list, never on the first watch line.</item>
/// </list>
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed partial class ResourceInformer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IKubeApiClient _client;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenBucket _reconnects;
    private readonly Lock _dispatchLock = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IResourceEventHandler<T>[] _handlers = [];
    private string _resourceVersion = "";

    /// <summary>Creates an informer; nothing happens until <see cref="RunAsync"/>.</summary>
    public ResourceInformer(IKubeApiClient client, InformerOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _client = client;
        _options = options ?? new InformerOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _reconnects = new TokenBucket(_options.ReconnectRate, _options.ReconnectBurst, _time);
        Cache = new ResourceCache<T>(_options.Cache);
        var type = ResourceType.Of<T>();
        Name = $"{type.DisplayName}[{_options.Selection}]";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The cache this informer fills. Register indexes before <see cref="RunAsync"/> for best results.</summary>
    public ResourceCache<T> Cache { get; }

    /// <summary>The selection this informer watches.</summary>
    public ListOptions Selection => _options.Selection;

    /// <inheritdoc/>
    public bool HasSynced => Cache.HasSynced;

    /// <inheritdoc/>
    public InformerStats Stats { get; } = new();

    /// <summary>The last resourceVersion seen (list, event or bookmark).</summary>
    public string LastResourceVersion => Volatile.Read(ref _resourceVersion);

    /// <summary>
    /// Adds a handler. If the informer has already synced, the handler first receives every cached object as
    /// an add (so late subscribers see the full state), atomically with respect to new events.
    /// Dispose the result to remove the handler.
    /// </summary>
    public IDisposable AddEventHandler(IResourceEventHandler<T> handler)
    {
        lock (_dispatchLock)
        {
            _handlers = [.. _handlers, handler];
            if (Cache.HasSynced)
            {
                foreach (var obj in Cache.List())
                {
                    SafeInvoke(handler, h => h.OnAdd(obj, true));
                }
            }
        }

        return new Registration(this, handler);
    }

    /// <inheritdoc/>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var needList = true;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _reconnects.WaitAsync(cancellationToken);
                if (needList)
                {
                    await ListAndSyncAsync(cancellationToken);
                    needList = false;
                }

                await WatchOnceAsync(cancellationToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (KubeApiException ex) when (ex.IsGone)
            {
                // 410: our resourceVersion fell out of the server's history. Relist and diff; never lose this.
                Stats.Expire();
                LogExpired(Name, LastResourceVersion, ex.Message);
                needList = true;
            }
            catch (Exception ex)
            {
                Stats.Failure();
                failures++;
                var delay = Backoff(failures);
                LogFailure(Name, failures, delay.TotalMilliseconds, ex);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task ListAndSyncAsync(CancellationToken cancellationToken)
    {
        Stats.List();
        var items = new List<T>();
        string? continueToken = null;
        var listVersion = "";
        do
        {
            ListPage<T> page;
            try
            {
                page = await _client.ListPageAsync<T>(_options.Selection, _options.PageSize, continueToken, cancellationToken);
            }
            catch (KubeApiException ex) when (ex.IsGone && continueToken is not null)
            {
                // The continue token expired mid-list: start the list over.
                items.Clear();
                continueToken = null;
                listVersion = "";
                LogContinueExpired(Name);
                continue;
            }

            items.AddRange(page.Items);
            continueToken = page.Continue;

            // Every page of one list carries the snapshot's version; keep the first.
            if (listVersion.Length == 0)
            {
                listVersion = page.ResourceVersion;
            }
        }
        while (continueToken is not null);

        lock (_dispatchLock)
        {
            var initial = !Cache.HasSynced;
            var events = RelistDiff.Compute(Cache.Snapshot(), items);
            foreach (var ev in events)
            {
                Apply(ev, initial);
            }

            Volatile.Write(ref _resourceVersion, listVersion);
            Cache.MarkSynced();
            LogListed(Name, items.Count, events.Count, listVersion);
        }

        _synced.TrySetResult();
    }

    private async Task WatchOnceAsync(CancellationToken cancellationToken)
    {
        var span = _options.MaxWatchTimeout - _options.MinWatchTimeout;
        var timeout = _options.MinWatchTimeout + TimeSpan.FromSeconds(span.TotalSeconds * Random.Shared.NextDouble());
        using var watchdog = new CancellationTokenSource(_options.WatchdogTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        Stats.Watch();
        var from = LastResourceVersion;
        try
        {
            using var stream = await _client.WatchAsync<T>(_options.Selection, from, Math.Max(1, (int)timeout.TotalSeconds), linked.Token);
            LogWatching(Name, from);
            await foreach (var ev in stream.ReadAllAsync(linked.Token))
            {
                watchdog.CancelAfter(_options.WatchdogTimeout);
                Handle(ev);
            }
        }
        catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Stats.WatchdogReset();
            LogWatchdog(Name, _options.WatchdogTimeout.TotalSeconds, LastResourceVersion);
        }
        catch (HttpRequestException ex) when (ex.InnerException is EndOfStreamException)
        {
            // A watch that closes before its first line (quiet resource, server timeout): just reconnect.
        }
    }

    private void Handle(Client.WatchEvent<T> ev)
    {
        switch (ev.Type)
        {
            case WatchEventType.Bookmark:
                if (!string.IsNullOrEmpty(ev.ResourceVersion))
                {
                    Volatile.Write(ref _resourceVersion, ev.ResourceVersion);
                }

                return;
            case WatchEventType.Added:
            case WatchEventType.Modified:
            case WatchEventType.Deleted:
                var obj = ev.Object!;
                lock (_dispatchLock)
                {
                    if (ev.Type == WatchEventType.Deleted)
                    {
                        var old = Cache.Remove(ObjectKey.From(obj));
                        Dispatch(new InformerEvent<T>(InformerEventKind.Deleted, obj, old, false), false);
                    }
                    else
                    {
                        var old = Cache.Upsert(obj);
                        Dispatch(old is null
                            ? new InformerEvent<T>(InformerEventKind.Added, obj, null, false)
                            : new InformerEvent<T>(InformerEventKind.Updated, obj, old, false), false);
                    }

                    if (!string.IsNullOrEmpty(ev.ResourceVersion))
                    {
                        Volatile.Write(ref _resourceVersion, ev.ResourceVersion);
                    }
                }

                return;
            default:
                return;
        }
    }

    private void Apply(InformerEvent<T> ev, bool initial)
    {
        if (ev.Kind == InformerEventKind.Deleted)
        {
            Cache.Remove(ObjectKey.From(ev.Object));
        }
        else
        {
            Cache.Upsert(ev.Object);
        }

        Dispatch(ev, initial);
    }

    private void Dispatch(InformerEvent<T> ev, bool initial)
    {
        Stats.Event();
        foreach (var handler in _handlers)
        {
            switch (ev.Kind)
            {
                case InformerEventKind.Added:
                    SafeInvoke(handler, h => h.OnAdd(ev.Object, initial));
                    break;
                case InformerEventKind.Updated:
                    SafeInvoke(handler, h => h.OnUpdate(ev.OldObject!, ev.Object));
                    break;
                case InformerEventKind.Deleted:
                    SafeInvoke(handler, h => h.OnDelete(ev.Object, ev.FinalStateUnknown));
                    break;
            }
        }
    }

    private void SafeInvoke(IResourceEventHandler<T> handler, Action<IResourceEventHandler<T>> call)
    {
        try
        {
            call(handler);
        }
        catch (Exception ex)
        {
            // A faulty handler must not stop the informer or starve the other handlers.
            LogHandlerFailed(Name, ex);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var seconds = _options.InitialBackoff.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 30));
        seconds = Math.Min(seconds, _options.MaxBackoff.TotalSeconds);

        // Jitter by up to +20% so many informers do not reconnect in lock-step after a server restart.
        return TimeSpan.FromSeconds(seconds * (1 + (0.2 * Random.Shared.NextDouble())));
    }

    private void RemoveHandler(IResourceEventHandler<T> handler)
    {
        lock (_dispatchLock)
        {
            _handlers = [.. _handlers.Where(h => !ReferenceEquals(h, handler))];
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "informer {Informer}: listed {Count} objects, {Changes} changes, at resourceVersion {ResourceVersion}")]
    private partial void LogListed(string informer, int count, int changes, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Debug, Message = "informer {Informer}: watching from resourceVersion {ResourceVersion}")]
    private partial void LogWatching(string informer, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "informer {Informer}: resourceVersion {ResourceVersion} expired ({Detail}); relisting")]
    private partial void LogExpired(string informer, string resourceVersion, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "informer {Informer}: continue token expired during list; listing again")]
    private partial void LogContinueExpired(string informer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "informer {Informer}: no watch event for {Seconds} s; reopening from resourceVersion {ResourceVersion}")]
    private partial void LogWatchdog(string informer, double seconds, string resourceVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "informer {Informer}: list/watch failed ({Failures} in a row); retrying in {DelayMs} ms")]
    private partial void LogFailure(string informer, int failures, double delayMs, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "informer {Informer}: event handler threw")]
    private partial void LogHandlerFailed(string informer, Exception exception);

    private sealed class Registration(ResourceInformer<T> informer, IResourceEventHandler<T> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                informer.RemoveHandler(handler);
            }
        }
    }
}
