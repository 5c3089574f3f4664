using Terway.NodeAgent.Interop;

namespace Terway.NodeAgent.Netns;

/// <summary>
/// Named network namespaces under /var/run/netns, made the way iproute2 makes them (a
/// shared mount point directory, an empty file bind-mounted over the namespace of a thread
/// that unshared it), so <c>ip netns</c> and container runtimes see the same names.
/// </summary>
internal static class NamedNetworkNamespaces
{
    public const string RunDirectory = "/var/run/netns";

    private static readonly Lock DirectoryLock = new();
    private static bool s_directoryReady;

    /// <summary>The path of the namespace called <paramref name="name"/>.</summary>
    public static string PathOf(string name) => System.IO.Path.Combine(RunDirectory, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Creates the namespace and returns its path.</summary>
    /// <exception cref="SystemCallException">EEXIST when the name is taken, or the mount failed.</exception>
    public static async Task<string> CreateAsync(string name)
    {
        ValidateName(name);
        EnsureRunDirectory();
        var path = PathOf(name);
        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new SystemCallException($"create {path}", LibC.LastErrno);
        }

        LibC.Close(fd);
        try
        {
            await NamespaceThread.RunInNewNamespaceAsync(() =>
            {
                var self = $"/proc/self/task/{LibC.GetTid()}/ns/net";
                unsafe
                {
                    if (LibC.Mount(self, path, "none", LibC.MS_BIND, null) != 0)
                    {
                        throw new SystemCallException($"mount --bind {self} {path}", LibC.LastErrno);
                    }
                }

                return true;
            });
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return path;
    }

    /// <summary>Unmounts and removes the namespace; a name that does not exist is not an error.</summary>
    public static void Delete(string name)
    {
        ValidateName(name);
        DeletePath(PathOf(name));
    }

    /// <summary>Unmounts and removes a namespace mount point given by path.</summary>
    public static void DeletePath(string path)
    {
        if (LibC.Umount2(path, LibC.MNT_DETACH) != 0)
        {
            var errno = LibC.LastErrno;
            if (errno is not (Errno.EINVAL or Errno.ENOENT))
            {
                throw new SystemCallException($"umount {path}", errno);
            }
        }

        File.Delete(path);
    }

    /// <summary>Names of the namespaces under <see cref="RunDirectory"/>.</summary>
    public static IReadOnlyList<string> List() =>
        Directory.Exists(RunDirectory)
            ? Directory.GetFiles(RunDirectory).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"invalid namespace name '{name}'", nameof(name));
        }
    }

    private static void EnsureRunDirectory()
    {
        lock (DirectoryLock)
        {
            if (s_directoryReady)
            {
                return;
            }

            Directory.CreateDirectory(RunDirectory);
            unsafe
            {
                // Like iproute2: make the directory a shared mount point so namespaces mounted
                // here propagate to mount namespaces created later (container runtimes).
                if (LibC.Mount(string.Empty, RunDirectory, "none", LibC.MS_SHARED | LibC.MS_REC, null) != 0)
                {
                    var errno = LibC.LastErrno;
                    if (errno != Errno.EINVAL)
                    {
                        throw new SystemCallException($"mount --make-rshared {RunDirectory}", errno);
                    }

                    if (LibC.Mount(RunDirectory, RunDirectory, "none", LibC.MS_BIND | LibC.MS_REC, null) != 0)
                    {
                        throw new SystemCallException($"mount --rbind {RunDirectory}", LibC.LastErrno);
                    }

                    if (LibC.Mount(string.Empty, RunDirectory, "none", LibC.MS_SHARED | LibC.MS_REC, null) != 0)
                    {
                        throw new SystemCallException($"mount --make-rshared {RunDirectory}", LibC.LastErrno);
                    }
                }
            }

            s_directoryReady = true;
        }
    }
}
