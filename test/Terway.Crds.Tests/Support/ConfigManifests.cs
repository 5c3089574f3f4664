using System.Diagnostics;
using System.Text.Json.Nodes;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Support;

/// <summary>Reads the manifests of a config/ component and renders kustomizations.</summary>
internal static class ConfigManifests
{
    public static List<JsonObject> Component(string name) =>
        [.. Directory.GetFiles(RepoPaths.Config(name), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .OrderBy(f => f, StringComparer.Ordinal)
            .SelectMany(f => YamlJson.ParseAll(File.ReadAllText(f)))
            .Select(n => n.AsObject())];

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.Single(o => o["kind"]?.GetValue<string>() == kind && o["metadata"]?["name"]?.GetValue<string>() == name);

    /// <summary>Runs <c>kubectl kustomize</c>; null when kubectl is not installed.</summary>
    public static string? Kustomize(string directory)
    {
        var kubectl = FindOnPath("kubectl");
        if (kubectl is null)
        {
            return null;
        }

        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(kubectl, ["kustomize", directory])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl kustomize did not finish within a minute");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout.Result;
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
