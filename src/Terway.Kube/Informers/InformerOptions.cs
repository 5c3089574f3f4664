using Terway.Kube.Cache;
using Terway.Kube.Client;

namespace Terway.Kube.Informers;

/// <summary>How an informer lists, watches and reconnects.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespace and selectors (e.g. <c>FieldSelector = "spec.nodeName=node-1"</c> on the node agent).</summary>
    public ListOptions Selection { get; init; } = ListOptions.All;

    /// <summary>Objects per LIST page (<c>limit</c>); the rest is fetched with <c>continue</c>.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Lower bound of each watch's server-side <c>timeoutSeconds</c> (randomized per watch).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound of each watch's <c>timeoutSeconds</c>.</summary>
    public TimeSpan MaxWatchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A watch that delivers nothing (not even a bookmark) for this long is cancelled and reopened. The API
    /// server sends bookmarks about once a minute, so the default is a bit more than that.
    /// </summary>
    public TimeSpan WatchdogTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Reconnects (watches and lists) allowed per second on average.</summary>
    public double ReconnectRate { get; init; } = 1;

    /// <summary>Reconnects allowed back to back.</summary>
    public int ReconnectBurst { get; init; } = 5;

    /// <summary>First delay after a failed list or watch; doubles per consecutive failure.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of the failure backoff.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Options of the cache the informer fills.</summary>
    public CacheOptions Cache { get; init; } = new();
}

/// <summary>Counters describing what an informer has done (for tests, logs and the benchmark).</summary>
public sealed class InformerStats
{
    private long _lists;
    private long _watches;
    private long _expired;
    private long _watchdogResets;
    private long _failures;
    private long _events;

    /// <summary>Full relists (initial list included).</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>Watch requests opened.</summary>
    public long Watches => Interlocked.Read(ref _watches);

    /// <summary>410 Expired/Gone answers that forced a relist.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>Watches cancelled by the watchdog for being silent.</summary>
    public long WatchdogResets => Interlocked.Read(ref _watchdogResets);

    /// <summary>Failed list or watch attempts (connection errors, 5xx, ...).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Add/update/delete notifications delivered.</summary>
    public long Events => Interlocked.Read(ref _events);

    internal void List() => Interlocked.Increment(ref _lists);

    internal void Watch() => Interlocked.Increment(ref _watches);

    internal void Expire() => Interlocked.Increment(ref _expired);

    internal void WatchdogReset() => Interlocked.Increment(ref _watchdogResets);

    internal void Failure() => Interlocked.Increment(ref _failures);

    internal void Event() => Interlocked.Increment(ref _events);
}
