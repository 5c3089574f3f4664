using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Integration;

/// <summary>The Terway system plugged into the sandbox: what <c>dotnet run --project src/Terway.Sandbox</c> runs.</summary>
internal static class TerwayExtensions
{
    /// <summary>
    /// The operator (with its admission webhooks, which the API server calls) as the control plane; in fabric
    /// mode (root, not --control-plane-only) also a node agent per node and the <c>terway</c> CNI plugin as the
    /// kubelets' network. The sandbox uses the per-node parts only in fabric mode, so in control-plane-only mode
    /// the operator runs alone (and the plugin is not published).
    /// </summary>
    public static SandboxExtensions Create()
    {
        var extensions = new SandboxExtensions { OperatorWebhooks = true, CniNetwork = context => new TerwayCniNetwork(context) };
        extensions.ControlPlane.Add(context => new OperatorComponent(context));
        extensions.PerNode.Add(node => new NodeAgentComponent(node));
        return extensions;
    }
}
