using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Kubelet;

/// <summary>The CNI configuration one node's kubelet uses.</summary>
/// <param name="ConfListPath">The network configuration list (what <c>/etc/cni/net.d/*.conflist</c> is on a real node).</param>
/// <param name="PluginDirectories">CNI_PATH (what <c>/opt/cni/bin</c> is on a real node).</param>
/// <param name="Description">A short description for progress output (e.g. "reference plugins: bridge + host-local").</param>
public sealed record CniNodeConfig(string ConfListPath, IReadOnlyList<string> PluginDirectories, string Description);

/// <summary>
/// The pod network the kubelets call: <b>extension point</b> for the Terway CNI. The sandbox uses
/// <see cref="ReferenceCniNetwork"/> until the terway binary and the node agent exist; the
/// integration replaces it with a network whose conflist names the <c>terway</c> plugin and the
/// node's agent socket (see docs/sandbox.md, "Extension points").
/// </summary>
public interface ICniNetwork
{
    /// <summary>What this network is, for the banner and the summary.</summary>
    string Description { get; }

    /// <summary>
    /// Prepares one node for pods (writes its conflist under the node's state folder, sets what
    /// the node needs) and returns the node's CNI configuration. Called once per node, after the
    /// node's fabric namespace exists and before its kubelet starts.
    /// </summary>
    Task<CniNodeConfig> PrepareNodeAsync(SandboxNodeContext node, CancellationToken ct);
}
