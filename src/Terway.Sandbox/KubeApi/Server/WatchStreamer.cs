using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Storage;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Server;

/// <summary>
/// Serves WATCH as the real server streams it: newline-delimited <c>{"type":..,"object":..}</c>
/// frames flushed one by one, synthetic ADDED events for the current state (resourceVersion
/// unset or "0"), replay from the event window, BOOKMARKs, 410 Expired as an ERROR event,
/// selector transitions (MODIFIED out of a selector is DELETED), and timeouts.
/// </summary>
internal sealed class WatchStreamer(ResourceOperations ops, TimeProvider time, Func<TimeSpan> bookmarkInterval, int queueCapacity)
{
    private readonly ObjectStore _store = ops.Store;

    public int QueueCapacity => queueCapacity;

    public async Task StreamAsync(HttpContext http, ResourceType rt, string? ns, ListOptions o, bool table, CancellationToken ct)
    {
        List<StoredObject>? initial = null;
        List<StoreEvent> backlog = [];
        WatchSubscription sub;
        long startRv;
        long? expiredRv = null;
        long requested = 0;
        var hasRv = !string.IsNullOrEmpty(o.ResourceVersion) && o.ResourceVersion != "0";
        if (hasRv)
        {
            requested = ResourceOperations.ParseResourceVersion(o.ResourceVersion!);
            await ops.WaitForRevisionAsync(requested, ct).ConfigureAwait(false);
        }

        lock (_store.Gate)
        {
            var table0 = _store.Table(rt.StorageKey);
            if (!hasRv || o.SendInitialEvents == true)
            {
                initial = table0.Range(ns, null).Where(so => Matches(so, o)).ToList();
                startRv = _store.CurrentRevision;
            }
            else if (requested < _store.CompactedRevision)
            {
                expiredRv = requested;
                startRv = requested;
            }
            else
            {
                backlog = _store.EventsAfter(rt.StorageKey, requested);
                startRv = requested;
            }

            sub = _store.Subscribe(rt.StorageKey, queueCapacity);
        }

        try
        {
            var response = http.Response;
            response.StatusCode = 200;
            response.ContentType = "application/json";
            response.Headers.CacheControl = "no-cache, private";
            await response.StartAsync(ct).ConfigureAwait(false);
            await response.Body.FlushAsync(ct).ConfigureAwait(false);
            var state = new StreamState(http, rt, table);
            if (expiredRv != null)
            {
                var status = StatusException.Expired($"too old resource version: {expiredRv} ({_store.CompactedRevision + 1})").ToStatus();
                await state.WriteAsync("ERROR", status, ct).ConfigureAwait(false);
                return;
            }

            var lastRv = startRv;
            if (initial != null)
            {
                foreach (var so in initial)
                {
                    await state.WriteAsync("ADDED", ResourceOperations.ToVersion(rt, so), ct).ConfigureAwait(false);
                }

                if (o.SendInitialEvents == true)
                {
                    var bm = Bookmark(rt, startRv);
                    ((JsonObject)bm["metadata"]!)["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                    await state.WriteAsync("BOOKMARK", bm, ct).ConfigureAwait(false);
                }
            }

            foreach (var ev in backlog)
            {
                await Deliver(state, ev, ns, o, ct).ConfigureAwait(false);
                lastRv = ev.ResourceVersion;
            }

            var timeout = o.TimeoutSeconds is > 0 ? TimeSpan.FromSeconds(o.TimeoutSeconds.Value) : TimeSpan.FromSeconds(1800 * (1 + Random.Shared.NextDouble()));
            var deadline = time.GetUtcNow() + timeout;
            var nextBookmark = time.GetUtcNow() + bookmarkInterval();
            var reader = sub.Channel.Reader;
            while (true)
            {
                var now = time.GetUtcNow();
                if (now >= deadline)
                {
                    if (o.AllowWatchBookmarks)
                    {
                        await SendBookmarkAsync(state, rt, sub, lastRv, ct).ConfigureAwait(false);
                    }

                    return;
                }

                var wait = deadline - now;
                if (o.AllowWatchBookmarks && nextBookmark - now < wait)
                {
                    wait = nextBookmark - now;
                }

                if (wait < TimeSpan.Zero)
                {
                    wait = TimeSpan.Zero;
                }

                using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                waitCts.CancelAfter(wait);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(waitCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    if (o.AllowWatchBookmarks && time.GetUtcNow() >= nextBookmark)
                    {
                        lastRv = await SendBookmarkAsync(state, rt, sub, lastRv, ct).ConfigureAwait(false);
                        nextBookmark = time.GetUtcNow() + bookmarkInterval();
                    }

                    continue;
                }

                if (!more)
                {
                    if (sub.Dropped)
                    {
                        http.Abort();
                    }

                    return;
                }

                while (reader.TryRead(out var ev))
                {
                    if (ev.ResourceVersion <= lastRv)
                    {
                        continue;
                    }

                    await Deliver(state, ev, ns, o, ct).ConfigureAwait(false);
                    lastRv = ev.ResourceVersion;
                }
            }
        }
        finally
        {
            lock (_store.Gate)
            {
                _store.Unsubscribe(sub);
            }
        }
    }

    /// <summary>A bookmark may only claim a revision once every earlier event of this watch has been sent.</summary>
    private async Task<long> SendBookmarkAsync(StreamState state, ResourceType rt, WatchSubscription sub, long lastRv, CancellationToken ct)
    {
        long rv;
        lock (_store.Gate)
        {
            rv = sub.Channel.Reader.Count == 0 ? _store.CurrentRevision : lastRv;
        }

        rv = Math.Max(rv, lastRv);
        await state.WriteAsync("BOOKMARK", Bookmark(rt, rv), ct).ConfigureAwait(false);
        return rv;
    }

    private static JsonObject Bookmark(ResourceType rt, long rv) => new()
    {
        ["kind"] = rt.Kind,
        ["apiVersion"] = rt.ApiVersion,
        ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) },
    };

    private static bool Matches(StoredObject so, ListOptions o) => o.Labels.Matches(so.Labels) && o.Fields.Matches(so.Fields);

    private static async Task Deliver(StreamState state, StoreEvent ev, string? ns, ListOptions o, CancellationToken ct)
    {
        if (ns != null && ev.Object.Namespace != ns)
        {
            return;
        }

        var matchesNew = Matches(ev.Object, o);
        var matchesOld = ev.Previous != null && Matches(ev.Previous, o);
        string? type = ev.Type switch
        {
            WatchEventType.Added => matchesNew ? "ADDED" : null,
            WatchEventType.Deleted => matchesNew || matchesOld ? "DELETED" : null,
            _ => (matchesNew, matchesOld) switch
            {
                (true, true) => "MODIFIED",
                (true, false) => "ADDED",
                (false, true) => "DELETED",
                _ => null,
            },
        };
        if (type == null)
        {
            return;
        }

        await state.WriteAsync(type, ResourceOperations.ToVersion(state.Type, ev.Object), ct).ConfigureAwait(false);
    }

    private sealed class StreamState(HttpContext http, ResourceType rt, bool table)
    {
        private bool _columnsSent;

        public ResourceType Type => rt;

        public async Task WriteAsync(string type, JsonObject obj, CancellationToken ct)
        {
            JsonNode payload = obj;
            if (table && type is not ("ERROR" or "BOOKMARK"))
            {
                payload = TableConverter.Build(rt, [obj], DateTimeOffset.UtcNow, http.Request.Query["includeObject"].ToString(),
                    new JsonObject { ["resourceVersion"] = JsonUtil.Str(obj["metadata"], "resourceVersion") }, includeColumns: !_columnsSent);
                _columnsSent = true;
            }

            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, JsonUtil.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WritePropertyName("object");
                payload.WriteTo(w);
                w.WriteEndObject();
            }

            ms.WriteByte((byte)'\n');
            await http.Response.Body.WriteAsync(ms.GetBuffer().AsMemory(0, (int)ms.Length), ct).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        }
    }
}
