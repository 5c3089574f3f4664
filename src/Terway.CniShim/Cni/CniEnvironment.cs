using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>The <c>CNI_*</c> environment of one call, validated for its command as the reference skel does.</summary>
/// <param name="Command">CNI_COMMAND.</param>
/// <param name="ContainerId">CNI_CONTAINERID.</param>
/// <param name="Netns">CNI_NETNS.</param>
/// <param name="IfName">CNI_IFNAME.</param>
/// <param name="Args">CNI_ARGS, raw.</param>
/// <param name="Path">CNI_PATH.</param>
internal sealed record CniEnvironment(string Command, string? ContainerId, string? Netns, string? IfName, string? Args, string? Path)
{
    /// <summary>Longest interface name Linux accepts (IFNAMSIZ − 1).</summary>
    public const int MaxInterfaceNameLength = 15;

    private static readonly string[] AllCommands = [CniCommands.Add, CniCommands.Del, CniCommands.Check, CniCommands.Status, CniCommands.Gc, CniCommands.Version];

    /// <summary>
    /// Reads and validates the variables <paramref name="command"/> needs. Missing ones fail with
    /// code 4 naming every one of them (<c>required env variables [CNI_NETNS CNI_IFNAME] missing</c>);
    /// a container ID or interface name the spec forbids fails with code 4 too.
    /// </summary>
    public static CniEnvironment Parse(string command, Func<string, string?> getenv)
    {
        if (!AllCommands.Contains(command, StringComparer.Ordinal))
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, $"unknown CNI_COMMAND: {command}");
        }

        var env = new CniEnvironment(command, getenv("CNI_CONTAINERID"), getenv("CNI_NETNS"), getenv("CNI_IFNAME"), getenv("CNI_ARGS"), getenv("CNI_PATH"));
        var missing = new List<string>();
        void Need(string name, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                missing.Add(name);
            }
        }

        switch (command)
        {
            case CniCommands.Add or CniCommands.Check:
                Need("CNI_CONTAINERID", env.ContainerId);
                Need("CNI_NETNS", env.Netns);
                Need("CNI_IFNAME", env.IfName);
                Need("CNI_PATH", env.Path);
                break;
            case CniCommands.Del:
                Need("CNI_CONTAINERID", env.ContainerId);
                Need("CNI_IFNAME", env.IfName);
                Need("CNI_PATH", env.Path);
                break;
            case CniCommands.Gc or CniCommands.Status:
                Need("CNI_PATH", env.Path);
                break;
        }

        if (missing.Count > 0)
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, $"required env variables [{string.Join(' ', missing)}] missing");
        }

        if (env.ContainerId is { Length: > 0 } id && !IsValidContainerId(id))
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, "invalid characters in CNI_CONTAINERID", id);
        }

        if (env.IfName is { Length: > 0 } ifName && InterfaceNameProblem(ifName) is { } problem)
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, "invalid CNI_IFNAME", $"{ifName}: {problem}");
        }

        return env;
    }

    /// <summary>The spec's rule: starts with an alphanumeric character, then alphanumerics, '_', '.', '-'.</summary>
    public static bool IsValidContainerId(string id)
    {
        if (id.Length == 0 || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Why the kernel would refuse <paramref name="name"/> as an interface name, or null when it is fine.</summary>
    public static string? InterfaceNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "empty";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxInterfaceNameLength)
        {
            return $"longer than {MaxInterfaceNameLength} bytes";
        }

        if (name is "." or "..")
        {
            return "'.' and '..' are not interface names";
        }

        foreach (var c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c))
            {
                return $"contains '{c}'";
            }
        }

        return null;
    }
}
