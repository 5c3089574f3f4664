using System.Reflection;
using System.Text.Json.Nodes;
using Terway.Crds.Yaml;

namespace Terway.Sandbox.Hosting;

/// <summary>
/// The repository's <c>config/</c> files the sandbox uses (RBAC, samples, the demo plan), read from
/// a folder on disk when one is given and found there, else from the copies built into the
/// assembly.
/// </summary>
internal static class ConfigFiles
{
    private const string Prefix = "config/";

    /// <summary>The text of <c>config/&lt;relativePath&gt;</c>: from <paramref name="configDirectory"/> if the file exists there, else built in.</summary>
    public static string Read(string relativePath, string? configDirectory = null)
    {
        if (Path.IsPathRooted(relativePath))
        {
            return File.ReadAllText(relativePath);
        }

        if (configDirectory is not null && File.Exists(Path.Combine(configDirectory, relativePath)))
        {
            return File.ReadAllText(Path.Combine(configDirectory, relativePath));
        }

        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Prefix + relativePath.Replace('\\', '/'))
            ?? throw new FileNotFoundException($"config/{relativePath} is neither in {configDirectory ?? "(no folder)"} nor built into the sandbox");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The built-in files under <c>config/&lt;folder&gt;/</c>, as relative paths, sorted.</summary>
    public static IReadOnlyList<string> BuiltIn(string folder) =>
        [.. Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix + folder + "/", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..])
            .Order(StringComparer.Ordinal)];

    /// <summary>The Kubernetes objects in a YAML text (documents without a kind are skipped).</summary>
    public static IReadOnlyList<JsonObject> Documents(string yaml) =>
        [.. YamlJson.ParseAll(yaml).OfType<JsonObject>().Where(d => d["kind"] is not null)];

    /// <summary>The repository's config/ folder when the sandbox runs from a checkout (searched upwards from the working directory), else null.</summary>
    public static string? FindConfigDirectory()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Terway.slnx")) && Directory.Exists(Path.Combine(dir.FullName, "config")))
            {
                return Path.Combine(dir.FullName, "config");
            }
        }

        return null;
    }
}
