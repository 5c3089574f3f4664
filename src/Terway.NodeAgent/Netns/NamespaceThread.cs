using Terway.NodeAgent.Interop;

namespace Terway.NodeAgent.Netns;

/// <summary>
/// Runs code inside a network namespace. setns(2) switches only the calling thread, so the
/// work runs on a fresh OS thread that ends when it is done; no pool thread ever changes
/// namespace. Sockets opened there stay in that namespace after the thread has gone.
/// </summary>
internal static class NamespaceThread
{
    private const int StackSize = 256 * 1024;

    /// <summary>Runs <paramref name="action"/> on a new thread that first joins <paramref name="ns"/>.</summary>
    public static Task<T> RunAsync<T>(NetworkNamespace ns, Func<T> action)
    {
        var fd = ns.Fd;
        return Start($"netns {ns.Path}", () =>
        {
            if (LibC.SetNs(fd, LibC.CLONE_NEWNET) != 0)
            {
                throw new SystemCallException($"setns({ns.Path})", LibC.LastErrno);
            }

            return action();
        });
    }

    /// <summary>Runs <paramref name="action"/> on a new thread inside a new, anonymous network namespace.</summary>
    /// <remarks>The namespace lives as long as something (a socket, a bind mount, an fd) refers to it.</remarks>
    public static Task<T> RunInNewNamespaceAsync<T>(Func<T> action) =>
        Start("netns (new)", () =>
        {
            if (LibC.Unshare(LibC.CLONE_NEWNET) != 0)
            {
                throw new SystemCallException("unshare(CLONE_NEWNET)", LibC.LastErrno);
            }

            return action();
        });

    private static Task<T> Start<T>(string name, Func<T> body)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(
            () =>
            {
                try
                {
                    completion.SetResult(body());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            },
            StackSize)
        {
            IsBackground = true,
            Name = name,
        };
        thread.UnsafeStart();
        return completion.Task;
    }
}
