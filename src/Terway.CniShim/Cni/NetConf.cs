using System.Globalization;
using System.Text.Json;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>
/// The network configuration on stdin: the CNI keys terway reads, its own options (snake_case,
/// like Terway's 10-terway.conf) and the runtime-inserted keys (prevResult, GC's valid attachments).
/// Unknown keys are ignored, as the specification lets plugin-specific keys pass; keys that ask for
/// something terway does not do (delegated <c>ipam</c>, <c>ipMasq</c>) fail with code 2.
/// </summary>
internal sealed class NetConf
{
    /// <summary>Default log file of the plugin.</summary>
    public const string DefaultLogFile = "/var/log/terway/terway.cni.log";

    /// <summary>cniVersion (0.1.0 when absent, which terway then rejects).</summary>
    public string CniVersion { get; init; } = CniVersions.Implicit;

    /// <summary>Network name.</summary>
    public string? Name { get; init; }

    /// <summary>Plugin type (the binary name).</summary>
    public string? Type { get; init; }

    /// <summary>The previous plugin's result (ADD when not first in the chain; DEL/CHECK: the final ADD result).</summary>
    public CniResult? PrevResult { get; init; }

    /// <summary>DNS settings to report in the result.</summary>
    public CniDns? Dns { get; init; }

    /// <summary>GC: <c>cni.dev/valid-attachments</c>.</summary>
    public List<AttachmentKey>? ValidAttachments { get; init; }

    /// <summary><c>agent_socket</c>: the node agent's unix socket.</summary>
    public string AgentSocket { get; init; } = AgentProtocol.DefaultSocketPath;

    /// <summary><c>pending_release_dir</c>: where DELs are recorded while the agent is down.</summary>
    public string PendingReleaseDirectory { get; init; } = AgentProtocol.DefaultPendingReleaseDirectory;

    /// <summary><c>log_file</c>: the plugin's log (never stdout); empty disables logging.</summary>
    public string LogFile { get; init; } = DefaultLogFile;

    /// <summary><c>log_level</c>: <c>debug</c>, <c>info</c> (default), <c>error</c> or <c>none</c>.</summary>
    public string LogLevel { get; init; } = "info";

    /// <summary><c>add_timeout</c>: deadline of ADD (Terway: 120 s).</summary>
    public TimeSpan AddTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary><c>del_timeout</c>: deadline of DEL before it is recorded as pending.</summary>
    public TimeSpan DelTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary><c>check_timeout</c>: deadline of CHECK.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>status_timeout</c>: deadline of STATUS.</summary>
    public TimeSpan StatusTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>gc_timeout</c>: deadline of GC.</summary>
    public TimeSpan GcTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The deadline of <paramref name="command"/>.</summary>
    public TimeSpan TimeoutFor(string command) => command switch
    {
        CniCommands.Add => AddTimeout,
        CniCommands.Del => DelTimeout,
        CniCommands.Check => CheckTimeout,
        CniCommands.Status => StatusTimeout,
        _ => GcTimeout,
    };

    /// <summary>Reads only <c>cniVersion</c>, so even a configuration that fails later can be answered in its version.</summary>
    public static string? PeekVersion(ReadOnlySpan<byte> stdin)
    {
        try
        {
            using var doc = JsonDocument.Parse(stdin.ToArray());
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("cniVersion", out var v)
                && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Parses the configuration for <paramref name="command"/>, in the reference skel's order: code 6
    /// for undecodable JSON, then code 1 when the version is unsupported or does not allow the command,
    /// then 2 for unsupported fields and 7 for invalid values.
    /// </summary>
    public static NetConf Parse(ReadOnlySpan<byte> stdin, string command)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stdin.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCodes.DecodingFailure, "error decoding network configuration from stdin", e.Message);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CniException(CniErrorCodes.DecodingFailure, "error decoding network configuration from stdin", $"expected a JSON object, got {root.ValueKind}");
            }

            var version = String(root, "cniVersion") ?? CniVersions.Implicit;
            CniVersions.RequireFor(command, version);
            RejectUnsupported(root);
            CniResult? prev = null;
            if (root.TryGetProperty("prevResult", out var prevElement) && prevElement.ValueKind != JsonValueKind.Null)
            {
                prev = ResultReader.Read(prevElement);
            }

            return new NetConf
            {
                CniVersion = version,
                Name = String(root, "name"),
                Type = String(root, "type"),
                PrevResult = prev,
                Dns = root.TryGetProperty("dns", out var dns) && dns.ValueKind != JsonValueKind.Null ? ResultReader.ReadDns(dns, "dns") : null,
                ValidAttachments = ReadValidAttachments(root),
                AgentSocket = String(root, "agent_socket") ?? AgentProtocol.DefaultSocketPath,
                PendingReleaseDirectory = String(root, "pending_release_dir") ?? AgentProtocol.DefaultPendingReleaseDirectory,
                LogFile = String(root, "log_file") ?? DefaultLogFile,
                LogLevel = LogLevelOf(root),
                AddTimeout = Duration(root, "add_timeout") ?? TimeSpan.FromSeconds(120),
                DelTimeout = Duration(root, "del_timeout") ?? TimeSpan.FromSeconds(20),
                CheckTimeout = Duration(root, "check_timeout") ?? TimeSpan.FromSeconds(30),
                StatusTimeout = Duration(root, "status_timeout") ?? TimeSpan.FromSeconds(5),
                GcTimeout = Duration(root, "gc_timeout") ?? TimeSpan.FromSeconds(60),
            };
        }
    }

    private static void RejectUnsupported(JsonElement root)
    {
        if (root.TryGetProperty("ipam", out var ipam) && ipam.ValueKind == JsonValueKind.Object && ipam.EnumerateObject().Any())
        {
            throw new CniException(CniErrorCodes.UnsupportedField, $"unsupported field ipam={ipam.GetRawText()}",
                "terway allocates pod addresses itself (PodENI, Node CR or the node's podCIDR); remove the ipam section");
        }

        if (root.TryGetProperty("ipMasq", out var masq) && masq.ValueKind == JsonValueKind.True)
        {
            throw new CniException(CniErrorCodes.UnsupportedField, "unsupported field ipMasq=true",
                "pod addresses are VPC addresses and are not masqueraded; chain a masquerading plugin if needed");
        }
    }

    private static List<AttachmentKey>? ReadValidAttachments(JsonElement root)
    {
        if (!root.TryGetProperty("cni.dev/valid-attachments", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("cni.dev/valid-attachments", "an array of {containerID, ifname}");
        }

        var keys = new List<AttachmentKey>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("cni.dev/valid-attachments", "an array of {containerID, ifname}");
            }

            keys.Add(new AttachmentKey
            {
                ContainerId = String(item, "containerID") ?? throw Invalid("cni.dev/valid-attachments[].containerID", "a string"),
                IfName = String(item, "ifname") ?? throw Invalid("cni.dev/valid-attachments[].ifname", "a string"),
            });
        }

        return keys;
    }

    private static string LogLevelOf(JsonElement root)
    {
        var level = String(root, "log_level") ?? "info";
        return level is "debug" or "info" or "error" or "none" ? level : throw Invalid("log_level", "one of debug, info, error, none");
    }

    private static string? String(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Invalid(key, "a string");
    }

    private static TimeSpan? Duration(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        TimeSpan? parsed = v.ValueKind switch
        {
            JsonValueKind.Number when v.TryGetDouble(out var seconds) && seconds > 0 => TimeSpan.FromSeconds(seconds),
            JsonValueKind.String => DurationText.TryParse(v.GetString()!, out var d) && d > TimeSpan.Zero ? d : null,
            _ => null,
        };
        return parsed ?? throw Invalid(key, "a positive duration such as \"120s\", \"500ms\" or a number of seconds");
    }

    internal static CniException Invalid(string key, string expected) =>
        new(CniErrorCodes.InvalidNetworkConfig, $"invalid network configuration: {key} must be {expected}");
}

/// <summary>Go-style durations (<c>120s</c>, <c>1m30s</c>, <c>500ms</c>, <c>1.5s</c>) for the plugin's timeouts.</summary>
internal static class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var rest = text.AsSpan().Trim();
        if (rest.IsEmpty)
        {
            return false;
        }

        double totalMs = 0;
        while (!rest.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < rest.Length && (char.IsAsciiDigit(rest[numberLength]) || rest[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0 || !double.TryParse(rest[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            rest = rest[numberLength..];
            var unitLength = 0;
            while (unitLength < rest.Length && char.IsAsciiLetter(rest[unitLength]))
            {
                unitLength++;
            }

            double? scale = rest[..unitLength] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            totalMs += value * scale.Value;
            rest = rest[unitLength..];
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
