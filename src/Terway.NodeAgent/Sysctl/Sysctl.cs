namespace Terway.NodeAgent.Sysctl;

/// <summary>
/// Kernel parameters through /proc/sys. Files under /proc/sys/net belong to the network
/// namespace of the thread that opens them, so per-namespace settings are read and written
/// from a thread inside that namespace (see <see cref="Netns.NamespaceThread"/>).
/// </summary>
internal static class Sysctl
{
    /// <summary>Where the kernel's parameters are, unless the caller says otherwise.</summary>
    public const string DefaultRoot = "/proc/sys";

    /// <summary>"net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward" (or under <paramref name="root"/>).</summary>
    public static string PathOf(string key, string root = DefaultRoot) => root.TrimEnd('/') + "/" + key.Replace('.', '/');

    /// <summary>A per-interface key; interface names may contain dots, so the path is built by segment.</summary>
    public static string InterfacePath(string family, string interfaceName, string setting, string root = DefaultRoot) =>
        $"{root.TrimEnd('/')}/net/{family}/conf/{interfaceName}/{setting}";

    public static string Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"sysctl read {path}: {e.Message}", e);
        }
    }

    public static void Write(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"sysctl write {path}={value}: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="value"/> only if the current value differs; returns whether it wrote.</summary>
    public static bool Ensure(string path, string value)
    {
        if (Read(path) == value)
        {
            return false;
        }

        Write(path, value);
        return true;
    }
}
