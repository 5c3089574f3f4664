using System.Net;
using Terway.CniShim.Protocol;
using Terway.Crds.Names;

namespace Terway.NodeAgent.Configuration;

/// <summary>Where shared-ENI (ENIIP) and PodENI pods get their addresses.</summary>
public enum IpamType
{
    /// <summary>Centralized IPAM (Terway's <c>ipam_type: crd</c>): PodENIs and the Node CR, written by the operator.</summary>
    Crd,

    /// <summary>VPC mode: every pod gets an address from the node's <c>spec.podCIDR</c>, allocated by the agent.</summary>
    Vpc,
}

/// <summary>How trunk (member ENI) pods are wired (Terway's <c>vlan_strip_type</c>).</summary>
public enum VlanStripType
{
    /// <summary><c>filter</c>: veth to the pod, VLAN pushed/popped by tc programs on the trunk ENI (Terway's default).</summary>
    Filter,

    /// <summary><c>vlan</c>: an 802.1Q sub-interface of the trunk ENI moved into the pod.</summary>
    Vlan,
}

/// <summary>How shared-ENI pods are wired (Terway's <c>eniip_virtual_type</c>).</summary>
public enum EniIpVirtualType
{
    /// <summary>veth pair with policy routing.</summary>
    Veth,

    /// <summary>ipvlan L2 child of the ENI; falls back to veth (event VirtualModeChanged) when the kernel lacks ipvlan.</summary>
    IPvlan,
}

/// <summary>
/// The node agent's configuration: what the config file (<see cref="NodeAgentConfigFile"/>) and the
/// environment give the executable, and what tests and the sandbox set when they run an agent
/// in-process (<see cref="Agent.NodeAgentHost"/>).
/// </summary>
public sealed record NodeAgentOptions
{
    /// <summary>The Kubernetes node this agent serves (env <c>NODE_NAME</c>).</summary>
    public required string NodeName { get; init; }

    /// <summary><c>ipam_type</c>: <c>crd</c> (default) or <c>vpc</c>.</summary>
    public IpamType IpamType { get; init; } = IpamType.Crd;

    /// <summary><c>service_cidr</c>: Service CIDRs reached through the host (ipvlan redirect, veth1 routes).</summary>
    public IReadOnlyList<IPNetwork> ServiceCidrs { get; init; } = [];

    /// <summary><c>host_stack_cidrs</c>: extra CIDRs reached through the host stack (node-local DNS ...).</summary>
    public IReadOnlyList<IPNetwork> HostStackCidrs { get; init; } = [];

    /// <summary><c>vlan_strip_type</c>: <c>filter</c> (default) or <c>vlan</c>.</summary>
    public VlanStripType VlanStripType { get; init; } = VlanStripType.Filter;

    /// <summary><c>eniip_virtual_type</c>: <c>veth</c> (default) or <c>ipvlan</c>.</summary>
    public EniIpVirtualType EniIpVirtualType { get; init; } = EniIpVirtualType.Veth;

    /// <summary><c>mtu</c> of pod interfaces.</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary><c>disable_host_peer</c>: no veth1 for exclusive-ENI and 802.1Q trunk pods.</summary>
    public bool DisableHostPeer { get; init; }

    /// <summary><c>enable_eni_trunking</c>: this node has a trunk ENI; STATUS is not ready until it is known.</summary>
    public bool EnableTrunk { get; init; }

    /// <summary><c>ip_stack</c> is <c>dual</c>: IPv6 forwarding is turned on at start.</summary>
    public bool EnableIPv6 { get; init; }

    /// <summary><c>enable_patch_pod_ips</c>: annotate pods with <c>k8s.aliyun.com/pod-ips</c> (default true).</summary>
    public bool PatchPodIps { get; init; } = true;

    /// <summary><c>allocation_timeout</c>: how long ADD waits for the pod's allocation (PodENI Bind, Node CR IP, podCIDR).</summary>
    public TimeSpan AllocationTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary><c>cni_socket</c>: the unix socket the plugin calls (mode 0600).</summary>
    public string SocketPath { get; init; } = AgentProtocol.DefaultSocketPath;

    /// <summary><c>state_dir</c>: the checkpoint (one file per attachment under <c>attachments/</c>).</summary>
    public string StateDirectory { get; init; } = InstallNames.AgentStateDirectory;

    /// <summary><c>pending_release_dir</c>: DELs the plugin recorded while the agent was unavailable.</summary>
    public string PendingReleaseDirectory { get; init; } = AgentProtocol.DefaultPendingReleaseDirectory;

    /// <summary><c>proc_sys_root</c>: where node sysctls are written (<c>/host/proc/sys</c> in the DaemonSet).</summary>
    public string ProcSysRoot { get; init; } = "/proc/sys";

    /// <summary><c>host_netns</c>: the node's network namespace; empty means the agent's own (hostNetwork). Tests and the sandbox set it.</summary>
    public string? HostNetnsPath { get; init; }

    /// <summary><c>health_listen</c>: URL of <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>; empty disables.</summary>
    public string? HealthListen { get; init; } = "http://0.0.0.0:9442";

    /// <summary><c>kubeconfig</c>: a kubeconfig file; empty means in-cluster (or KUBECONFIG, ~/.kube/config).</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>
    /// <c>checkpoint_fsync</c>: fsync checkpoint records and their directory (default true). Off, records
    /// are still replaced atomically (safe against the agent crashing) but not flushed to disk.
    /// </summary>
    public bool CheckpointFsync { get; init; } = true;

    /// <summary><c>pending_release_interval</c>: how often the pending-release directory is swept while running.</summary>
    public TimeSpan PendingReleaseSweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Meter of the agent's and the controller runtime's instruments (unique per agent in one process).</summary>
    public string MeterName { get; init; } = "Terway.NodeAgent";

    /// <summary>Test hook: stop inside ADD at a chosen point (see <see cref="TestPause"/>).</summary>
    internal TestPause? TestPause { get; init; }

    /// <summary>The checkpoint's attachment directory.</summary>
    public string AttachmentDirectory => Path.Combine(StateDirectory, "attachments");
}

/// <summary>Where a paused ADD stops.</summary>
internal enum TestPausePoint
{
    /// <summary>After the intent record is written, before any wiring.</summary>
    Intent,

    /// <summary>After the pod is wired, before the attachment is committed.</summary>
    Wired,
}

/// <summary>
/// Test hook (env <c>TERWAY_NODEAGENT_TEST_PAUSE=intent|wired:&lt;marker file&gt;</c>): the first ADD to reach
/// <see cref="Point"/> creates <see cref="MarkerPath"/> and then never returns, so a test can kill the
/// agent at a known point of an ADD.
/// </summary>
internal sealed record TestPause(TestPausePoint Point, string MarkerPath)
{
    public const string EnvironmentVariable = "TERWAY_NODEAGENT_TEST_PAUSE";

    public static TestPause? FromEnvironment(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !Enum.TryParse<TestPausePoint>(value[..colon], ignoreCase: true, out var point))
        {
            throw new NodeAgentConfigException($"{EnvironmentVariable}={value}: expected intent:<file> or wired:<file>");
        }

        return new TestPause(point, value[(colon + 1)..]);
    }
}
