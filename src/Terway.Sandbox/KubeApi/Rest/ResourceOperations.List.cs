using System.Globalization;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Rest;

/// <summary>One page of a LIST.</summary>
internal sealed record ListPage(List<StoredObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);

internal sealed partial class ResourceOperations
{
    /// <summary>Checks list options the way <c>ValidateListOptions</c> does.</summary>
    public static void ValidateListOptions(ListOptions o, bool watch)
    {
        var errs = new List<FieldError>();
        if (o.ResourceVersionMatch != null)
        {
            if (o.ResourceVersionMatch is not ("Exact" or "NotOlderThan"))
            {
                errs.Add(FieldError.NotSupported("resourceVersionMatch", o.ResourceVersionMatch, ["\"Exact\"", "\"NotOlderThan\"", "\"\""]));
            }
            else if (string.IsNullOrEmpty(o.ResourceVersion) && o.SendInitialEvents == null)
            {
                errs.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
            }
            else if (o.ResourceVersionMatch == "Exact" && o.ResourceVersion == "0")
            {
                errs.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
            }

            if (!string.IsNullOrEmpty(o.Continue))
            {
                errs.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
            }

            if (watch && o.ResourceVersionMatch == "Exact")
            {
                errs.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch"));
            }
        }

        if (o.SendInitialEvents != null)
        {
            if (!watch)
            {
                errs.Add(FieldError.Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
            }
            else if (o.ResourceVersionMatch != "NotOlderThan")
            {
                errs.Add(FieldError.Forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
            }
            else if (!o.AllowWatchBookmarks)
            {
                errs.Add(FieldError.Forbidden("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true"));
            }
        }
        else if (watch && o.ResourceVersionMatch != null && o.ResourceVersionMatch != "")
        {
            errs.Add(FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
        }

        if (errs.Count > 0)
        {
            throw StatusException.Invalid("meta.k8s.io", "ListOptions", "", errs);
        }
    }

    public static long ParseResourceVersion(string rv)
    {
        if (!long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            throw StatusException.BadRequest($"invalid resource version: {rv}");
        }

        return n;
    }

    /// <summary>Waits (as the watch cache does) for a resourceVersion the store has not reached yet.</summary>
    public async Task WaitForRevisionAsync(long rv, CancellationToken ct)
    {
        if (rv <= _store.CurrentRevision)
        {
            return;
        }

        var deadline = _time.GetUtcNow() + _tooLargeWait;
        while (rv > _store.CurrentRevision)
        {
            if (_time.GetUtcNow() >= deadline)
            {
                throw StatusException.ServerTimeout($"Too large resource version: {rv}, current: {_store.CurrentRevision}", 1);
            }

            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    /// <summary>LIST with selectors, limit/continue and resourceVersion semantics.</summary>
    public ListPage List(ResourceType rt, string? ns, ListOptions o)
    {
        long snapshotRv;
        string? after = null;
        var limit = o.Limit is > 0 ? o.Limit.Value : long.MaxValue;
        lock (_store.Gate)
        {
            IEnumerable<StoredObject> source;
            if (!string.IsNullOrEmpty(o.Continue))
            {
                if (!string.IsNullOrEmpty(o.ResourceVersion) && o.ResourceVersion != "0")
                {
                    throw StatusException.BadRequest("specifying resource version is not allowed when using continue");
                }

                var (rv, start) = ContinueToken.Decode(o.Continue);
                after = start;
                if (rv < _store.CompactedRevision)
                {
                    var fresh = ContinueToken.Encode(_store.CurrentRevision, start);
                    throw StatusException.Expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
                        new JsonObject { ["continue"] = fresh });
                }

                snapshotRv = rv;
                source = SnapshotRange(rt, ns, rv, after);
            }
            else if (string.IsNullOrEmpty(o.ResourceVersion) || o.ResourceVersion == "0")
            {
                snapshotRv = _store.CurrentRevision;
                if (o.ResourceVersion == "0")
                {
                    // Served from the watch cache: the real server ignores limit for resourceVersion=0.
                    limit = long.MaxValue;
                }

                source = _store.Table(rt.StorageKey).Range(ns, null);
            }
            else
            {
                var rv = ParseResourceVersion(o.ResourceVersion);
                if (rv > _store.CurrentRevision)
                {
                    throw StatusException.ServerTimeout($"Too large resource version: {rv}, current: {_store.CurrentRevision}", 1);
                }

                if (o.ResourceVersionMatch == "Exact")
                {
                    if (rv < _store.CompactedRevision)
                    {
                        throw StatusException.Expired("The resourceVersion for the provided list is too old.");
                    }

                    snapshotRv = rv;
                    source = SnapshotRange(rt, ns, rv, null);
                }
                else
                {
                    snapshotRv = _store.CurrentRevision;
                    source = _store.Table(rt.StorageKey).Range(ns, null);
                }
            }

            var items = new List<StoredObject>();
            string? lastKey = null;
            var more = false;
            long remaining = 0;
            foreach (var so in source)
            {
                if (!o.Labels.Matches(so.Labels) || !o.Fields.Matches(so.Fields))
                {
                    continue;
                }

                if (items.Count >= limit)
                {
                    more = true;
                    remaining++;
                    continue;
                }

                items.Add(so);
                lastKey = so.Key;
            }

            string? cont = more && lastKey != null ? ContinueToken.Encode(snapshotRv, lastKey + "\0") : null;
            long? remainingCount = more && o.Labels.IsEmpty && o.Fields.IsEmpty ? remaining : null;
            return new ListPage(items, snapshotRv, cont, remainingCount);
        }
    }

    private List<StoredObject> SnapshotRange(ResourceType rt, string? ns, long rv, string? after)
    {
        if (rv >= _store.CurrentRevision || _store.EventsAfter(rt.StorageKey, rv).Count == 0)
        {
            return _store.Table(rt.StorageKey).Range(ns, after).ToList();
        }

        var snap = _store.SnapshotAt(rt.StorageKey, rv) ?? throw StatusException.Expired("The resourceVersion for the provided list is too old.");
        return snap.Values.Where(so => (ns == null || so.Namespace == ns) && (after == null || string.CompareOrdinal(so.Key, after) > 0)).ToList();
    }

    /// <summary>Builds the List object for a page.</summary>
    public static JsonObject ListObject(ResourceType rt, ListPage page)
    {
        var meta = new JsonObject { ["resourceVersion"] = page.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (page.Continue != null)
        {
            meta["continue"] = page.Continue;
        }

        if (page.RemainingItemCount != null)
        {
            meta["remainingItemCount"] = page.RemainingItemCount;
        }

        var items = new JsonArray();
        foreach (var so in page.Items)
        {
            items.Add(ToVersion(rt, so));
        }

        return new JsonObject { ["kind"] = rt.ListKind, ["apiVersion"] = rt.ApiVersion, ["metadata"] = meta, ["items"] = items };
    }
}
