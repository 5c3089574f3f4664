using System.Text.Json.Nodes;

namespace Terway.Operator.Webhooks.Admission;

/// <summary>One RFC 6902 operation of a mutating webhook's answer.</summary>
/// <param name="Op">The operation (<c>add</c>, <c>replace</c>, ...).</param>
/// <param name="Path">JSON Pointer of the target (escape segments with <see cref="Escape"/>).</param>
/// <param name="Value">The value, for add and replace.</param>
internal sealed record JsonPatchOperation(string Op, string Path, JsonNode? Value)
{
    /// <summary>
    /// <c>add</c>: creates a missing object member or replaces an existing one; with a path ending in <c>/-</c>,
    /// appends to an array.
    /// </summary>
    public static JsonPatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    /// <summary>Escapes one JSON Pointer segment (<c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>).</summary>
    public static string Escape(string segment) =>
        segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>The operation as a JSON object.</summary>
    public JsonObject ToJson()
    {
        var obj = new JsonObject { ["op"] = Op, ["path"] = Path };
        if (Op is "add" or "replace" or "test")
        {
            obj["value"] = Value?.DeepClone();
        }

        return obj;
    }

    /// <summary>A patch document (a JSON array) of <paramref name="operations"/>.</summary>
    public static JsonArray ToDocument(IEnumerable<JsonPatchOperation> operations) =>
        new([.. operations.Select(o => (JsonNode)o.ToJson())]);
}
