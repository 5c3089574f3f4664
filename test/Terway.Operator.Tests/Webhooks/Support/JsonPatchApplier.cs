using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Terway.Operator.Webhooks.Admission;

namespace Terway.Operator.Tests.Webhooks.Support;

/// <summary>
/// Applies RFC 6902 add/replace/remove operations strictly (a missing parent or index fails), so tests check
/// that a patch applies to the object it was made for and look at the result rather than at the operations.
/// </summary>
internal static class JsonPatchApplier
{
    public static JsonNode Apply(JsonNode document, IEnumerable<JsonPatchOperation> operations)
    {
        var root = document.DeepClone();
        foreach (var op in operations)
        {
            root = ApplyOne(root, op);
        }

        return root;
    }

    public static T Apply<T>(T obj, IEnumerable<JsonPatchOperation> operations) =>
        KubernetesJson.Deserialize<T>(Apply(JsonNode.Parse(KubernetesJson.Serialize(obj))!, operations).ToJsonString());

    private static JsonNode ApplyOne(JsonNode root, JsonPatchOperation op)
    {
        if (op.Path.Length == 0)
        {
            return op.Value!.DeepClone();
        }

        var segments = op.Path.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        var parent = root;
        foreach (var segment in segments[..^1])
        {
            parent = parent switch
            {
                JsonObject o => o[segment] ?? throw new InvalidOperationException($"{op.Path}: no member '{segment}'"),
                JsonArray a => a[int.Parse(segment, CultureInfo.InvariantCulture)] ?? throw new InvalidOperationException($"{op.Path}: null at {segment}"),
                _ => throw new InvalidOperationException($"{op.Path}: cannot step into a value at '{segment}'"),
            };
        }

        var last = segments[^1];
        switch (parent, op.Op)
        {
            case (JsonObject o, "add"):
                o[last] = op.Value?.DeepClone();
                break;
            case (JsonObject o, "replace"):
                if (!o.ContainsKey(last))
                {
                    throw new InvalidOperationException($"{op.Path}: replace of a missing member");
                }

                o[last] = op.Value?.DeepClone();
                break;
            case (JsonObject o, "remove"):
                if (!o.Remove(last))
                {
                    throw new InvalidOperationException($"{op.Path}: remove of a missing member");
                }

                break;
            case (JsonArray a, "add"):
                if (last == "-")
                {
                    a.Add(op.Value?.DeepClone());
                }
                else
                {
                    a.Insert(int.Parse(last, CultureInfo.InvariantCulture), op.Value?.DeepClone());
                }

                break;
            default:
                throw new InvalidOperationException($"{op.Path}: unsupported {op.Op} on {parent.GetType().Name}");
        }

        return root;
    }
}
