using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Resources.Builtin;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Schema;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Controllers;

/// <summary>
/// What the apiextensions controllers do: accept names, serve the CRD's versions and set
/// NamesAccepted/Established (after a configurable delay, asynchronously like the real ones),
/// and on deletion mark Terminating, delete every custom object, then drop the cleanup finalizer.
/// </summary>
internal sealed class CrdController(ResourceOperations ops, TimeSpan establishDelay, TimeProvider time, ILogger log) : EventLoop(ops.Store, log)
{
    private const string CrdKey = "apiextensions.k8s.io/customresourcedefinitions";
    private readonly Dictionary<string, string> _terminatingByStorageKey = new(StringComparer.Ordinal);

    private ResourceType CrdType => ops.Registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;

    protected override async Task HandleAsync(StoreEvent ev, CancellationToken ct)
    {
        if (ev.StorageKey == CrdKey)
        {
            if (ev.Type == WatchEventType.Deleted)
            {
                ops.Registry.RemoveCustom(ev.Object.Name);
                _terminatingByStorageKey.Remove(StorageKeyOf(ev.Object.Parse()));
                return;
            }

            await ReconcileAsync(ev.Object.Name, ct).ConfigureAwait(false);
        }
        else if (ev.Type == WatchEventType.Deleted && _terminatingByStorageKey.TryGetValue(ev.StorageKey, out var crdName))
        {
            await ReconcileAsync(crdName, ct).ConfigureAwait(false);
        }
    }

    private static string StorageKeyOf(JsonObject crd) =>
        (JsonUtil.Str(crd["spec"], "group") ?? "") + "/" + (JsonUtil.Str(crd["spec"]?["names"], "plural") ?? "");

    private OpContext SystemContext(string sub = "") => new() { User = UserInfo.System, Now = time.GetUtcNow(), SubResource = sub, FieldValidation = "Ignore" };

    private async Task ReconcileAsync(string name, CancellationToken ct)
    {
        var so = ops.TryGetStored(CrdType, "", name);
        if (so == null)
        {
            return;
        }

        var crd = so.Parse();
        if (crd["metadata"]?["deletionTimestamp"] != null)
        {
            await TerminateAsync(crd, name, ct).ConfigureAwait(false);
            return;
        }

        var types = BuildTypes(crd, so.Uid, terminating: false);
        var status = DesiredStatus(crd, types.Count > 0 ? null : "no served versions");
        if (JsonUtil.DeepEquals(status, crd["status"]))
        {
            ops.Registry.ReplaceCustom(name, types);
            return;
        }

        if (establishDelay > TimeSpan.Zero && !IsEstablished(crd))
        {
            await Task.Delay(establishDelay, time, ct).ConfigureAwait(false);
        }

        ops.Registry.ReplaceCustom(name, types);
        await WriteStatusAsync(name, status, ct).ConfigureAwait(false);
    }

    private static bool IsEstablished(JsonObject crd) =>
        (JsonUtil.Arr(crd["status"], "conditions") ?? []).OfType<JsonObject>().Any(c => JsonUtil.Str(c, "type") == "Established" && JsonUtil.Str(c, "status") == "True");

    private async Task WriteStatusAsync(string name, JsonObject status, CancellationToken ct)
    {
        try
        {
            await ops.WriteAsync(CrdType, "", name, SystemContext("status"), cur =>
            {
                cur["status"] = status.DeepClone();
                return cur;
            }, fromPatch: true, ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code == 404)
        {
            // Deleted meanwhile: nothing to report.
        }
    }

    private JsonObject DesiredStatus(JsonObject crd, string? problem)
    {
        var now = JsonUtil.Rfc3339(time.GetUtcNow());
        var old = (JsonUtil.Arr(crd["status"], "conditions") ?? []).OfType<JsonObject>().ToList();
        JsonObject Cond(string type, string status, string reason, string message)
        {
            var prev = old.FirstOrDefault(c => JsonUtil.Str(c, "type") == type);
            var ts = prev != null && JsonUtil.Str(prev, "status") == status ? JsonUtil.Str(prev, "lastTransitionTime") ?? now : now;
            return new JsonObject { ["type"] = type, ["status"] = status, ["lastTransitionTime"] = ts, ["reason"] = reason, ["message"] = message };
        }

        var names = crd["spec"]?["names"]?.DeepClone() as JsonObject ?? new JsonObject();
        var conflict = KindConflict(crd);
        var conditions = new JsonArray();
        if (conflict != null)
        {
            conditions.Add(Cond("NamesAccepted", "False", "KindConflict", conflict));
            conditions.Add(Cond("Established", "False", "NotAccepted", "not all names are accepted"));
        }
        else
        {
            conditions.Add(Cond("NamesAccepted", "True", "NoConflicts", "no conflicts found"));
            conditions.Add(problem == null
                ? Cond("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")
                : Cond("Established", "False", "NotServed", problem));
        }

        var stored = (JsonUtil.Arr(crd["status"], "storedVersions") ?? []).Select(v => JsonUtil.AsString(v) ?? "").ToList();
        foreach (var v in (JsonUtil.Arr(crd["spec"], "versions") ?? []).OfType<JsonObject>().Where(v => JsonUtil.AsBool(v["storage"]) == true))
        {
            var vn = JsonUtil.Str(v, "name") ?? "";
            if (!stored.Contains(vn))
            {
                stored.Add(vn);
            }
        }

        return new JsonObject
        {
            ["conditions"] = conditions,
            ["acceptedNames"] = conflict == null ? names : new JsonObject { ["plural"] = "", ["kind"] = "" },
            ["storedVersions"] = new JsonArray(stored.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
        };
    }

    private string? KindConflict(JsonObject crd)
    {
        var group = JsonUtil.Str(crd["spec"], "group");
        var kind = JsonUtil.Str(crd["spec"]?["names"], "kind");
        var name = JsonUtil.Str(crd["metadata"], "name");
        var other = ops.Registry.All.FirstOrDefault(r => r.Group == group && r.Kind == kind && r.Custom?.CrdName != name);
        return other == null ? null : $"\"{kind}\" is already in use";
    }

    private List<ResourceType> BuildTypes(JsonObject crd, string uid, bool terminating)
    {
        var spec = crd["spec"] as JsonObject ?? new JsonObject();
        var names = spec["names"] as JsonObject ?? new JsonObject();
        var name = JsonUtil.Str(crd["metadata"], "name") ?? "";
        if (KindConflict(crd) != null)
        {
            return [];
        }

        var types = new List<ResourceType>();
        foreach (var v in (JsonUtil.Arr(spec, "versions") ?? []).OfType<JsonObject>())
        {
            if (JsonUtil.AsBool(v["served"]) != true)
            {
                continue;
            }

            var schemaJson = v["schema"]?["openAPIV3Schema"] as JsonObject ?? new JsonObject { ["type"] = "object" };
            var schema = StructuralSchema.Parse(schemaJson);
            var columns = new List<PrinterColumn>();
            var printer = JsonUtil.Arr(v, "additionalPrinterColumns");
            if (printer == null || printer.Count == 0)
            {
                columns.Add(new PrinterColumn("Age", "date", ".metadata.creationTimestamp", Tables.TableConverter.CreationDescription, 0, ""));
            }
            else
            {
                foreach (var c in printer.OfType<JsonObject>())
                {
                    columns.Add(new PrinterColumn(JsonUtil.Str(c, "name") ?? "", JsonUtil.Str(c, "type") ?? "string", JsonUtil.Str(c, "jsonPath") ?? "",
                        JsonUtil.Str(c, "description") ?? "", (int)(JsonUtil.AsLong(c["priority"]) ?? 0), JsonUtil.Str(c, "format") ?? ""));
                }
            }

            var hasStatus = v["subresources"]?["status"] != null;
            types.Add(new ResourceType
            {
                Group = JsonUtil.Str(spec, "group") ?? "",
                Version = JsonUtil.Str(v, "name") ?? "",
                Plural = JsonUtil.Str(names, "plural") ?? "",
                Singular = JsonUtil.Str(names, "singular") ?? "",
                Kind = JsonUtil.Str(names, "kind") ?? "",
                Namespaced = JsonUtil.Str(spec, "scope") == "Namespaced",
                ShortNames = (JsonUtil.Arr(names, "shortNames") ?? []).Select(x => JsonUtil.AsString(x) ?? "").ToArray(),
                Categories = (JsonUtil.Arr(names, "categories") ?? []).Select(x => JsonUtil.AsString(x) ?? "").ToArray(),
                HasStatus = hasStatus,
                AllowUnconditionalUpdate = false,
                ReturnDeletedObject = true,
                Strategy = new CustomResourceStrategy(schema),
                Custom = new CustomResourceInfo
                {
                    CrdName = name,
                    CrdUid = uid,
                    Schema = schema,
                    SchemaJson = schemaJson,
                    PrinterColumns = columns,
                    Served = true,
                    Storage = JsonUtil.AsBool(v["storage"]) == true,
                    Terminating = terminating,
                },
            });
        }

        return types;
    }

    private async Task TerminateAsync(JsonObject crd, string name, CancellationToken ct)
    {
        var uid = JsonUtil.Str(crd["metadata"], "uid") ?? "";
        var types = BuildTypes(crd, uid, terminating: true);
        ops.Registry.ReplaceCustom(name, types);
        var storageKey = StorageKeyOf(crd);
        _terminatingByStorageKey[storageKey] = name;

        var status = crd["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        var conditions = status["conditions"] as JsonArray ?? [];
        if (!conditions.OfType<JsonObject>().Any(c => JsonUtil.Str(c, "type") == "Terminating"))
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "Terminating",
                ["status"] = "True",
                ["lastTransitionTime"] = JsonUtil.Rfc3339(time.GetUtcNow()),
                ["reason"] = "InstanceDeletionInProgress",
                ["message"] = "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
            });
            status["conditions"] = conditions;
            await WriteStatusAsync(name, status, ct).ConfigureAwait(false);
        }

        var rt = types.FirstOrDefault(t => t.Custom!.Storage) ?? types.FirstOrDefault();
        List<StoredObject> remaining;
        lock (ops.Store.Gate)
        {
            remaining = ops.Store.Table(storageKey).All().ToList();
        }

        if (rt != null)
        {
            foreach (var o in remaining)
            {
                try
                {
                    await ops.DeleteAsync(rt, o.Namespace, o.Name, new DeleteOptions(), SystemContext(), ct).ConfigureAwait(false);
                }
                catch (StatusException e) when (e.Code is 404 or 409)
                {
                    // Already gone, or changed meanwhile: the next event brings us back here.
                }
            }
        }

        lock (ops.Store.Gate)
        {
            if (ops.Store.Table(storageKey).Count > 0)
            {
                return;
            }
        }

        try
        {
            await ops.WriteAsync(CrdType, "", name, SystemContext(), cur =>
            {
                var meta = JsonUtil.EnsureObject(cur, "metadata");
                var fins = (JsonUtil.Arr(meta, "finalizers") ?? []).Where(f => JsonUtil.AsString(f) != CrdStrategy.CleanupFinalizer).Select(f => f?.DeepClone()).ToArray();
                meta["finalizers"] = new JsonArray(fins);
                return cur;
            }, fromPatch: true, ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code == 404)
        {
            // Already removed.
        }
    }
}
