using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Tests.Netns;

/// <summary>
/// A named network namespace owned by one test, with a netlink client bound to it.
/// Names carry a random prefix so tests of other projects running at the same time never collide.
/// </summary>
internal sealed class TestNamespace : IAsyncDisposable
{
    private TestNamespace(string name, string path, NetworkNamespace handle, RtNetlink netlink)
    {
        Name = name;
        Path = path;
        Handle = handle;
        Netlink = netlink;
    }

    public string Name { get; }

    public string Path { get; }

    public NetworkNamespace Handle { get; }

    public RtNetlink Netlink { get; }

    public static string UniquePrefix() => "tw" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3));

    public static async Task<TestNamespace> CreateAsync(string name)
    {
        var path = await NamedNetworkNamespaces.CreateAsync(name);
        var handle = NetworkNamespace.Open(path);
        var netlink = await handle.OpenNetlinkAsync();
        var lo = netlink.GetLink("lo")!;
        netlink.SetUp(lo.Index, true, "lo");
        return new TestNamespace(name, path, handle, netlink);
    }

    public Task<T> RunAsync<T>(Func<T> action) => Handle.RunAsync(action);

    public ValueTask DisposeAsync()
    {
        Netlink.Dispose();
        Handle.Dispose();
        NamedNetworkNamespaces.Delete(Name);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Skips tests that need root (network namespaces, netlink writes).</summary>
internal static class Root
{
    public static void Require()
    {
        if (Environment.UserName != "root" && !IsRootUid())
        {
            Assert.Ignore("needs root: creates network namespaces and configures them over netlink");
        }
    }

    private static bool IsRootUid()
    {
        var status = File.ReadAllLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return status is not null && status.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0";
    }
}
