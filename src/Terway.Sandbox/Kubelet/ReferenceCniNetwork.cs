using System.Text.Json;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.Hosting;
using SysctlFile = Terway.NodeAgent.Sysctl.Sysctl;

namespace Terway.Sandbox.Kubelet;

/// <summary>
/// A pod network made of the reference CNI plugins, <b>not Terway</b>: on every node a
/// <c>bridge</c> (cni0, the gateway) with <c>host-local</c> IPAM on the node's podCIDR, and the
/// podCIDRs routed to their nodes by the VPC router of the fabric (as VPC route entries would).
/// It proves the kubelet ↔ libcni ↔ namespaces path until the terway plugin exists. Its routes
/// are programmed in the fabric directly and never touch the simulated cloud, so the cloud's call
/// counts and quotas reflect only what Terway does.
/// </summary>
public sealed class ReferenceCniNetwork : ICniNetwork
{
    /// <summary>The network name in the conflist.</summary>
    public const string NetworkName = "sandbox-reference";

    /// <summary>Creates the network.</summary>
    /// <param name="pluginDirectory">Where the reference plugins are (Debian: /usr/lib/cni).</param>
    public ReferenceCniNetwork(string pluginDirectory = "/usr/lib/cni") => PluginDirectory = pluginDirectory;

    /// <summary>Where the reference plugins are.</summary>
    public string PluginDirectory { get; }

    /// <inheritdoc/>
    public string Description => "reference CNI plugins (bridge + host-local), not Terway";

    /// <summary>True when the plugins this network needs are installed.</summary>
    public bool IsAvailable => File.Exists(Path.Combine(PluginDirectory, "bridge")) && File.Exists(Path.Combine(PluginDirectory, "host-local"));

    /// <inheritdoc/>
    public Task<CniNodeConfig> PrepareNodeAsync(SandboxNodeContext node, CancellationToken ct) =>
        PrepareNodeAsync(node.Sandbox.Fabric ?? throw new InvalidOperationException("the reference network needs the fabric"), node.FabricNode, node.Node, node.CniDirectory);

    /// <summary>Prepares <paramref name="fabricNode"/>: forwarding on, its podCIDR routed to it, its conflist written under <paramref name="cniDirectory"/>.</summary>
    internal async Task<CniNodeConfig> PrepareNodeAsync(VpcFabric fabric, FabricNode fabricNode, SandboxNode node, string cniDirectory)
    {
        // The node forwards between cni0 and its ENI; reverse-path filtering would drop the VPC's replies.
        await fabricNode.RunAsync(() =>
        {
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.ip_forward"), "1");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.all.rp_filter"), "0");
            SysctlFile.Write(SysctlFile.PathOf("net.ipv4.conf.default.rp_filter"), "0");
            return true;
        });
        fabric.AddVpcRoute(node.PodCidr, fabricNode.NodeIP, fabricNode.PrimaryEni.VSwitch);
        Directory.CreateDirectory(cniDirectory);
        var confList = Path.Combine(cniDirectory, "10-sandbox-reference.conflist");
        await File.WriteAllTextAsync(confList, ConfList(node.PodCidr, Path.Combine(cniDirectory, "ipam")));
        return new CniNodeConfig(confList, [PluginDirectory], Description);
    }

    /// <summary>The conflist: bridge with host-local on <paramref name="podCidr"/>, leases under <paramref name="ipamDirectory"/>.</summary>
    internal static string ConfList(System.Net.IPNetwork podCidr, string ipamDirectory) => JsonSerializer.Serialize(new
    {
        cniVersion = "1.0.0",
        name = NetworkName,
        plugins = new object[]
        {
            new
            {
                type = "bridge",
                bridge = "cni0",
                isGateway = true,
                ipMasq = false,
                ipam = new
                {
                    type = "host-local",
                    ranges = new[] { new[] { new { subnet = podCidr.ToString() } } },
                    routes = new[] { new { dst = "0.0.0.0/0" } },
                    dataDir = ipamDirectory,
                },
            },
        },
    }, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
