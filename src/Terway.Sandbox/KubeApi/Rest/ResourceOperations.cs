using System.Globalization;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Admission;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Storage;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Rest;

/// <summary>The outcome of a write.</summary>
internal sealed record WriteResult(JsonObject Body, int StatusCode);

/// <summary>Delete options from the body and the query.</summary>
internal sealed class DeleteOptions
{
    public long? GracePeriodSeconds { get; set; }
    public string? PropagationPolicy { get; set; }
    public bool? OrphanDependents { get; set; }
    public string? PreconditionUid { get; set; }
    public string? PreconditionResourceVersion { get; set; }
    public bool DryRun { get; set; }
}

/// <summary>
/// The REST semantics of the API server over the object store, independent of HTTP:
/// create/update/patch/delete with resourceVersion preconditions, status subresources,
/// generation, finalizers and graceful deletion, admission, lists with paging and snapshots.
/// </summary>
internal sealed partial class ResourceOperations
{
    private const int MaxRetries = 8;
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tooLargeWait;

    public ResourceOperations(ObjectStore store, ResourceRegistry registry, TimeProvider time, TimeSpan tooLargeResourceVersionWait)
    {
        _store = store;
        _registry = registry;
        _time = time;
        _tooLargeWait = tooLargeResourceVersionWait;
    }

    public IAdmissionController Admission { get; set; } = NoAdmission.Instance;

    public ObjectStore Store => _store;

    public ResourceRegistry Registry => _registry;

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The storage (authoritative) type for a resource: core events for events.k8s.io, the storage version for CRDs.</summary>
    private ResourceType StorageType(ResourceType rt)
    {
        if (rt.StorageKeyOverride == "/events" && rt.Group != "")
        {
            return _registry.Find("", "v1", "events") ?? rt;
        }

        if (rt.Custom is { Storage: false })
        {
            return _registry.All.FirstOrDefault(r => r.Custom?.CrdName == rt.Custom.CrdName && r.Custom.Storage) ?? rt;
        }

        return rt;
    }

    /// <summary>Reads one object in <paramref name="rt"/>'s representation.</summary>
    public JsonObject Get(ResourceType rt, string ns, string name)
    {
        StoredObject? so;
        lock (_store.Gate)
        {
            _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out so);
        }

        return so == null ? throw StatusException.NotFound(rt.Group, rt.Plural, name) : ToVersion(rt, so);
    }

    public StoredObject? TryGetStored(ResourceType rt, string ns, string name)
    {
        lock (_store.Gate)
        {
            return _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out var so) ? so : null;
        }
    }

    /// <summary>Converts a stored object to the requested version's representation.</summary>
    public static JsonObject ToVersion(ResourceType rt, StoredObject so)
    {
        var obj = so.Parse();
        obj = rt.Strategy.FromStorage(rt, obj);
        return WithTypeMeta(rt, obj);
    }

    private static JsonObject WithTypeMeta(ResourceType rt, JsonObject obj)
    {
        var ordered = new JsonObject { ["apiVersion"] = rt.ApiVersion, ["kind"] = rt.Kind };
        foreach (var (k, v) in obj.ToList())
        {
            if (k is "apiVersion" or "kind")
            {
                continue;
            }

            obj.Remove(k);
            ordered[k] = v;
        }

        return ordered;
    }

    /// <summary>Serializes a storage-representation object and indexes what lists and the GC need.</summary>
    private static StoredObject Freeze(ResourceType storageRt, JsonObject obj, long rv)
    {
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var ordered = NormalizeOrder(WithTypeMeta(storageRt, obj));
        meta = (JsonObject)ordered["metadata"]!;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta["labels"] is JsonObject l)
        {
            foreach (var (k, v) in l)
            {
                labels[k] = JsonUtil.AsString(v) ?? "";
            }
        }

        var name = JsonUtil.Str(meta, "name") ?? "";
        var ns = JsonUtil.Str(meta, "namespace") ?? "";
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["metadata.name"] = name, ["metadata.namespace"] = ns };
        storageRt.Strategy.AddFields(ordered, fields);
        var owners = (JsonUtil.Arr(meta, "ownerReferences") ?? []).Select(r => JsonUtil.Str(r, "uid") ?? "").Where(u => u.Length > 0).ToList();
        return new StoredObject(ns, name, rv, JsonUtil.ToBytes(ordered), JsonUtil.Str(meta, "uid") ?? "", labels, fields, owners);
    }

    private static readonly string[] MetaOrder =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static JsonObject NormalizeOrder(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            var sorted = new JsonObject();
            foreach (var k in MetaOrder)
            {
                if (meta.Remove(k, out var v))
                {
                    sorted[k] = v;
                }
            }

            foreach (var (k, v) in meta.ToList())
            {
                meta.Remove(k);
                sorted[k] = v;
            }

            obj["metadata"] = sorted;
        }

        return obj;
    }

    private static string NewUid() => Guid.NewGuid().ToString();

    private string Timestamp() => JsonUtil.Rfc3339(_time.GetUtcNow());

    private const string GenerateNameChars = "bcdfghjklmnpqrstvwxz2456789";

    private static string RandomSuffix()
    {
        var chars = new char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = GenerateNameChars[System.Security.Cryptography.RandomNumberGenerator.GetInt32(GenerateNameChars.Length)];
        }

        return new string(chars);
    }

    /// <summary>The real server's qualified kind for Invalid errors (<c>Pod</c>, <c>Deployment.apps</c>).</summary>
    private static StatusException Invalid(ResourceType rt, string name, List<FieldError> errs) => StatusException.Invalid(rt.Group, rt.Kind, name, errs);

    private void CheckNamespace(ResourceType rt, string ns, string name)
    {
        if (!rt.Namespaced)
        {
            return;
        }

        var nsType = _registry.Find("", "v1", "namespaces")!;
        StoredObject? nsObj;
        lock (_store.Gate)
        {
            _store.Table(nsType.StorageKey).TryGet(ns, out nsObj);
        }

        if (nsObj == null)
        {
            throw StatusException.NotFound("", "namespaces", ns);
        }

        var parsed = nsObj.Parse();
        if (parsed["metadata"]?["deletionTimestamp"] != null || JsonUtil.Str(parsed["status"], "phase") == "Terminating")
        {
            throw StatusException.Forbidden(rt.Group, rt.Plural, name, $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    /// <summary>POST: create an object.</summary>
    public async Task<WriteResult> CreateAsync(ResourceType rt, string ns, JsonObject body, OpContext ctx, CancellationToken ct)
    {
        if (rt.Custom is { Terminating: true })
        {
            throw new StatusException(405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating", new JsonObject());
        }

        var obj = body;
        var meta = JsonUtil.EnsureObject(obj, "metadata");
        if (rt.Namespaced)
        {
            var bodyNs = JsonUtil.Str(meta, "namespace") ?? "";
            if (bodyNs.Length > 0 && bodyNs != ns)
            {
                throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        if (!string.IsNullOrEmpty(JsonUtil.Str(meta, "resourceVersion")))
        {
            throw StatusException.Internal("resourceVersion should not be set on objects to be created");
        }

        var name = JsonUtil.Str(meta, "name") ?? "";
        var generateName = JsonUtil.Str(meta, "generateName") ?? "";
        if (name.Length == 0 && generateName.Length > 0)
        {
            name = generateName + RandomSuffix();
            meta["name"] = name;
        }

        CheckNamespace(rt, ns, name);
        Schema.SchemaProcessor.PruneObjectMeta(obj, ctx.UnknownFields);
        rt.Strategy.Decode(rt, obj, ctx);
        ReportUnknownFields(rt, name, ctx);

        foreach (var f in new[] { "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields" })
        {
            meta.Remove(f);
        }

        meta["uid"] = NewUid();
        meta["creationTimestamp"] = Timestamp();
        meta["generation"] = 1;
        rt.Strategy.PrepareForCreate(rt, obj, ctx);
        if (rt.Custom != null && rt.HasStatus)
        {
            obj.Remove("status");
        }

        obj = await AdmitMutateAsync(rt, "CREATE", ns, name, obj, null, ctx, ct).ConfigureAwait(false);
        meta = JsonUtil.EnsureObject(obj, "metadata");
        var errs = ObjectMetaValidation.Validate(obj, rt.Namespaced, rt.NameRule);
        rt.Strategy.Validate(rt, obj, errs, ctx);
        if (errs.Count > 0)
        {
            throw Invalid(rt, name, errs);
        }

        await Admission.ValidateAsync(new AdmissionRequest(rt, "CREATE", ns, name, "", obj, null, ctx.User, ctx.DryRun, "CreateOptions"), ct).ConfigureAwait(false);

        var storageRt = StorageType(rt);
        var storageObj = rt.Strategy.ToStorage(rt, obj);
        lock (_store.Gate)
        {
            var table = _store.Table(rt.StorageKey);
            if (table.TryGet(StoredObject.MakeKey(ns, name), out _))
            {
                throw StatusException.AlreadyExists(rt.Group, rt.Plural, name);
            }

            if (ctx.DryRun)
            {
                var preview = WithTypeMeta(rt, rt.Strategy.FromStorage(rt, storageObj));
                return new WriteResult(preview, 201);
            }

            var so = Freeze(storageRt, storageObj, _store.NextRevision());
            _store.Commit(rt.StorageKey, WatchEventType.Added, so, null);
            return new WriteResult(ToVersion(rt, so), 201);
        }
    }

    private static void ReportUnknownFields(ResourceType rt, string name, OpContext ctx)
    {
        if (ctx.UnknownFields.Count == 0)
        {
            return;
        }

        var fields = ctx.UnknownFields.Distinct().ToList();
        ctx.UnknownFields.Clear();
        switch (ctx.FieldValidation)
        {
            case "Strict":
                throw StatusException.BadRequest("strict decoding error: " + string.Join(", ", fields.Select(f => $"unknown field \"{f}\"")));
            case "Ignore":
                break;
            default:
                ctx.Warnings.AddRange(fields.Select(f => $"unknown field \"{f}\""));
                break;
        }
    }

    private async Task<JsonObject> AdmitMutateAsync(ResourceType rt, string op, string ns, string name, JsonObject obj, JsonObject? old, OpContext ctx, CancellationToken ct)
    {
        var before = JsonUtil.ToText(obj);
        var mutated = await Admission.MutateAsync(new AdmissionRequest(rt, op, ns, name, ctx.SubResource, obj, old, ctx.User, ctx.DryRun, op == "CREATE" ? "CreateOptions" : "UpdateOptions"), ct).ConfigureAwait(false)
                      ?? obj;
        if (JsonUtil.ToText(mutated) != before)
        {
            // Webhook patches are decoded again: pruning and defaulting as the real server does.
            var inner = new OpContext { User = ctx.User, Now = ctx.Now, DryRun = ctx.DryRun, FieldValidation = "Ignore", SubResource = ctx.SubResource };
            rt.Strategy.Decode(rt, mutated, inner);
        }

        return mutated;
    }

    /// <summary>PUT: replace an object (or its status).</summary>
    public Task<WriteResult> UpdateAsync(ResourceType rt, string ns, string name, JsonObject body, OpContext ctx, CancellationToken ct) =>
        WriteAsync(rt, ns, name, ctx, _ => body.DeepClone().AsObject(), fromPatch: false, ct);

    /// <summary>
    /// The shared read-modify-write of PUT and PATCH, retried on a concurrent change unless the
    /// caller pinned a resourceVersion (then a stale one is a 409 Conflict, as on the real server).
    /// </summary>
    public async Task<WriteResult> WriteAsync(ResourceType rt, string ns, string name, OpContext ctx,
        Func<JsonObject, JsonObject> computeBody, bool fromPatch, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            StoredObject? current;
            lock (_store.Gate)
            {
                _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out current);
            }

            if (current == null)
            {
                if (fromPatch || !rt.AllowCreateOnUpdate || ctx.SubResource.Length > 0)
                {
                    throw StatusException.NotFound(rt.Group, rt.Plural, name);
                }

                var createBody = computeBody(new JsonObject());
                var createMeta = JsonUtil.EnsureObject(createBody, "metadata");
                CheckNameMatch(createMeta, ns, name, rt);
                createMeta.Remove("resourceVersion");
                return await CreateAsync(rt, ns, createBody, ctx, ct).ConfigureAwait(false);
            }

            var oldObj = ToVersion(rt, current);
            var body = computeBody(oldObj.DeepClone().AsObject());
            var bodyMeta = JsonUtil.EnsureObject(body, "metadata");
            CheckNameMatch(bodyMeta, ns, name, rt);
            if (!rt.Namespaced)
            {
                bodyMeta.Remove("namespace");
            }
            else if (string.IsNullOrEmpty(JsonUtil.Str(bodyMeta, "namespace")))
            {
                bodyMeta["namespace"] = ns;
            }

            var requestedRv = JsonUtil.Str(bodyMeta, "resourceVersion") ?? "";
            var currentRv = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (requestedRv.Length == 0 && !rt.AllowUnconditionalUpdate && !fromPatch)
            {
                throw Invalid(rt, name, [FieldError.Invalid("metadata.resourceVersion", 0L, "must be specified for an update")]);
            }

            if (requestedRv.Length > 0 && requestedRv != currentRv)
            {
                throw StatusException.ModifiedConflict(rt.Group, rt.Plural, name);
            }

            var newObj = PrepareUpdate(rt, body, oldObj, ctx, name);
            var op = "UPDATE";
            newObj = await AdmitMutateAsync(rt, op, ns, name, newObj, oldObj, ctx, ct).ConfigureAwait(false);
            RestoreSystemMeta(newObj, oldObj);
            BumpGeneration(rt, newObj, oldObj);

            var errs = ObjectMetaValidation.Validate(newObj, rt.Namespaced, NameRule.None);
            errs.AddRange(ObjectMetaValidation.ValidateUpdate(newObj, oldObj));
            rt.Strategy.ValidateUpdate(rt, newObj, oldObj, errs, ctx);
            if (errs.Count > 0)
            {
                throw Invalid(rt, name, errs);
            }

            await Admission.ValidateAsync(new AdmissionRequest(rt, op, ns, name, ctx.SubResource, newObj, oldObj, ctx.User, ctx.DryRun, "UpdateOptions"), ct).ConfigureAwait(false);

            var storageRt = StorageType(rt);
            lock (_store.Gate)
            {
                _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out var latest);
                if (latest == null)
                {
                    throw StatusException.NotFound(rt.Group, rt.Plural, name);
                }

                if (latest.ResourceVersion != current.ResourceVersion)
                {
                    if (requestedRv.Length > 0 || attempt >= MaxRetries)
                    {
                        throw StatusException.ModifiedConflict(rt.Group, rt.Plural, name);
                    }

                    continue;
                }

                // An update that changes nothing is not written and produces no event.
                var candidate = rt.Strategy.ToStorage(rt, newObj.DeepClone().AsObject());
                var probe = Freeze(storageRt, candidate.DeepClone().AsObject(), current.ResourceVersion);
                if (probe.Utf8.AsSpan().SequenceEqual(current.Utf8))
                {
                    return new WriteResult(ToVersion(rt, current), 200);
                }

                var meta = newObj["metadata"] as JsonObject;
                var deleting = meta?["deletionTimestamp"] != null && (JsonUtil.Arr(meta, "finalizers") ?? []).Count == 0 &&
                               (JsonUtil.AsLong(meta?["deletionGracePeriodSeconds"]) ?? 0) == 0 && !rt.Strategy.BlocksDeletion(newObj);
                if (ctx.DryRun)
                {
                    return new WriteResult(newObj, 200);
                }

                var so = Freeze(storageRt, candidate, _store.NextRevision());
                _store.Commit(rt.StorageKey, deleting ? WatchEventType.Deleted : WatchEventType.Modified, so, current);
                return new WriteResult(ToVersion(rt, so), 200);
            }
        }
    }

    private static void CheckNameMatch(JsonObject meta, string ns, string name, ResourceType rt)
    {
        var bodyName = JsonUtil.Str(meta, "name") ?? "";
        if (bodyName.Length == 0)
        {
            meta["name"] = name;
        }
        else if (bodyName != name)
        {
            throw StatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNs = JsonUtil.Str(meta, "namespace") ?? "";
        if (rt.Namespaced && bodyNs.Length > 0 && bodyNs != ns)
        {
            throw StatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static JsonObject PrepareUpdate(ResourceType rt, JsonObject body, JsonObject oldObj, OpContext ctx, string name)
    {
        JsonObject newObj;
        if (ctx.SubResource == "status")
        {
            // The status endpoint only writes status; everything else comes from the stored object.
            newObj = oldObj.DeepClone().AsObject();
            if (body["status"] is { } st)
            {
                newObj["status"] = st.DeepClone();
            }
            else
            {
                newObj.Remove("status");
            }

            rt.Strategy.Decode(rt, newObj, ctx);
            ReportUnknownFields(rt, name, ctx);
            newObj["metadata"] = oldObj["metadata"]?.DeepClone();
        }
        else
        {
            newObj = body;
            Schema.SchemaProcessor.PruneObjectMeta(newObj, ctx.UnknownFields);
            rt.Strategy.Decode(rt, newObj, ctx);
            ReportUnknownFields(rt, name, ctx);
            if (rt.HasStatus && ctx.SubResource.Length == 0)
            {
                if (oldObj["status"] is { } st)
                {
                    newObj["status"] = st.DeepClone();
                }
                else
                {
                    newObj.Remove("status");
                }
            }
        }

        RestoreSystemMeta(newObj, oldObj);
        rt.Strategy.PrepareForUpdate(rt, newObj, oldObj, ctx);
        BumpGeneration(rt, newObj, oldObj);
        return newObj;
    }

    /// <summary>Fields an update can never change (BeforeUpdate in the real server).</summary>
    private static void RestoreSystemMeta(JsonObject newObj, JsonObject oldObj)
    {
        var meta = JsonUtil.EnsureObject(newObj, "metadata");
        var oldMeta = oldObj["metadata"] as JsonObject ?? new JsonObject();
        if (string.IsNullOrEmpty(JsonUtil.Str(meta, "uid")))
        {
            meta["uid"] = oldMeta["uid"]?.DeepClone();
        }

        foreach (var f in new[] { "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
        {
            if (oldMeta[f] is { } v)
            {
                meta[f] = v.DeepClone();
            }
            else
            {
                meta.Remove(f);
            }
        }

        meta["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
        meta.Remove("selfLink");
        meta.Remove("managedFields");
    }

    /// <summary>generation counts spec changes (everything but metadata and, with a status subresource, status).</summary>
    private static void BumpGeneration(ResourceType rt, JsonObject newObj, JsonObject oldObj)
    {
        var changed = false;
        foreach (var key in newObj.Select(p => p.Key).Concat(oldObj.Select(p => p.Key)).Distinct())
        {
            if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && rt.HasStatus))
            {
                continue;
            }

            if (!JsonUtil.DeepEquals(newObj[key], oldObj[key]))
            {
                changed = true;
                break;
            }
        }

        var oldGen = JsonUtil.AsLong(oldObj["metadata"]?["generation"]) ?? 0;
        JsonUtil.EnsureObject(newObj, "metadata")["generation"] = changed ? oldGen + 1 : oldGen;
    }

    /// <summary>DELETE: finalizers, graceful deletion, preconditions, propagation policy.</summary>
    public async Task<WriteResult> DeleteAsync(ResourceType rt, string ns, string name, DeleteOptions opts, OpContext ctx, CancellationToken ct)
    {
        ValidateDeleteOptions(opts);
        for (var attempt = 0; ; attempt++)
        {
            StoredObject? current;
            lock (_store.Gate)
            {
                _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out current);
            }

            if (current == null)
            {
                throw StatusException.NotFound(rt.Group, rt.Plural, name);
            }

            if (opts.PreconditionUid != null && opts.PreconditionUid != current.Uid)
            {
                throw StatusException.Conflict(rt.Group, rt.Plural, name, $"Precondition failed: UID in precondition: {opts.PreconditionUid}, UID in object meta: {current.Uid}");
            }

            var currentRv = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (opts.PreconditionResourceVersion != null && opts.PreconditionResourceVersion != currentRv)
            {
                throw StatusException.Conflict(rt.Group, rt.Plural, name,
                    $"Precondition failed: ResourceVersion in precondition: {opts.PreconditionResourceVersion}, ResourceVersion in object meta: {currentRv}");
            }

            var oldObj = ToVersion(rt, current);
            await Admission.ValidateAsync(new AdmissionRequest(rt, "DELETE", ns, name, "", null, oldObj, ctx.User, ctx.DryRun, "DeleteOptions"), ct).ConfigureAwait(false);

            var obj = oldObj.DeepClone().AsObject();
            var meta = JsonUtil.EnsureObject(obj, "metadata");
            var finalizers = (JsonUtil.Arr(meta, "finalizers") ?? []).Select(f => JsonUtil.AsString(f) ?? "").ToList();
            var policy = opts.PropagationPolicy ?? (opts.OrphanDependents == true ? "Orphan" : opts.OrphanDependents == false ? "Background" : null);
            var alreadyDeleting = meta["deletionTimestamp"] != null;
            if (!alreadyDeleting || policy != null)
            {
                switch (policy)
                {
                    case "Orphan":
                        finalizers.Remove("foregroundDeletion");
                        if (!finalizers.Contains("orphan"))
                        {
                            finalizers.Add("orphan");
                        }

                        break;
                    case "Foreground":
                        finalizers.Remove("orphan");
                        if (!finalizers.Contains("foregroundDeletion"))
                        {
                            finalizers.Add("foregroundDeletion");
                        }

                        break;
                    case "Background":
                        finalizers.Remove("orphan");
                        finalizers.Remove("foregroundDeletion");
                        break;
                }
            }

            var grace = rt.Strategy.GracefulDeletionSeconds(obj, opts.GracePeriodSeconds) ?? 0;
            var existingGrace = JsonUtil.AsLong(meta["deletionGracePeriodSeconds"]);
            if (alreadyDeleting && existingGrace is { } eg && eg < grace)
            {
                grace = eg;
            }

            var deleteNow = finalizers.Count == 0 && grace == 0 && !rt.Strategy.BlocksDeletion(obj);
            var storageRt = StorageType(rt);
            lock (_store.Gate)
            {
                _store.Table(rt.StorageKey).TryGet(StoredObject.MakeKey(ns, name), out var latest);
                if (latest == null)
                {
                    throw StatusException.NotFound(rt.Group, rt.Plural, name);
                }

                if (latest.ResourceVersion != current.ResourceVersion)
                {
                    if (attempt >= MaxRetries)
                    {
                        throw StatusException.ModifiedConflict(rt.Group, rt.Plural, name);
                    }

                    continue;
                }

                if (deleteNow)
                {
                    if (ctx.DryRun)
                    {
                        return DeletedResult(rt, oldObj);
                    }

                    var so = Freeze(storageRt, rt.Strategy.ToStorage(rt, obj), _store.NextRevision());
                    _store.Commit(rt.StorageKey, WatchEventType.Deleted, so, current);
                    return DeletedResult(rt, ToVersion(rt, so));
                }

                var changed = false;
                if (finalizers.Count > 0 || meta["finalizers"] != null)
                {
                    var newList = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
                    if (!JsonUtil.DeepEquals(meta["finalizers"], newList))
                    {
                        meta["finalizers"] = newList;
                        changed = true;
                    }
                }

                if (!alreadyDeleting || existingGrace != grace)
                {
                    rt.Strategy.OnDeletionStarted(obj);
                    meta["deletionTimestamp"] = JsonUtil.Rfc3339(_time.GetUtcNow().AddSeconds(grace));
                    meta["deletionGracePeriodSeconds"] = grace;
                    if (!alreadyDeleting)
                    {
                        meta["generation"] = (JsonUtil.AsLong(meta["generation"]) ?? 0) + 1;
                    }

                    changed = true;
                }

                if (!changed || ctx.DryRun)
                {
                    return new WriteResult(changed ? obj : oldObj, 200);
                }

                var updated = Freeze(storageRt, rt.Strategy.ToStorage(rt, obj), _store.NextRevision());
                _store.Commit(rt.StorageKey, WatchEventType.Modified, updated, current);
                var result = ToVersion(rt, updated);
                return new WriteResult(result, opts.OrphanDependents == false ? 202 : 200);
            }
        }
    }

    private static void ValidateDeleteOptions(DeleteOptions opts)
    {
        var errs = new List<FieldError>();
        if (opts.PropagationPolicy != null && opts.OrphanDependents != null)
        {
            errs.Add(FieldError.Invalid("propagationPolicy", opts.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set"));
        }

        if (opts.PropagationPolicy is not (null or "Orphan" or "Background" or "Foreground"))
        {
            errs.Add(FieldError.NotSupported("propagationPolicy", opts.PropagationPolicy, ["\"Foreground\"", "\"Background\"", "\"Orphan\"", "\"nil\""]));
        }

        if (opts.GracePeriodSeconds < 0)
        {
            opts.GracePeriodSeconds = 1;
        }

        if (errs.Count > 0)
        {
            throw StatusException.Invalid("meta.k8s.io", "DeleteOptions", "", errs);
        }
    }

    private static WriteResult DeletedResult(ResourceType rt, JsonObject deleted)
    {
        if (rt.ReturnDeletedObject)
        {
            return new WriteResult(deleted, 200);
        }

        var details = new JsonObject { ["name"] = JsonUtil.Str(deleted["metadata"], "name") };
        if (rt.Group.Length > 0)
        {
            details["group"] = rt.Group;
        }

        details["kind"] = rt.Plural;
        details["uid"] = JsonUtil.Str(deleted["metadata"], "uid");
        return new WriteResult(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        }, 200);
    }

    /// <summary>DELETE on a collection: deletes every selected object.</summary>
    public async Task<JsonObject> DeleteCollectionAsync(ResourceType rt, string? ns, ListOptions list, DeleteOptions opts, OpContext ctx, CancellationToken ct)
    {
        var page = List(rt, ns, new ListOptions { Labels = list.Labels, Fields = list.Fields });
        var items = new JsonArray();
        foreach (var so in page.Items)
        {
            try
            {
                var r = await DeleteAsync(rt, so.Namespace, so.Name, opts, ctx, ct).ConfigureAwait(false);
                items.Add(r.Body["kind"]?.GetValue<string>() == "Status" ? ToVersion(rt, so) : r.Body);
            }
            catch (StatusException e) when (e.Code == 404)
            {
                // Deleted concurrently: the collection delete still succeeds.
            }
        }

        return new JsonObject
        {
            ["kind"] = rt.ListKind,
            ["apiVersion"] = rt.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.CurrentRevision.ToString(CultureInfo.InvariantCulture) },
            ["items"] = items,
        };
    }
}
