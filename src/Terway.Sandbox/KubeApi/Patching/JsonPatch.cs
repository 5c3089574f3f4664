using System.Globalization;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Patching;

/// <summary>The patch document is malformed (a 400 on the real server).</summary>
internal sealed class PatchFormatException(string message) : Exception(message);

/// <summary>The patch is well formed but cannot be applied (a 422 on the real server).</summary>
internal sealed class PatchApplyException(string message) : Exception(message);

/// <summary>RFC 6902 JSON Patch: add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? doc, JsonNode? patch)
    {
        if (patch is not JsonArray ops)
        {
            throw new PatchFormatException("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op)
            {
                throw new PatchFormatException("json: cannot unmarshal into Go value of type jsonpatch.Operation");
            }

            var kind = JsonUtil.Str(op, "op") ?? throw new PatchFormatException("Unexpected kind: unknown");
            var path = JsonUtil.Str(op, "path") ?? throw new PatchApplyException($"doc is missing path: \"\": missing value");
            switch (kind)
            {
                case "add":
                    if (!op.ContainsKey("value"))
                    {
                        throw new PatchApplyException("add operation does not apply: doc is missing path: \"" + path + "\": missing value");
                    }

                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "replace":
                    if (!op.ContainsKey("value"))
                    {
                        throw new PatchApplyException($"replace operation does not apply: doc is missing value");
                    }

                    doc = Remove(doc, path, out _, "replace");
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    {
                        var from = JsonUtil.Str(op, "from") ?? throw new PatchApplyException("move operation does not apply: doc is missing from path");
                        doc = Remove(doc, from, out var moved, "move");
                        doc = Add(doc, path, moved);
                        break;
                    }

                case "copy":
                    {
                        var from = JsonUtil.Str(op, "from") ?? throw new PatchApplyException("copy operation does not apply: doc is missing from path");
                        var value = Get(doc, from) ?? throw new PatchApplyException($"copy operation does not apply: doc is missing from path: {from}");
                        doc = Add(doc, path, value.DeepClone());
                        break;
                    }

                case "test":
                    {
                        var actual = Get(doc, path);
                        if (!JsonUtil.DeepEquals(actual, op["value"]))
                        {
                            throw new PatchApplyException($"testing value {path} failed: test failed");
                        }

                        break;
                    }

                default:
                    throw new PatchFormatException($"Unexpected kind: {kind}");
            }
        }

        return doc;
    }

    private static List<string> Split(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw new PatchApplyException($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return path[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Get(JsonNode? doc, string path)
    {
        var cur = doc;
        foreach (var seg in Split(path))
        {
            cur = cur switch
            {
                JsonObject o => o.TryGetPropertyValue(seg, out var v) ? v : null,
                JsonArray a => int.TryParse(seg, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count ? a[i] : null,
                _ => null,
            };
            if (cur == null)
            {
                return null;
            }
        }

        return cur;
    }

    private static (JsonNode? Parent, string Last) Parent(JsonNode? doc, string path, string op)
    {
        var segs = Split(path);
        if (segs.Count == 0)
        {
            return (null, "");
        }

        var parent = Get(doc, "/" + string.Join("/", segs.Take(segs.Count - 1).Select(s => s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal))));
        if (parent == null && segs.Count > 1)
        {
            throw new PatchApplyException($"{op} operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return (segs.Count == 1 ? doc : parent, segs[^1]);
    }

    private static JsonNode? Add(JsonNode? doc, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var (parent, last) = Parent(doc, path, "add");
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-")
                {
                    a.Add(value);
                }
                else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count)
                {
                    a.Insert(i, value);
                }
                else
                {
                    throw new PatchApplyException($"add operation does not apply: doc is missing path: \"{path}\": missing value");
                }

                break;
            default:
                throw new PatchApplyException($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string path, out JsonNode? removed, string op = "remove")
    {
        var (parent, last) = Parent(doc, path, op);
        removed = null;
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last, out removed);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new PatchApplyException($"{op} operation does not apply: doc is missing path: \"{path}\": missing value");
        }

        removed = removed?.DeepClone();
        return doc;
    }
}

/// <summary>RFC 7386 JSON Merge Patch.</summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (k, v) in p)
        {
            if (JsonUtil.IsNull(v))
            {
                result.Remove(k);
            }
            else
            {
                result.TryGetPropertyValue(k, out var existing);
                var merged = Apply(existing?.DeepClone(), v);
                result[k] = merged;
            }
        }

        return result;
    }
}
