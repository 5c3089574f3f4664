using System.Text.Json;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Kubelet;

namespace Terway.Sandbox.Integration;

/// <summary>
/// The kubelets' pod network is Terway: each node's conflist names the <c>terway</c> plugin (the real Native AOT
/// binary, published once by <see cref="TerwayPluginBinary"/>) with that node's agent socket, pending-release folder
/// and plugin log, all under the node's folder in the state folder. The plugin forwards every call to the node's
/// agent (<see cref="NodeAgentComponent"/>).
/// </summary>
internal sealed class TerwayCniNetwork : ICniNetwork
{
    /// <summary>The network name in the conflist (Terway's).</summary>
    public const string NetworkName = "terway";

    private readonly SandboxContext _context;
    private readonly Lock _gate = new();
    private Task<string>? _pluginDirectory;

    /// <summary>The network for <paramref name="context"/>'s nodes; the plugin is located (or published) when the first node is prepared.</summary>
    public TerwayCniNetwork(SandboxContext context) => _context = context;

    /// <inheritdoc />
    public string Description => "Terway (the terway CNI plugin and a node agent per node; member ENIs on trunk ENIs)";

    /// <summary>Debian's reference plugins (<c>TERWAY_CNI_PLUGINS</c>, else /usr/lib/cni), on CNI_PATH for chained plugins.</summary>
    public static string ReferencePluginDirectory =>
        Environment.GetEnvironmentVariable("TERWAY_CNI_PLUGINS") is { Length: > 0 } dir ? dir : "/usr/lib/cni";

    /// <summary>The agent's socket on <paramref name="node"/> (stand-in for /var/run/terway/cni.sock).</summary>
    public static string SocketPath(SandboxNodeContext node) => Path.Combine(node.RunDirectory, "cni.sock");

    /// <summary>Where the plugin records DELs while the agent is down, on <paramref name="node"/> (stand-in for /var/lib/terway/pending-release).</summary>
    public static string PendingReleaseDirectory(SandboxNodeContext node) => Path.Combine(node.StateDirectory, "pending-release");

    /// <summary>The plugin's log on <paramref name="node"/>.</summary>
    public static string PluginLogPath(SandboxNodeContext node) => Path.Combine(node.Directory, "terway.cni.log");

    /// <inheritdoc />
    public async Task<CniNodeConfig> PrepareNodeAsync(SandboxNodeContext node, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(node);
        Task<string> locate;
        lock (_gate)
        {
            // Once for all nodes; the first node's token (the sandbox's start) also stops a publish in progress.
            locate = _pluginDirectory ??= TerwayPluginBinary.DirectoryAsync(_context.Say, ct);
        }

        var pluginDirectory = await locate.WaitAsync(ct).ConfigureAwait(false);
        var confList = Path.Combine(node.CniDirectory, "10-terway.conflist");
        await File.WriteAllTextAsync(confList, ConfList(SocketPath(node), PendingReleaseDirectory(node), PluginLogPath(node)), ct).ConfigureAwait(false);
        return new CniNodeConfig(confList, [pluginDirectory, ReferencePluginDirectory], "Terway");
    }

    /// <summary>The conflist: one <c>terway</c> plugin with the node's socket, pending-release folder and log.</summary>
    internal static string ConfList(string socket, string pendingReleaseDirectory, string logFile) => JsonSerializer.Serialize(new
    {
        cniVersion = "1.0.0",
        name = NetworkName,
        plugins = new object[]
        {
            new Dictionary<string, string>
            {
                ["type"] = "terway",
                ["agent_socket"] = socket,
                ["pending_release_dir"] = pendingReleaseDirectory,
                ["log_file"] = logFile,
            },
        },
    }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
