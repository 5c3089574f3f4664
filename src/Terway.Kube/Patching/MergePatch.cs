using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Patching;

/// <summary>
/// Builds RFC 7386 JSON merge patches from two versions of an object (controller-runtime's
/// <c>client.MergeFrom</c>). With the optimistic lock the patch also carries the original's
/// <c>metadata.resourceVersion</c>, so the server rejects it with 409 if the object changed meanwhile
/// (<c>MergeFromWithOptimisticLock</c>) — needed whenever the patch replaces a list such as finalizers.
/// </summary>
public static class MergePatch
{
    /// <summary>The patch that turns <paramref name="original"/> into <paramref name="modified"/>.</summary>
    public static Patch From<T>(T original, T modified, bool optimisticLock = false)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var before = ToNode(original);
        var after = ToNode(modified);
        var diff = Diff(before, after) as JsonObject ?? [];
        if (optimisticLock)
        {
            var meta = diff["metadata"] as JsonObject;
            if (meta is null)
            {
                meta = [];
                diff["metadata"] = meta;
            }

            meta["resourceVersion"] = original.Metadata?.ResourceVersion
                ?? throw new ArgumentException("optimistic lock needs the original's resourceVersion", nameof(original));
        }

        return new Patch(PatchKind.Merge, diff.ToJsonString());
    }

    /// <summary>True when the patch changes nothing (an empty object).</summary>
    public static bool IsEmpty(Patch patch) => patch.Kind == PatchKind.Merge && patch.Body == "{}";

    /// <summary>
    /// The merge-patch difference of two JSON values: objects are diffed key by key, removed keys become
    /// <c>null</c>, anything else (arrays included) is replaced whole when different; null means "no change".
    /// </summary>
    internal static JsonNode? Diff(JsonNode? before, JsonNode? after)
    {
        if (before is JsonObject b && after is JsonObject a)
        {
            var result = new JsonObject();
            foreach (var (key, value) in a)
            {
                if (!b.TryGetPropertyValue(key, out var old))
                {
                    result[key] = value?.DeepClone();
                    continue;
                }

                if (value is JsonObject && old is JsonObject)
                {
                    if (Diff(old, value) is JsonObject sub && sub.Count > 0)
                    {
                        result[key] = sub;
                    }
                }
                else if (!JsonNode.DeepEquals(old, value))
                {
                    result[key] = value?.DeepClone();
                }
            }

            foreach (var (key, _) in b)
            {
                if (!a.ContainsKey(key))
                {
                    result[key] = null;
                }
            }

            return result;
        }

        return JsonNode.DeepEquals(before, after) ? new JsonObject() : after?.DeepClone();
    }

    private static JsonNode? ToNode(object obj) => JsonNode.Parse(KubernetesJson.Serialize(obj));
}

/// <summary>Builds RFC 6902 JSON patches.</summary>
public sealed class JsonPatchBuilder
{
    private readonly JsonArray _ops = [];

    /// <summary>Escapes one path segment (<c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>), e.g. for label keys.</summary>
    public static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>Adds an <c>add</c> operation.</summary>
    public JsonPatchBuilder Add(string path, object? value) => Op("add", path, value);

    /// <summary>Adds a <c>replace</c> operation.</summary>
    public JsonPatchBuilder Replace(string path, object? value) => Op("replace", path, value);

    /// <summary>Adds a <c>remove</c> operation.</summary>
    public JsonPatchBuilder Remove(string path)
    {
        _ops.Add(new JsonObject { ["op"] = "remove", ["path"] = path });
        return this;
    }

    /// <summary>Adds a <c>test</c> operation (the whole patch fails with 422 if it does not hold).</summary>
    public JsonPatchBuilder Test(string path, object? value) => Op("test", path, value);

    /// <summary>The patch.</summary>
    public Patch Build() => new(PatchKind.Json, _ops.ToJsonString());

    private JsonPatchBuilder Op(string op, string path, object? value)
    {
        _ops.Add(new JsonObject
        {
            ["op"] = op,
            ["path"] = path,
            ["value"] = value is null ? null : JsonNode.Parse(KubernetesJson.Serialize(value)),
        });
        return this;
    }
}

/// <summary>Patch helpers on the client.</summary>
public static class PatchExtensions
{
    /// <summary>
    /// Sends the merge patch from <paramref name="original"/> to <paramref name="modified"/> (skipped when
    /// empty, returning <paramref name="modified"/>). With <paramref name="optimisticLock"/> a concurrent change
    /// fails with 409 instead of being overwritten.
    /// </summary>
    public static async Task<T> MergePatchAsync<T>(this IKubeApiClient client, T original, T modified, bool optimisticLock = false, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var patch = MergePatch.From(original, modified, optimisticLock);
        if (!optimisticLock && MergePatch.IsEmpty(patch))
        {
            return modified;
        }

        return await client.PatchAsync<T>(ObjectKey.From(original), patch, subresource, cancellationToken);
    }
}
