using System.Text.Json.Nodes;

namespace Terway.Crds.Tests.Support;

/// <summary>Compares JSON trees and names the first paths where they differ.</summary>
internal static class JsonTrees
{
    public static List<string> Differences(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var diffs = new List<string>();
        Compare(Normalize(expected), Normalize(actual), path, diffs);
        return diffs;
    }

    // Round-trips through text so numbers from YAML (long) and from JSON (element) compare equal.
    private static JsonNode? Normalize(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> diffs)
    {
        switch (expected, actual)
        {
            case (null, null):
                return;
            case (JsonObject e, JsonObject a):
                foreach (var (key, value) in e)
                {
                    if (!a.ContainsKey(key))
                    {
                        diffs.Add($"{path}.{key}: missing (expected {value?.ToJsonString()})");
                    }
                    else
                    {
                        Compare(value, a[key], $"{path}.{key}", diffs);
                    }
                }

                foreach (var (key, value) in a)
                {
                    if (!e.ContainsKey(key))
                    {
                        diffs.Add($"{path}.{key}: unexpected {value?.ToJsonString()}");
                    }
                }

                return;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    diffs.Add($"{path}: {e.Count} items expected, {a.Count} found");
                    return;
                }

                for (var i = 0; i < e.Count; i++)
                {
                    Compare(e[i], a[i], $"{path}[{i}]", diffs);
                }

                return;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    diffs.Add($"{path}: expected {expected?.ToJsonString() ?? "null"}, found {actual?.ToJsonString() ?? "null"}");
                }

                return;
        }
    }
}
