using System.Net.Sockets;
using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.Tests.Netns;

[TestFixture]
public sealed class NamespaceTests
{
    [SetUp]
    public void RequireRoot() => Root.Require();

    [Test]
    public async Task CreateAsync_NamedNamespace_VisibleToIproute2AndDeleted()
    {
        var name = TestNamespace.UniquePrefix() + "-named";
        var path = await NamedNetworkNamespaces.CreateAsync(name);
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(path, Is.EqualTo("/var/run/netns/" + name));
                Assert.That(NamedNetworkNamespaces.Exists(name), Is.True);
                Assert.That(NamedNetworkNamespaces.List(), Does.Contain(name));
            });
            Assert.That(Inode(path), Is.Not.EqualTo(Inode("/proc/self/ns/net")), "a new namespace, not ours");
            if (File.Exists("/usr/sbin/ip"))
            {
                using var ip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip", ["netns", "list"]) { RedirectStandardOutput = true })!;
                var listed = await ip.StandardOutput.ReadToEndAsync();
                await ip.WaitForExitAsync();
                Assert.That(listed, Does.Contain(name), "ip netns sees it");
            }

            var e = (await Assert.ThrowsAsync<SystemCallException>(() => NamedNetworkNamespaces.CreateAsync(name)))!;
            Assert.That(e.ErrnoName, Is.EqualTo("EEXIST"));
        }
        finally
        {
            NamedNetworkNamespaces.Delete(name);
        }

        Assert.That(NamedNetworkNamespaces.Exists(name), Is.False);
        Assert.DoesNotThrow(() => NamedNetworkNamespaces.Delete(name), "deleting a missing namespace is not an error");
    }

    [Test]
    public async Task RunAsync_RunsOnDedicatedThreadInsideNamespace_CallerUnchanged()
    {
        await using var ns = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-run");
        var callerBefore = Inode("/proc/thread-self/ns/net");
        var callerThread = Environment.CurrentManagedThreadId;

        var (inode, threadId, pool) = await ns.RunAsync(() => (Inode("/proc/thread-self/ns/net"), Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));

        Assert.Multiple(() =>
        {
            Assert.That(inode, Is.EqualTo(Inode(ns.Path)), "the action ran inside the namespace");
            Assert.That(pool, Is.False, "never on a pool thread");
            Assert.That(threadId, Is.Not.EqualTo(callerThread));
            Assert.That(Inode("/proc/thread-self/ns/net"), Is.EqualTo(callerBefore), "the caller's namespace is untouched");
        });
    }

    [Test]
    public async Task Socket_OpenedInsideNamespace_StaysBoundAfterThreadEnds()
    {
        await using var ns = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-sock");
        ns.Netlink.CreateVeth("only-here0", "only-here1");

        // ns.Netlink was opened on a namespace thread that has ended; it still sees that namespace.
        Assert.That(ns.Netlink.GetLink("only-here0"), Is.Not.Null);
        using var here = Terway.NodeAgent.Netlink.RtNetlink.Open();
        Assert.That(here.GetLink("only-here0"), Is.Null, "the test's own namespace does not have it");
    }

    [Test]
    public async Task Sysctl_PerNamespace_WrittenInsideOnlyAffectsThatNamespace()
    {
        await using var a = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-sa");
        await using var b = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-sb");
        var key = Sysctl.Sysctl.PathOf("net.ipv4.ip_forward");

        await a.RunAsync(() => Sysctl.Sysctl.Ensure(key, "1"));
        var changedAgain = await a.RunAsync(() => Sysctl.Sysctl.Ensure(key, "1"));

        Assert.Multiple(async () =>
        {
            Assert.That(changedAgain, Is.False, "writes only when the value differs");
            Assert.That(await a.RunAsync(() => Sysctl.Sysctl.Read(key)), Is.EqualTo("1"));
            Assert.That(await b.RunAsync(() => Sysctl.Sysctl.Read(key)), Is.EqualTo("0"));
        });
    }

    [Test]
    public async Task Sysctl_InterfaceWithDotInName_PathBuiltBySegment()
    {
        await using var a = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-sd");
        a.Netlink.CreateVeth("dot.0", "dot1");
        var path = Sysctl.Sysctl.InterfacePath("ipv4", "dot.0", "rp_filter");
        Assert.That(path, Is.EqualTo("/proc/sys/net/ipv4/conf/dot.0/rp_filter"));
        await a.RunAsync(() => { Sysctl.Sysctl.Write(path, "2"); return 0; });
        Assert.That(await a.RunAsync(() => Sysctl.Sysctl.Read(path)), Is.EqualTo("2"));
    }

    [Test]
    public void TryOpen_MissingPath_ReturnsNull()
    {
        Assert.That(NetworkNamespace.TryOpen("/var/run/netns/does-not-exist-" + Guid.NewGuid()), Is.Null);
        Assert.That(NetworkNamespace.TryOpen(null), Is.Null);
        var e = Assert.Throws<SystemCallException>(() => NetworkNamespace.Open("/var/run/netns/does-not-exist"))!;
        Assert.That(e.Message, Does.Contain("ENOENT (2)"));
    }

    /// <summary>
    /// The namespace's inode: from the "net:[N]" link of a /proc ns file, or from stat(1) for a
    /// bind-mounted namespace file (which reads as a plain path).
    /// </summary>
    private static ulong Inode(string path)
    {
        if (path.StartsWith("/proc/", StringComparison.Ordinal))
        {
            var link = File.ResolveLinkTarget(path, false)!.Name;
            return ulong.Parse(link[5..^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-L", "--format=%i", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return ulong.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
