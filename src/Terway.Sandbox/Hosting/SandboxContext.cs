using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.KubeApi;

namespace Terway.Sandbox.Hosting;

/// <summary>
/// A part of the system the sandbox starts and stops: <b>the extension point</b> for the operator
/// (one, control plane) and the node agent (one per node). Started in order after the control
/// plane is up; disposed in reverse order on shutdown.
/// </summary>
public interface ISandboxComponent : IAsyncDisposable
{
    /// <summary>A short name for progress output ("operator", "node agent cn-hangzhou.192.168.0.10").</summary>
    string Name { get; }

    /// <summary>Starts the component; returns once it serves (or throws, which stops the sandbox).</summary>
    Task StartAsync(CancellationToken ct);
}

/// <summary>
/// What the integration plugs into the sandbox. Everything is optional; empty means phase A
/// (no operator, no agents, reference CNI plugins).
/// </summary>
public sealed class SandboxExtensions
{
    /// <summary>
    /// Control-plane components, started after CRDs, RBAC, tokens and nodes exist and before any
    /// kubelet: the operator (with its webhooks) goes here.
    /// </summary>
    public IList<Func<SandboxContext, ISandboxComponent>> ControlPlane { get; } = [];

    /// <summary>
    /// Per-node components, started for every node (also nodes added later) after the node's
    /// fabric namespace exists and its CNI network is prepared, before its kubelet: the node
    /// agent goes here. Only in fabric mode (root, not --control-plane-only).
    /// </summary>
    public IList<Func<SandboxNodeContext, ISandboxComponent>> PerNode { get; } = [];

    /// <summary>
    /// When true, the operator's admission webhook configurations (<c>config/operator/webhooks.yaml</c>:
    /// MutatingWebhookConfiguration and ValidatingWebhookConfiguration <c>terway-controlplane</c>, calling
    /// Service <c>kube-system/terway-operator-webhook:443</c>) are applied after CRDs and RBAC and before
    /// the <see cref="ControlPlane"/> components start. The operator component then serves them and,
    /// before its <c>StartAsync</c> returns, makes the Service reach its listener with
    /// <see cref="SandboxServices.Register"/>. Off by default: the validating webhook fails closed, so
    /// without an operator serving it every PodNetworking create would be denied.
    /// </summary>
    public bool OperatorWebhooks { get; set; }

    /// <summary>The pod network the kubelets call; null uses <see cref="Kubelet.ReferenceCniNetwork"/>.</summary>
    public Func<SandboxContext, Kubelet.ICniNetwork>? CniNetwork { get; set; }
}

/// <summary>Where in-cluster Services resolve to, for the API server's webhook calls (filled by components that serve them).</summary>
public sealed class SandboxServices
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, int Port), Uri> _services = new();

    /// <summary>Makes <c>https://&lt;name&gt;.&lt;ns&gt;.svc:&lt;port&gt;</c> reach <paramref name="target"/> (e.g. the operator's webhook listener).</summary>
    public void Register(string @namespace, string name, int port, Uri target) => _services[(@namespace, name, port)] = target;

    /// <summary>Forgets a Service.</summary>
    public void Unregister(string @namespace, string name, int port) => _services.TryRemove((@namespace, name, port), out _);

    /// <summary>The target of a Service, or null (the API server then answers as for an unreachable webhook).</summary>
    public Uri? Resolve(string @namespace, string name, int port) => _services.GetValueOrDefault((@namespace, name, port));
}

/// <summary>The simulated cloud as a client sees it: what <c>cloud.json</c> holds.</summary>
/// <param name="RegionId">Region.</param>
/// <param name="Endpoint">The OpenAPI endpoint (ECS and VPC alike; plain HTTP on loopback).</param>
/// <param name="AccessKeyId">AccessKey ID.</param>
/// <param name="AccessKeySecret">AccessKey secret (of the simulated account; never logged).</param>
/// <param name="VpcId">The VPC.</param>
/// <param name="Zones">Zones with their node and pod vSwitches.</param>
/// <param name="NodeSecurityGroupId">Security group of the nodes.</param>
/// <param name="PodSecurityGroupId">Security group for pod ENIs.</param>
public sealed record SandboxCloudInfo(string RegionId, Uri Endpoint, string AccessKeyId, string AccessKeySecret, string VpcId,
    IReadOnlyList<SandboxZone> Zones, string NodeSecurityGroupId, string PodSecurityGroupId);

/// <summary>Everything a control-plane extension needs, valid from its start to the sandbox's stop.</summary>
public sealed class SandboxContext
{
    internal SandboxContext(SandboxOptions options, SandboxPaths paths, SandboxRegion region, ILoggerFactory loggerFactory)
    {
        Options = options;
        Paths = paths;
        Region = region;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The options the sandbox runs with.</summary>
    public SandboxOptions Options { get; }

    /// <summary>The state folder.</summary>
    public SandboxPaths Paths { get; }

    /// <summary>The simulated region's layout (zones, vSwitches, instances).</summary>
    public SandboxRegion Region { get; }

    /// <summary>Logging (to the log file).</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The Kubernetes API emulator (HTTPS; <c>CreateClientConfiguration(token)</c>, <c>IssueServiceAccountToken</c>).</summary>
    public KubeApiEmulator KubeApi { get; internal set; } = null!;

    /// <summary>An admin client.</summary>
    public Kubernetes Admin { get; internal set; } = null!;

    /// <summary>The region simulator (knobs, fault injection, <c>Snapshot()</c>).</summary>
    public RegionSimulator Cloud { get; internal set; } = null!;

    /// <summary>The simulated cloud's endpoint and credentials.</summary>
    public SandboxCloudInfo CloudInfo { get; internal set; } = null!;

    /// <summary>Bearer token of ServiceAccount kube-system/terway-operator (RBAC from config/rbac applies).</summary>
    public string OperatorToken { get; internal set; } = "";

    /// <summary>Bearer token of ServiceAccount kube-system/terway-nodeagent.</summary>
    public string NodeAgentToken { get; internal set; } = "";

    /// <summary>Service targets for webhooks.</summary>
    public SandboxServices Services { get; } = new();

    /// <summary>The fabric (node and pod namespaces), or null in control-plane-only mode.</summary>
    public VpcFabric? Fabric { get; internal set; }

    /// <summary>The nodes so far.</summary>
    public IReadOnlyList<SandboxNode> Nodes => NodeRegistry?.Nodes ?? [];

    /// <summary>A client configuration for the operator (its own token, CA pinned).</summary>
    public KubernetesClientConfiguration OperatorClientConfiguration() => KubeApi.CreateClientConfiguration(OperatorToken);

    /// <summary>A client configuration for a node agent.</summary>
    public KubernetesClientConfiguration NodeAgentClientConfiguration() => KubeApi.CreateClientConfiguration(NodeAgentToken);

    internal NodeRegistry? NodeRegistry { get; set; }

    internal Action<string>? ProgressSink { get; set; }

    /// <summary>Prints a progress line in the sandbox's output, timestamped like its own (e.g. "publishing the terway CNI plugin …").</summary>
    public void Say(string line) => ProgressSink?.Invoke("  " + line);
}

/// <summary>Everything a per-node extension (the node agent) needs.</summary>
public sealed class SandboxNodeContext
{
    internal SandboxNodeContext(SandboxContext sandbox, SandboxNode node, FabricNode fabricNode, string directory)
    {
        Sandbox = sandbox;
        Node = node;
        FabricNode = fabricNode;
        Directory = directory;
    }

    /// <summary>The sandbox.</summary>
    public SandboxContext Sandbox { get; }

    /// <summary>The node (name, instance, zone, podCIDR, IP).</summary>
    public SandboxNode Node { get; }

    /// <summary>The node's network namespace: the agent's host namespace (<c>FabricNode.Path</c> is its <c>HostNetnsPath</c>).</summary>
    public FabricNode FabricNode { get; }

    /// <summary>The node's folder in the state folder.</summary>
    public string Directory { get; }

    /// <summary>The node's stand-in for <c>/var/run/terway</c> (the agent's socket goes here); created.</summary>
    public string RunDirectory => Ensure("run");

    /// <summary>The node's stand-in for <c>/var/lib/terway</c> (the agent's checkpoint); created.</summary>
    public string StateDirectory => Ensure("lib");

    /// <summary>The node's stand-in for <c>/etc/cni/net.d</c> and CNI state; created.</summary>
    public string CniDirectory => Ensure("cni");

    private string Ensure(string name)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
