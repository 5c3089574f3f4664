using Microsoft.Extensions.Hosting;
using Terway.NodeAgent.Agent;
using Terway.NodeAgent.Configuration;
using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Integration;

/// <summary>
/// The node agent of one simulated node, in process: its host namespace is the node's fabric namespace, its
/// socket, checkpoint and pending-release folder are the ones the node's conflist names
/// (<see cref="TerwayCniNetwork"/>), its Kubernetes identity is the <c>kube-system/terway-nodeagent</c>
/// ServiceAccount (RBAC of config/rbac applies), and trunking is on (the operator gives every node a trunk ENI,
/// which the cloud-fabric bridge makes a link with the cloud's MAC in the node's namespace).
/// </summary>
internal sealed class NodeAgentComponent(SandboxNodeContext node) : ISandboxComponent
{
    private IHost? _host;
    private bool _started;

    /// <inheritdoc />
    public string Name => "node agent";

    /// <summary>The configuration the agent runs with.</summary>
    public NodeAgentOptions Options { get; } = OptionsFor(node);

    /// <summary>The node.</summary>
    public SandboxNodeContext Node => node;

    /// <summary>The running agent's host (null before start).</summary>
    public IHost? Host => _host;

    /// <summary>The agent configuration the sandbox uses for <paramref name="node"/>.</summary>
    public static NodeAgentOptions OptionsFor(SandboxNodeContext node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new NodeAgentOptions
        {
            NodeName = node.Node.Name,
            HostNetnsPath = node.FabricNode.Path,
            SocketPath = TerwayCniNetwork.SocketPath(node),
            StateDirectory = node.StateDirectory,
            PendingReleaseDirectory = TerwayCniNetwork.PendingReleaseDirectory(node),
            HealthListen = "http://127.0.0.1:0",
            // Agents share the process: one meter each, or their gauges would mix.
            MeterName = "Terway.NodeAgent." + node.Node.Name,
            EnableTrunk = true,
        };
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken ct)
    {
        _host = NodeAgentHost.Create(Options, node.Sandbox.NodeAgentClientConfiguration(), node.Sandbox.LoggerFactory);
        // Returns once recovery is done and the socket serves (informers may still be syncing: STATUS says so).
        await _host.StartAsync(ct).ConfigureAwait(false);
        _started = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is null)
        {
            return;
        }

        if (_started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        _host.Dispose();
        _host = null;
    }
}
