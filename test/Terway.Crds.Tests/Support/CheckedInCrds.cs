using System.Text.Json.Nodes;
using Terway.Crds.Generation;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Support;

/// <summary>The CRDs as checked in under config/crd, parsed.</summary>
internal static class CheckedInCrds
{
    public static JsonNode Load(Type entity) =>
        YamlJson.Parse(File.ReadAllText(RepoPaths.Config("crd", CrdGenerator.FileName(entity))));

    public static JsonObject Schema(Type entity) =>
        Load(entity)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    /// <summary>Navigates a schema by property names; "[]" steps into items, "{}" into additionalProperties.</summary>
    public static JsonObject At(JsonObject schema, params string[] path)
    {
        JsonNode node = schema;
        foreach (var step in path)
        {
            node = step switch
            {
                "[]" => node["items"]!,
                "{}" => node["additionalProperties"]!,
                _ => node["properties"]?[step] ?? throw new KeyNotFoundException($"no property '{step}'"),
            };
        }

        return node.AsObject();
    }

    public static List<string> Rules(JsonObject node) =>
        node["x-kubernetes-validations"]?.AsArray().Select(r => r!["rule"]!.GetValue<string>()).ToList() ?? [];
}
