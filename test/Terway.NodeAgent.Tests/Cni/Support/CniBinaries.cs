namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>
/// The binaries the CNI tests run: the real Native AOT <c>terway</c> plugin (published once per test run,
/// reused while its sources are older than the binary), the libcni driver <c>cnirt</c>, and Debian's
/// reference plugins.
/// </summary>
internal static class CniBinaries
{
    /// <summary>Debian's reference plugins: <c>TERWAY_CNI_PLUGINS</c> (exported by CI), else /usr/lib/cni.</summary>
    public static string ReferencePluginDirectory { get; } =
        Environment.GetEnvironmentVariable("TERWAY_CNI_PLUGINS") is { Length: > 0 } dir ? dir : "/usr/lib/cni";

    private static readonly SemaphoreSlim PublishLock = new(1, 1);
    private static string? _published;

    /// <summary>The libcni driver: <c>TERWAY_CNIRT</c>, else /usr/local/bin/cnirt; null when absent.</summary>
    public static string? Cnirt
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("TERWAY_CNIRT");
            path = string.IsNullOrEmpty(path) ? "/usr/local/bin/cnirt" : path;
            return File.Exists(path) ? path : null;
        }
    }

    public static void RequireCnirt()
    {
        if (Cnirt is null)
        {
            Assert.Ignore("the libcni driver is not installed (set TERWAY_CNIRT or build /usr/local/bin/cnirt with ../shared/tools/cnirt/build.sh)");
        }
    }

    public static void RequireReferencePlugins(params string[] names)
    {
        foreach (var name in names)
        {
            if (!File.Exists(Path.Combine(ReferencePluginDirectory, name)))
            {
                Assert.Ignore($"the reference CNI plugin {name} is not in {ReferencePluginDirectory} (apt-get install containernetworking-plugins)");
            }
        }
    }

    /// <summary>The directory holding the published <c>terway</c> binary.</summary>
    public static async Task<string> ShimDirectoryAsync()
    {
        await PublishLock.WaitAsync();
        try
        {
            _published ??= await PublishAsync();
            return _published;
        }
        finally
        {
            PublishLock.Release();
        }
    }

    public static async Task<string> ShimPathAsync() => Path.Combine(await ShimDirectoryAsync(), "terway");

    private static async Task<string> PublishAsync()
    {
        var output = RepoPaths.Of("artifacts", "cni-shim");
        var binary = Path.Combine(output, "terway");
        var project = RepoPaths.Of("src", "Terway.CniShim");
        var newestSource = Directory.EnumerateFiles(project, "*.*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Select(File.GetLastWriteTimeUtc)
            .Append(File.GetLastWriteTimeUtc(RepoPaths.Of("Directory.Build.props")))
            .Max();
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) > newestSource)
        {
            return output;
        }

        // Its own intermediate directory (--artifacts-path): `dotnet test Terway.slnx` may still be building
        // the project (Debug, no runtime identifier) for the shim's unit tests while this test publishes it.
        var outcome = await ProcessRunner.RunAsync("dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "--artifacts-path", RepoPaths.Of("artifacts", "cni-shim-build"),
             "--nologo", "-v", "q", "-nodeReuse:false"],
            timeout: TimeSpan.FromMinutes(5));
        if (outcome.ExitCode != 0 || !File.Exists(binary))
        {
            throw new InvalidOperationException($"publishing the terway plugin failed: {outcome}");
        }

        File.SetLastWriteTimeUtc(binary, DateTime.UtcNow);
        return output;
    }
}
