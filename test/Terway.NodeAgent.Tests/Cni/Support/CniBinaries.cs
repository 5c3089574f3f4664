namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>
/// The binaries the CNI tests run: the real Native AOT <c>terway</c> plugin (published once per test run,
/// reused while its sources are older than the binary; see <see cref="Terway.Sandbox.Integration.TerwayPluginBinary"/>),
/// the libcni driver <c>cnirt</c>, and Debian's reference plugins.
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

    // The sandbox's helper: same folder (artifacts/cni-shim), same freshness rule, and a lock file shared with
    // sandboxes and the end-to-end tests publishing at the same time.
    private static Task<string> PublishAsync() => Terway.Sandbox.Integration.TerwayPluginBinary.DirectoryAsync();
}
