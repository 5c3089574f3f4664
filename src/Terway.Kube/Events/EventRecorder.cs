using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Client;
using Terway.Kube.Queues;

namespace Terway.Kube.Events;

/// <summary>Records Kubernetes events about objects (events.k8s.io/v1).</summary>
public interface IEventRecorder
{
    /// <summary>
    /// Queues an event; never blocks and never throws. Repeats of the same event (same regarding object,
    /// type, reason, action, note and related object) within the aggregation window update one Event's
    /// <c>series</c> instead of creating new ones.
    /// </summary>
    /// <param name="regarding">The object the event is about.</param>
    /// <param name="type"><see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</param>
    /// <param name="reason">A CamelCase reason (<c>AllocIPFailed</c>).</param>
    /// <param name="action">What was attempted (<c>Allocate</c>).</param>
    /// <param name="note">A human-readable message (truncated to 1 KiB).</param>
    /// <param name="related">An optional second object.</param>
    void Publish(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, IKubernetesObject<V1ObjectMeta>? related = null);
}

/// <summary>Event types.</summary>
public static class EventTypes
{
    /// <summary>Normal.</summary>
    public const string Normal = "Normal";

    /// <summary>Warning.</summary>
    public const string Warning = "Warning";
}

/// <summary>Options of the event recorder.</summary>
public sealed record EventRecorderOptions
{
    /// <summary><c>reportingController</c>, e.g. <c>terway.alibabacloud.com/operator</c>.</summary>
    public required string ReportingController { get; init; }

    /// <summary><c>reportingInstance</c>, e.g. the pod name.</summary>
    public string ReportingInstance { get; init; } = Environment.MachineName;

    /// <summary>Repeats within this window are aggregated into one Event's series.</summary>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>API writes allowed per regarding object: burst.</summary>
    public int BurstPerObject { get; init; } = 25;

    /// <summary>API writes allowed per regarding object: refill per second (default one per 5 minutes, as client-go).</summary>
    public double RatePerObject { get; init; } = 1.0 / 300;

    /// <summary>Queued events beyond this are dropped (and counted).</summary>
    public int QueueCapacity { get; init; } = 1000;

    /// <summary>How often pending series counts held back by the rate limit are retried.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>What the recorder has done.</summary>
public sealed class EventRecorderStats
{
    private long _created;
    private long _patched;
    private long _aggregated;
    private long _dropped;
    private long _failed;

    /// <summary>Events created.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Series patches sent.</summary>
    public long Patched => Interlocked.Read(ref _patched);

    /// <summary>Occurrences folded into an existing Event.</summary>
    public long Aggregated => Interlocked.Read(ref _aggregated);

    /// <summary>Events dropped (queue full or rate limit on a new event).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>API writes that failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    internal void Create() => Interlocked.Increment(ref _created);

    internal void Patch() => Interlocked.Increment(ref _patched);

    internal void Aggregate() => Interlocked.Increment(ref _aggregated);

    internal void Drop() => Interlocked.Increment(ref _dropped);

    internal void Fail() => Interlocked.Increment(ref _failed);
}

/// <summary>
/// The default <see cref="IEventRecorder"/>: a bounded queue drained by <see cref="RunAsync"/>, aggregation of
/// repeats into <c>series.count</c>/<c>series.lastObservedTime</c> (patched), and a per-object token bucket so
/// a hot loop cannot flood the API server. Counts held back by the rate limit are not lost: they are written
/// with the next allowed patch.
/// </summary>
public sealed partial class EventRecorder : IEventRecorder
{
    private readonly IKubeApiClient _client;
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Occurrence> _channel;
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<string, (TokenBucket Bucket, DateTime LastUsed)> _buckets = new(StringComparer.Ordinal);
    private long _pending;
    private long _nameCounter;

    /// <summary>Creates the recorder; call <see cref="RunAsync"/> to start writing.</summary>
    public EventRecorder(IKubeApiClient client, EventRecorderOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _channel = Channel.CreateBounded<Occurrence>(new BoundedChannelOptions(options.QueueCapacity)
        {
            // Wait mode makes TryWrite refuse when full, so drops are counted (DropWrite would report success).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>What the recorder has done.</summary>
    public EventRecorderStats Stats { get; } = new();

    /// <inheritdoc/>
    public void Publish(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, IKubernetesObject<V1ObjectMeta>? related = null)
    {
        var occurrence = new Occurrence(Reference(regarding), related is null ? null : Reference(related), type, reason, action,
            note.Length <= 1024 ? note : note[..1024], _time.GetUtcNow().UtcDateTime);
        Interlocked.Increment(ref _pending);
        if (!_channel.Writer.TryWrite(occurrence))
        {
            Interlocked.Decrement(ref _pending);
            Stats.Drop();
        }
    }

    /// <summary>Writes queued events until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        while (!cancellationToken.IsCancellationRequested)
        {
            using var tick = new CancellationTokenSource(_options.FlushInterval, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, tick.Token);
            try
            {
                while (reader.TryRead(out var occurrence) || (await reader.WaitToReadAsync(linked.Token) && reader.TryRead(out occurrence)))
                {
                    await ProcessAsync(occurrence, cancellationToken);
                    Interlocked.Decrement(ref _pending);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Flush tick.
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushHeldBackAsync(cancellationToken);
        }
    }

    /// <summary>How many objects the recorder keeps rate-limit state for (bounded by eviction).</summary>
    internal int TrackedObjects => _buckets.Count;

    /// <summary>True when every published event has been handled (written, aggregated or dropped).</summary>
    public bool Idle => Interlocked.Read(ref _pending) == 0;

    private async Task ProcessAsync(Occurrence o, CancellationToken cancellationToken)
    {
        var key = new SeriesKey(o.Regarding.Uid ?? $"{o.Regarding.Kind}/{o.Regarding.NamespaceProperty}/{o.Regarding.Name}",
            o.Related?.Uid ?? o.Related?.Name, o.Type, o.Reason, o.Action, o.Note);
        EvictExpired(o.At);
        if (_series.TryGetValue(key, out var series) && o.At - series.LastObserved < _options.AggregationWindow)
        {
            series.Count++;
            series.LastObserved = o.At;
            series.Dirty = true;
            Stats.Aggregate();
            if (Bucket(key.Regarding).TryTake())
            {
                await PatchSeriesAsync(series, cancellationToken);
            }

            return;
        }

        if (!Bucket(key.Regarding).TryTake())
        {
            Stats.Drop();
            LogDropped(o.Reason, o.Regarding.Name);
            return;
        }

        var ns = string.IsNullOrEmpty(o.Regarding.NamespaceProperty) ? "default" : o.Regarding.NamespaceProperty;
        var name = $"{o.Regarding.Name}.{(o.At.Ticks * 100) + Interlocked.Increment(ref _nameCounter):x}";
        var ev = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            EventTime = o.At,
            ReportingController = _options.ReportingController,
            ReportingInstance = _options.ReportingInstance,
            Action = o.Action,
            Reason = o.Reason,
            Note = o.Note,
            Type = o.Type,
            Regarding = o.Regarding,
            Related = o.Related,
        };
        try
        {
            await _client.CreateAsync(ev, cancellationToken);
            Stats.Create();
            _series[key] = new Series(ns, name, o.At);
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException)
        {
            Stats.Fail();
            LogWriteFailed(o.Reason, o.Regarding.Name, ex.Message);
        }
    }

    private async Task FlushHeldBackAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, series) in _series.ToArray())
        {
            if (series.Dirty && Bucket(key.Regarding).TryTake())
            {
                await PatchSeriesAsync(series, cancellationToken);
            }
        }
    }

    private async Task PatchSeriesAsync(Series series, CancellationToken cancellationToken)
    {
        var body = KubernetesJson.Serialize(new Dictionary<string, object>
        {
            ["series"] = new Eventsv1EventSeries { Count = series.Count, LastObservedTime = series.LastObserved },
        });
        try
        {
            await _client.PatchAsync<Eventsv1Event>(new ObjectKey(series.Namespace, series.Name), new Patch(PatchKind.Merge, body), null, cancellationToken);
            series.Dirty = false;
            Stats.Patch();
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException)
        {
            Stats.Fail();
            LogWriteFailed("series", series.Name, ex.Message);
        }
    }

    private TokenBucket Bucket(string regarding)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (!_buckets.TryGetValue(regarding, out var entry))
        {
            entry = (new TokenBucket(_options.RatePerObject, _options.BurstPerObject, _time), now);
        }

        _buckets[regarding] = (entry.Bucket, now);
        return entry.Bucket;
    }

    private void EvictExpired(DateTime now)
    {
        if (_series.Count < 4096 && _buckets.Count < 4096)
        {
            return;
        }

        foreach (var (key, series) in _series.ToArray())
        {
            if (!series.Dirty && now - series.LastObserved >= _options.AggregationWindow)
            {
                _series.Remove(key);
            }
        }

        // A bucket untouched for as long as it takes to refill is full again: a new one is equivalent.
        var refill = TimeSpan.FromSeconds(_options.BurstPerObject / _options.RatePerObject);
        var inUse = _series.Keys.Select(k => k.Regarding).ToHashSet(StringComparer.Ordinal);
        foreach (var (regarding, entry) in _buckets.ToArray())
        {
            if (now - entry.LastUsed >= refill && !inUse.Contains(regarding))
            {
                _buckets.Remove(regarding);
            }
        }
    }

    private static V1ObjectReference Reference(IKubernetesObject<V1ObjectMeta> obj) => new()
    {
        ApiVersion = obj.ApiVersion,
        Kind = obj.Kind,
        Name = obj.Metadata?.Name,
        NamespaceProperty = obj.Metadata?.NamespaceProperty,
        Uid = obj.Metadata?.Uid,
        ResourceVersion = obj.Metadata?.ResourceVersion,
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "event {Reason} about {Object} dropped by the rate limit")]
    private partial void LogDropped(string reason, string @object);

    [LoggerMessage(Level = LogLevel.Warning, Message = "writing event {Reason} about {Object} failed: {Detail}")]
    private partial void LogWriteFailed(string reason, string @object, string detail);

    private sealed record Occurrence(V1ObjectReference Regarding, V1ObjectReference? Related, string Type, string Reason, string Action, string Note, DateTime At);

    private readonly record struct SeriesKey(string Regarding, string? Related, string Type, string Reason, string Action, string Note);

    private sealed class Series(string ns, string name, DateTime at)
    {
        public string Namespace { get; } = ns;

        public string Name { get; } = name;

        public int Count { get; set; } = 1;

        public DateTime LastObserved { get; set; } = at;

        public bool Dirty { get; set; }
    }
}
