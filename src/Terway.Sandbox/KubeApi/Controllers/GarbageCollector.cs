using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Controllers;

/// <summary>
/// The garbage collector over ownerReferences: background deletion of dependents once their
/// owners are gone (or never existed), foreground deletion (owner waits with the
/// <c>foregroundDeletion</c> finalizer for blocking dependents), and orphaning.
/// </summary>
internal sealed class GarbageCollector(ResourceOperations ops, TimeProvider time, ILogger log) : EventLoop(ops.Store, log)
{
    private readonly Dictionary<string, (string StorageKey, string Key)> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);

    private OpContext System() => new() { User = UserInfo.System, Now = time.GetUtcNow(), FieldValidation = "Ignore" };

    protected override Task OnStartAsync(CancellationToken ct)
    {
        lock (ops.Store.Gate)
        {
            foreach (var sk in ops.Store.StorageKeys.ToList())
            {
                foreach (var so in ops.Store.Table(sk).All())
                {
                    Index(sk, so);
                }
            }
        }

        return Task.CompletedTask;
    }

    private void Index(string storageKey, StoredObject so)
    {
        _byUid[so.Uid] = (storageKey, so.Key);
        foreach (var owner in so.OwnerUids)
        {
            if (!_dependents.TryGetValue(owner, out var set))
            {
                set = [];
                _dependents[owner] = set;
            }

            set.Add(so.Uid);
        }
    }

    private void Unindex(StoredObject so)
    {
        _byUid.Remove(so.Uid);
        foreach (var owner in so.OwnerUids)
        {
            if (_dependents.TryGetValue(owner, out var set))
            {
                set.Remove(so.Uid);
            }
        }
    }

    protected override async Task HandleAsync(StoreEvent ev, CancellationToken ct)
    {
        if (ev.Previous != null)
        {
            Unindex(ev.Previous);
        }

        if (ev.Type == WatchEventType.Deleted)
        {
            Unindex(ev.Object);
            await OwnerGoneAsync(ev.Object.Uid, ct).ConfigureAwait(false);
            foreach (var owner in ev.Object.OwnerUids)
            {
                await RecheckForegroundOwnerAsync(owner, ct).ConfigureAwait(false);
            }

            return;
        }

        Index(ev.StorageKey, ev.Object);
        var obj = ev.Object.Parse();
        var meta = obj["metadata"] as JsonObject;
        var finalizers = (JsonUtil.Arr(meta, "finalizers") ?? []).Select(JsonUtil.AsString).ToList();
        if (meta?["deletionTimestamp"] != null)
        {
            if (finalizers.Contains("orphan"))
            {
                await OrphanAsync(ev.Object, ct).ConfigureAwait(false);
            }
            else if (finalizers.Contains("foregroundDeletion"))
            {
                await ForegroundAsync(ev.Object, ct).ConfigureAwait(false);
            }
        }

        if (ev.Object.OwnerUids.Count > 0 && ev.Type == WatchEventType.Added)
        {
            await CheckDanglingAsync(ev.StorageKey, ev.Object, obj, ct).ConfigureAwait(false);
        }
    }

    private ResourceType? TypeFor(string storageKey) =>
        ops.Registry.All.FirstOrDefault(r => r.StorageKey == storageKey && !r.IsVirtual && r.Group.Length >= 0 && (r.Custom == null || r.Custom.Storage) && r.StorageKeyOverride == null)
        ?? ops.Registry.All.FirstOrDefault(r => r.StorageKey == storageKey && r.Group.Length == 0);

    private StoredObject? Lookup(string uid)
    {
        if (!_byUid.TryGetValue(uid, out var where))
        {
            return null;
        }

        lock (ops.Store.Gate)
        {
            return ops.Store.Table(where.StorageKey).TryGet(where.Key, out var so) && so.Uid == uid ? so : null;
        }
    }

    private async Task OwnerGoneAsync(string ownerUid, CancellationToken ct)
    {
        if (!_dependents.TryGetValue(ownerUid, out var deps) || deps.Count == 0)
        {
            return;
        }

        foreach (var depUid in deps.ToList())
        {
            var dep = Lookup(depUid);
            if (dep == null)
            {
                continue;
            }

            await ProcessDependentAsync(dep, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes a dependent all of whose owners are gone; otherwise drops the dangling references.</summary>
    private async Task ProcessDependentAsync(StoredObject dep, CancellationToken ct)
    {
        var live = dep.OwnerUids.Where(u => Lookup(u) != null).ToList();
        var rt = TypeFor(_byUid[dep.Uid].StorageKey);
        if (rt == null)
        {
            return;
        }

        try
        {
            if (live.Count == 0)
            {
                await ops.DeleteAsync(rt, dep.Namespace, dep.Name, new DeleteOptions
                {
                    PropagationPolicy = "Background",
                    PreconditionUid = dep.Uid,
                }, System(), ct).ConfigureAwait(false);
            }
            else if (live.Count < dep.OwnerUids.Count)
            {
                await ops.WriteAsync(rt, dep.Namespace, dep.Name, System(), cur =>
                {
                    var refs = JsonUtil.Arr(cur["metadata"], "ownerReferences") ?? [];
                    var kept = refs.Where(r => live.Contains(JsonUtil.Str(r, "uid") ?? "")).Select(r => r?.DeepClone()).ToArray();
                    ((JsonObject)cur["metadata"]!)["ownerReferences"] = new JsonArray(kept);
                    return cur;
                }, fromPatch: true, ct).ConfigureAwait(false);
            }
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
            // Already gone or replaced by a new object with the same name.
        }
    }

    private async Task CheckDanglingAsync(string storageKey, StoredObject so, JsonObject obj, CancellationToken ct)
    {
        foreach (var r in (JsonUtil.Arr(obj["metadata"], "ownerReferences") ?? []).OfType<JsonObject>())
        {
            var uid = JsonUtil.Str(r, "uid") ?? "";
            if (Lookup(uid) != null)
            {
                continue;
            }

            var apiVersion = JsonUtil.Str(r, "apiVersion") ?? "";
            var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion.Split('/')[0] : "";
            var version = apiVersion.Split('/')[^1];
            var ownerType = ops.Registry.FindByKind(group, version, JsonUtil.Str(r, "kind") ?? "");
            if (ownerType == null)
            {
                // The real collector cannot resolve unknown kinds and leaves such dependents alone.
                return;
            }
        }

        if (so.OwnerUids.Any(u => Lookup(u) == null))
        {
            await ProcessDependentAsync(so, ct).ConfigureAwait(false);
        }
    }

    private async Task OrphanAsync(StoredObject owner, CancellationToken ct)
    {
        if (_dependents.TryGetValue(owner.Uid, out var deps))
        {
            foreach (var depUid in deps.ToList())
            {
                var dep = Lookup(depUid);
                var rt = dep == null ? null : TypeFor(_byUid[depUid].StorageKey);
                if (dep == null || rt == null)
                {
                    continue;
                }

                try
                {
                    await ops.WriteAsync(rt, dep.Namespace, dep.Name, System(), cur =>
                    {
                        var refs = JsonUtil.Arr(cur["metadata"], "ownerReferences") ?? [];
                        var kept = refs.Where(r => JsonUtil.Str(r, "uid") != owner.Uid).Select(r => r?.DeepClone()).ToArray();
                        ((JsonObject)cur["metadata"]!)["ownerReferences"] = new JsonArray(kept);
                        return cur;
                    }, fromPatch: true, ct).ConfigureAwait(false);
                }
                catch (StatusException e) when (e.Code is 404 or 409)
                {
                    // Gone meanwhile.
                }
            }
        }

        await RemoveFinalizerAsync(owner, "orphan", ct).ConfigureAwait(false);
    }

    private async Task ForegroundAsync(StoredObject owner, CancellationToken ct)
    {
        var blocking = 0;
        if (_dependents.TryGetValue(owner.Uid, out var deps))
        {
            foreach (var depUid in deps.ToList())
            {
                var dep = Lookup(depUid);
                var rt = dep == null ? null : TypeFor(_byUid[depUid].StorageKey);
                if (dep == null || rt == null)
                {
                    continue;
                }

                var depObj = dep.Parse();
                var blocks = (JsonUtil.Arr(depObj["metadata"], "ownerReferences") ?? []).OfType<JsonObject>()
                    .Any(r => JsonUtil.Str(r, "uid") == owner.Uid && JsonUtil.AsBool(r["blockOwnerDeletion"]) == true);
                if (blocks)
                {
                    blocking++;
                }

                if (depObj["metadata"]?["deletionTimestamp"] != null)
                {
                    continue;
                }

                try
                {
                    await ops.DeleteAsync(rt, dep.Namespace, dep.Name, new DeleteOptions { PropagationPolicy = "Foreground", PreconditionUid = dep.Uid }, System(), ct).ConfigureAwait(false);
                }
                catch (StatusException e) when (e.Code is 404 or 409)
                {
                    // Gone meanwhile.
                }
            }
        }

        if (blocking == 0)
        {
            await RemoveFinalizerAsync(owner, "foregroundDeletion", ct).ConfigureAwait(false);
        }
    }

    private async Task RecheckForegroundOwnerAsync(string ownerUid, CancellationToken ct)
    {
        var owner = Lookup(ownerUid);
        if (owner == null)
        {
            return;
        }

        var obj = owner.Parse();
        if (obj["metadata"]?["deletionTimestamp"] != null &&
            (JsonUtil.Arr(obj["metadata"], "finalizers") ?? []).Any(f => JsonUtil.AsString(f) == "foregroundDeletion"))
        {
            await ForegroundAsync(owner, ct).ConfigureAwait(false);
        }
    }

    private async Task RemoveFinalizerAsync(StoredObject owner, string finalizer, CancellationToken ct)
    {
        var rt = TypeFor(_byUid.TryGetValue(owner.Uid, out var w) ? w.StorageKey : "");
        if (rt == null)
        {
            return;
        }

        try
        {
            await ops.WriteAsync(rt, owner.Namespace, owner.Name, System(), cur =>
            {
                var meta = JsonUtil.EnsureObject(cur, "metadata");
                if (JsonUtil.Str(meta, "uid") != owner.Uid)
                {
                    throw StatusException.Conflict(rt.Group, rt.Plural, owner.Name, "uid changed");
                }

                var fins = (JsonUtil.Arr(meta, "finalizers") ?? []).Where(f => JsonUtil.AsString(f) != finalizer).Select(f => f?.DeepClone()).ToArray();
                meta["finalizers"] = new JsonArray(fins);
                return cur;
            }, fromPatch: true, ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code is 404 or 409)
        {
            // Gone or replaced meanwhile.
        }
    }
}
