using System.Reflection;
using System.Text.Json.Nodes;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.Schema;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;

namespace Terway.Crds.Generation;

/// <summary>
/// Writes the CustomResourceDefinitions (apiextensions.k8s.io/v1) in <c>config/crd</c> from
/// the C# types. The checked-in files must equal <see cref="GenerateFiles"/>; a test in
/// Terway.Crds.Tests compares them and rewrites them when <c>TERWAY_UPDATE_CRDS=1</c>.
/// </summary>
public static class CrdGenerator
{
    /// <summary>Comment at the top of every generated file.</summary>
    public const string Header =
        "Generated from src/Terway.Crds by Generation/CrdGenerator. Do not edit.\n" +
        "Regenerate: TERWAY_UPDATE_CRDS=1 dotnet test test/Terway.Crds.Tests --filter GeneratedCrds";

    /// <summary>Name of the kustomization file written next to the CRDs.</summary>
    public const string KustomizationFileName = "kustomization.yaml";

    /// <summary>The root types that become CRDs.</summary>
    public static IReadOnlyList<Type> EntityTypes { get; } = [typeof(V1Beta1PodNetworking), typeof(V1Beta1PodEni), typeof(V1Beta1Node)];

    /// <summary>The CRD file name of a root type, kubebuilder style: <c>&lt;group&gt;_&lt;plural&gt;.yaml</c>.</summary>
    /// <param name="entityType">A root type with <c>[KubernetesEntity]</c>.</param>
    /// <returns>The file name.</returns>
    public static string FileName(Type entityType)
    {
        var entity = Entity(entityType);
        return $"{entity.Group}_{entity.PluralName}.yaml";
    }

    /// <summary>Builds the CRD of a root type as a JSON tree (keys sorted).</summary>
    /// <param name="entityType">A root type with <c>[KubernetesEntity]</c> and <c>[CustomResource]</c>.</param>
    /// <returns>The CustomResourceDefinition.</returns>
    public static JsonObject Generate(Type entityType) => Generate(entityType, XmlDocumentation.Load(typeof(CrdGenerator).Assembly));

    /// <summary>Every generated file (CRDs and the kustomization) by file name.</summary>
    /// <returns>File name to YAML text.</returns>
    public static IReadOnlyDictionary<string, string> GenerateFiles()
    {
        var docs = XmlDocumentation.Load(typeof(CrdGenerator).Assembly);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in EntityTypes)
        {
            files[FileName(type)] = YamlJson.Write(Generate(type, docs), Header);
        }

        var kustomization = new JsonObject
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = new JsonArray([.. files.Keys.Select(k => (JsonNode)k)]),
        };
        files[KustomizationFileName] = YamlJson.Write(kustomization, Header);
        return files;
    }

    /// <summary>Writes <see cref="GenerateFiles"/> into <paramref name="directory"/>.</summary>
    /// <param name="directory">Usually <c>config/crd</c>.</param>
    public static void WriteFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, text) in GenerateFiles())
        {
            File.WriteAllText(Path.Combine(directory, name), text);
        }
    }

    internal static JsonObject Generate(Type entityType, XmlDocumentation docs)
    {
        var entity = Entity(entityType);
        var resource = entityType.GetCustomAttribute<CustomResourceAttribute>()
            ?? throw new InvalidOperationException($"{entityType.Name} has no [CustomResource].");
        var builder = new SchemaBuilder(docs);

        var version = new JsonObject
        {
            ["name"] = entity.ApiVersion,
            ["served"] = true,
            ["storage"] = true,
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = builder.ForRoot(entityType) },
            ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
        };
        var columns = PrinterColumns(entityType);
        if (columns.Count > 0)
        {
            version["additionalPrinterColumns"] = columns;
        }

        var crd = new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{entity.PluralName}.{entity.Group}",
                ["annotations"] = new JsonObject { [Annotations.CrdVersion] = resource.SchemaVersion },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = entity.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = entity.Kind,
                    ["listKind"] = entity.Kind + "List",
                    ["plural"] = entity.PluralName,
                    ["singular"] = resource.Singular,
                },
                ["scope"] = resource.Scope,
                ["versions"] = new JsonArray(version),
            },
        };
        return SortKeys(crd);
    }

    private static JsonArray PrinterColumns(Type entityType)
    {
        var columns = new JsonArray();
        foreach (var column in entityType.GetCustomAttributes<PrinterColumnAttribute>(inherit: false).OrderBy(c => c.Order))
        {
            var entry = new JsonObject { ["name"] = column.Name, ["type"] = column.Type, ["jsonPath"] = column.JsonPath };
            if (column.Priority != 0)
            {
                entry["priority"] = column.Priority;
            }

            if (column.Description is not null)
            {
                entry["description"] = column.Description;
            }

            columns.Add(entry);
        }

        return columns;
    }

    private static KubernetesEntityAttribute Entity(Type entityType) =>
        entityType.GetCustomAttribute<KubernetesEntityAttribute>()
        ?? throw new InvalidOperationException($"{entityType.Name} has no [KubernetesEntity].");

    // controller-gen style: object keys sorted, arrays keep their order.
    private static JsonObject SortKeys(JsonObject source)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in source.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            source.Remove(key);
            sorted[key] = Sort(value);
        }

        return sorted;
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => SortKeys(obj),
        JsonArray array => SortArray(array),
        _ => node,
    };

    private static JsonArray SortArray(JsonArray source)
    {
        var items = source.ToList();
        source.Clear();
        return new JsonArray([.. items.Select(Sort)]);
    }
}
