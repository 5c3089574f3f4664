using System.Text.Json.Nodes;
using Terway.Crds.Yaml;

namespace Terway.Crds.Generation;

/// <summary>
/// The CRD files of <c>config/crd</c>, embedded in this assembly at build time, for code that
/// installs or serves the CRDs (the sandbox, an installer) without the source tree. A test
/// checks they equal what <see cref="CrdGenerator"/> produces.
/// </summary>
public static class CrdManifests
{
    private const string ResourcePrefix = "crd/";

    /// <summary>The embedded CRD files by file name (e.g. <c>network.alibabacloud.com_podenis.yaml</c>).</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = Load();

    /// <summary>The embedded CRDs as JSON trees.</summary>
    /// <returns>One CustomResourceDefinition per file.</returns>
    public static IReadOnlyList<JsonNode> Definitions() => [.. Files.Values.Select(YamlJson.Parse)];

    private static SortedDictionary<string, string> Load()
    {
        var assembly = typeof(CrdManifests).Assembly;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            files[name[ResourcePrefix.Length..]] = reader.ReadToEnd();
        }

        return files;
    }
}
