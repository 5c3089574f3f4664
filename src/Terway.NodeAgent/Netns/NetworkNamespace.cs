using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Netns;

/// <summary>
/// An open handle (an nsfs file descriptor) on a network namespace. Holding it keeps the
/// namespace alive even after its bind mount is removed.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private readonly FileDescriptor _fd;

    private NetworkNamespace(FileDescriptor fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    /// <summary>The path it was opened from (a /var/run/netns entry, /proc/PID/ns/net ...).</summary>
    public string Path { get; }

    /// <summary>The descriptor, for setns(2) and IFLA_NET_NS_FD.</summary>
    public int Fd => _fd.Value;

    /// <summary>Opens the namespace at <paramref name="path"/>.</summary>
    /// <exception cref="SystemCallException">The path does not exist (ENOENT) or cannot be opened.</exception>
    public static NetworkNamespace Open(string path)
    {
        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new SystemCallException($"open({path})", LibC.LastErrno);
        }

        return new NetworkNamespace(new FileDescriptor(fd), path);
    }

    /// <summary>Opens the namespace, or returns null when the path no longer exists.</summary>
    public static NetworkNamespace? TryOpen(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            return new NetworkNamespace(new FileDescriptor(fd), path);
        }

        var errno = LibC.LastErrno;
        return errno is Errno.ENOENT or Errno.ENOTDIR ? null : throw new SystemCallException($"open({path})", errno);
    }

    /// <summary>The namespace of this process (its main thread), where the agent itself runs.</summary>
    public static NetworkNamespace OpenProcess() => Open("/proc/self/ns/net");

    /// <summary>Runs <paramref name="action"/> inside this namespace on a dedicated OS thread.</summary>
    public Task<T> RunAsync<T>(Func<T> action) => NamespaceThread.RunAsync(this, action);

    /// <summary>Opens an rtnetlink client bound to this namespace (usable from any thread afterwards).</summary>
    public Task<RtNetlink> OpenNetlinkAsync() => RunAsync(RtNetlink.Open);

    public void Dispose() => _fd.Dispose();

    public override string ToString() => Path;
}
