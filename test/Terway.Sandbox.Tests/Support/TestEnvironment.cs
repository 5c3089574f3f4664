namespace Terway.Sandbox.Tests.Support;

/// <summary>What a test needs from the machine, and the reason it is skipped when the machine lacks it.</summary>
internal static class TestEnvironment
{
    /// <summary>Skips the test unless it runs as root (network namespaces, veth, tc).</summary>
    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("needs root: it builds network namespaces");
        }
    }

    /// <summary>The libcni driver: TERWAY_CNIRT, else /usr/local/bin/cnirt; skips the test when absent.</summary>
    public static string RequireCnirt()
    {
        var path = Environment.GetEnvironmentVariable("TERWAY_CNIRT");
        path = string.IsNullOrEmpty(path) ? "/usr/local/bin/cnirt" : path;
        if (!File.Exists(path))
        {
            Assert.Ignore($"the libcni driver is not installed ({path}); build it with /work/shared/tools/cnirt/build.sh");
        }

        return path;
    }

    /// <summary>Debian's reference CNI plugins; skips the test when absent.</summary>
    public static string RequireReferencePlugins()
    {
        const string dir = "/usr/lib/cni";
        if (!File.Exists(Path.Combine(dir, "bridge")) || !File.Exists(Path.Combine(dir, "host-local")))
        {
            Assert.Ignore("the reference CNI plugins are not installed (apt-get install containernetworking-plugins)");
        }

        return dir;
    }

    /// <summary>The repository's config/ folder, found upwards from the test binaries.</summary>
    public static string ConfigDirectory()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
        {
            dir = dir.Parent;
        }

        return dir is null ? throw new DirectoryNotFoundException("repository root not found") : Path.Combine(dir.FullName, "config");
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds or <paramref name="timeout"/> passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls a synchronous <paramref name="condition"/>.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), timeout);
}
