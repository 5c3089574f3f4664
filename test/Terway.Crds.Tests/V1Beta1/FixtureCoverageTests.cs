using System.Text.Json.Nodes;
using Terway.Crds.Tests.Support;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.V1Beta1;

/// <summary>
/// The round-trip fixtures and samples together must use every field of every schema, so the
/// round trips prove each wire name, not just some.
/// </summary>
[TestFixture]
public sealed class FixtureCoverageTests
{
    // Conditions are the same V1Condition list on all three kinds; the PodNetworking fixture
    // covers its fields, and Terway-shaped PodENI and Node objects do not carry them.
    private static readonly string[] SharedAdditions = ["status.conditions", "status.observedGeneration"];

    [TestCase(typeof(V1Beta1PodNetworking), new string[0], "podnetworking-status.yaml", "samples:network_v1beta1_podnetworking.yaml", "samples:network_v1beta1_podnetworking_elastic.yaml", "samples:network_v1beta1_podnetworking_trunk.yaml")]
    [TestCase(typeof(V1Beta1PodEni), new[] { "status.conditions", "status.observedGeneration" }, "podeni-trunk-terway.yaml")]
    [TestCase(typeof(V1Beta1Node), new[] { "status.conditions", "status.observedGeneration" }, "node-terway.yaml")]
    public void Fixtures_TogetherUseEveryField(Type entity, string[] exempt, params string[] files)
    {
        Assert.That(exempt, Is.SubsetOf(SharedAdditions));
        var schema = CheckedInCrds.Schema(entity);
        var expected = new SortedSet<string>(StringComparer.Ordinal);
        SchemaPaths(schema, "", expected);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = file.StartsWith("samples:", StringComparison.Ordinal)
                ? RepoPaths.Config("samples", file["samples:".Length..])
                : RepoPaths.Fixture(file);
            DocumentPaths(schema, YamlJson.Parse(File.ReadAllText(path)), "", covered);
        }

        var missing = expected.Where(p => !covered.Contains(p) && !exempt.Any(e => p == e || p.StartsWith(e + ".", StringComparison.Ordinal) || p.StartsWith(e + "[]", StringComparison.Ordinal))).ToList();

        Assert.That(missing, Is.Empty);
    }

    private static void SchemaPaths(JsonObject schema, string path, ISet<string> paths)
    {
        foreach (var (name, child) in schema["properties"]?.AsObject() ?? [])
        {
            if (path.Length == 0 && name == "metadata")
            {
                continue;
            }

            var childPath = Join(path, name);
            paths.Add(childPath);
            SchemaPaths(child!.AsObject(), childPath, paths);
        }

        if (schema["items"] is JsonObject items)
        {
            SchemaPaths(items, path + "[]", paths);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            SchemaPaths(additional, path + "{}", paths);
        }
    }

    private static void DocumentPaths(JsonObject schema, JsonNode? document, string path, ISet<string> paths)
    {
        switch (document)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (key, value) in obj)
                {
                    if (properties[key] is JsonObject child)
                    {
                        var childPath = Join(path, key);
                        paths.Add(childPath);
                        DocumentPaths(child, value, childPath, paths);
                    }
                }

                break;
            case JsonObject obj when schema["additionalProperties"] is JsonObject additional:
                foreach (var (_, value) in obj)
                {
                    DocumentPaths(additional, value, path + "{}", paths);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    DocumentPaths(items, item, path + "[]", paths);
                }

                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
