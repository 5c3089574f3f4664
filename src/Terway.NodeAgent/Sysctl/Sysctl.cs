namespace Terway.NodeAgent.Sysctl;

/// <summary>
/// Kernel parameters through /proc/sys. Files under /proc/sys/net belong to the network
/// namespace of the thread that opens them, so per-namespace settings are read and written
/// from a thread inside that namespace (see <see cref="Netns.NamespaceThread"/>).
/// </summary>
internal static class Sysctl
{
    private const string Root = "/proc/sys/";

    /// <summary>"net.ipv4.ip_forward" → "/proc/sys/net/ipv4/ip_forward".</summary>
    public static string PathOf(string key) => Root + key.Replace('.', '/');

    /// <summary>A per-interface key; interface names may contain dots, so the path is built by segment.</summary>
    public static string InterfacePath(string family, string interfaceName, string setting) =>
        $"{Root}net/{family}/conf/{interfaceName}/{setting}";

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
