using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Patching;

/// <summary>
/// Strategic merge patch for built-in kinds: maps merge, the lists the Kubernetes types mark
/// with a patch merge key merge by that key, <c>$patch: delete|replace|merge</c>,
/// <c>$retainKeys</c>, <c>$deleteFromPrimitiveList</c> and <c>$setElementOrder</c>.
/// </summary>
internal static class StrategicMergePatch
{
    /// <summary>List field name → merge key ("" for primitive lists merged as sets).</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["ports"] = "containerPort",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["volumes"] = "name",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["addresses"] = "type",
        ["ownerReferences"] = "uid",
        ["webhooks"] = "name",
        ["hostAliases"] = "ip",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
        ["schedulingGates"] = "name",
        ["finalizers"] = "",
    };

    public static JsonObject Apply(JsonObject original, JsonObject patch) => MergeMap(original, patch, "");

    private static JsonObject MergeMap(JsonObject original, JsonObject patch, string path)
    {
        var directive = JsonUtil.Str(patch, "$patch");
        switch (directive)
        {
            case "replace":
                {
                    var replaced = (JsonObject)patch.DeepClone();
                    replaced.Remove("$patch");
                    return Strip(replaced);
                }

            case "delete":
                return [];
            case null or "merge":
                break;
            default:
                throw new PatchApplyException($"Unknown patch type: {directive} in map: {JsonUtil.ToText(patch)}");
        }

        var result = original;
        var orders = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        List<string>? retain = null;
        foreach (var (k, v) in patch)
        {
            if (k == "$patch")
            {
                continue;
            }

            if (k == "$retainKeys")
            {
                retain = (v as JsonArray ?? throw new PatchApplyException("$retainKeys must be a list")).Select(x => JsonUtil.AsString(x) ?? "").ToList();
                continue;
            }

            if (k.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                orders[k["$setElementOrder/".Length..]] = v as JsonArray ?? [];
                continue;
            }

            if (k.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = k["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray arr && v is JsonArray del)
                {
                    for (var i = arr.Count - 1; i >= 0; i--)
                    {
                        if (del.Any(d => JsonUtil.DeepEquals(d, arr[i])))
                        {
                            arr.RemoveAt(i);
                        }
                    }
                }

                continue;
            }

            if (k.StartsWith('$'))
            {
                throw new PatchApplyException($"unknown strategic merge patch directive {k}");
            }

            if (JsonUtil.IsNull(v))
            {
                result.Remove(k);
                continue;
            }

            result.TryGetPropertyValue(k, out var existing);
            switch (v)
            {
                case JsonObject pv when existing is JsonObject eo:
                    {
                        var merged = MergeMap((JsonObject)eo.DeepClone(), pv, path + "." + k);
                        if (JsonUtil.Str(pv, "$patch") == "delete")
                        {
                            result.Remove(k);
                        }
                        else
                        {
                            result[k] = merged;
                        }

                        break;
                    }

                case JsonObject pv:
                    if (JsonUtil.Str(pv, "$patch") == "delete")
                    {
                        result.Remove(k);
                    }
                    else
                    {
                        result[k] = MergeMap([], pv, path + "." + k);
                    }

                    break;
                case JsonArray pa when MergeKeys.TryGetValue(k, out var key):
                    result[k] = MergeList(existing as JsonArray ?? [], pa, key, path + "." + k);
                    break;
                case JsonArray pa:
                    result[k] = StripList(pa);
                    break;
                default:
                    result[k] = v!.DeepClone();
                    break;
            }
        }

        foreach (var (field, order) in orders)
        {
            if (result[field] is JsonArray list && MergeKeys.TryGetValue(field, out var key))
            {
                result[field] = Reorder(list, order, key);
            }
        }

        if (retain != null)
        {
            foreach (var k in result.Select(p => p.Key).ToList())
            {
                if (!retain.Contains(k))
                {
                    result.Remove(k);
                }
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, string key, string path)
    {
        if (patch.OfType<JsonObject>().Any(o => JsonUtil.Str(o, "$patch") == "replace"))
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && o.ContainsKey("$patch"))).Select(i => Strip(i?.DeepClone())).ToArray());
        }

        var result = (JsonArray)original.DeepClone();
        if (key.Length == 0)
        {
            foreach (var item in patch)
            {
                if (!result.Any(x => JsonUtil.DeepEquals(x, item)))
                {
                    result.Add(item?.DeepClone());
                }
            }

            return result;
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject po)
            {
                throw new PatchApplyException($"unable to find api field in struct for the merge key {key}: list element is not a map");
            }

            var keyValue = po[key];
            if (keyValue == null)
            {
                throw new PatchApplyException($"map: {JsonUtil.ToText(po)} does not contain declared merge key: {key}");
            }

            var idx = -1;
            for (var i = 0; i < result.Count; i++)
            {
                if (result[i] is JsonObject ro && JsonUtil.DeepEquals(ro[key], keyValue))
                {
                    idx = i;
                    break;
                }
            }

            var directive = JsonUtil.Str(po, "$patch");
            if (directive == "delete")
            {
                if (idx >= 0)
                {
                    result.RemoveAt(idx);
                }

                continue;
            }

            if (idx >= 0)
            {
                result[idx] = MergeMap((JsonObject)result[idx]!.DeepClone(), po, path);
            }
            else
            {
                result.Add(MergeMap([], po, path));
            }
        }

        return result;
    }

    private static JsonArray Reorder(JsonArray list, JsonArray order, string key)
    {
        var items = list.Select(x => x?.DeepClone()).ToList();
        var result = new JsonArray();
        foreach (var o in order)
        {
            var k = o is JsonObject oo ? oo[key] : o;
            var match = items.FirstOrDefault(i => i is JsonObject io ? JsonUtil.DeepEquals(io[key], k) : JsonUtil.DeepEquals(i, k));
            if (match != null)
            {
                items.Remove(match);
                result.Add(match);
            }
        }

        foreach (var rest in items)
        {
            result.Add(rest);
        }

        return result;
    }

    private static JsonArray StripList(JsonArray a) => new(a.Select(i => Strip(i?.DeepClone())).ToArray());

    private static JsonObject Strip(JsonObject o)
    {
        foreach (var k in o.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList())
        {
            o.Remove(k);
        }

        return o;
    }

    private static JsonNode? Strip(JsonNode? n) => n is JsonObject o ? Strip(o) : n;
}
