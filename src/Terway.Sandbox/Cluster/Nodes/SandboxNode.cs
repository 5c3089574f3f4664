using System.Globalization;
using System.Net;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Sandbox.Cloud;

namespace Terway.Sandbox.Cluster.Nodes;

/// <summary>A simulated node: a Kubernetes node backed by one instance of the simulated region.</summary>
public sealed record SandboxNode
{
    /// <summary>The Kubernetes node name (<c>&lt;region&gt;.&lt;primary IP&gt;</c>, as ACK names nodes).</summary>
    public required string Name { get; init; }

    /// <summary>The instance ID (also the fabric node's name).</summary>
    public required string InstanceId { get; init; }

    /// <summary>The region.</summary>
    public required string RegionId { get; init; }

    /// <summary>The zone.</summary>
    public required string ZoneId { get; init; }

    /// <summary>The instance type.</summary>
    public required string InstanceType { get; init; }

    /// <summary>The primary ENI's vSwitch.</summary>
    public required string VSwitchId { get; init; }

    /// <summary>The primary private IPv4 address (the node's InternalIP).</summary>
    public required IPAddress InternalIp { get; init; }

    /// <summary>The instance's host name.</summary>
    public required string HostName { get; init; }

    /// <summary>The node's podCIDR (node-local IPAM: reference CNI networks and Terway's VPC mode).</summary>
    public required IPNetwork PodCidr { get; init; }

    /// <summary>vCPUs of the instance type.</summary>
    public required int Cpu { get; init; }

    /// <summary>Memory of the instance type in GiB.</summary>
    public required double MemoryGiB { get; init; }

    /// <summary><c>spec.providerID</c>: <c>&lt;region&gt;.&lt;instance&gt;</c>, which Terway parses for the instance ID.</summary>
    public string ProviderId => $"{RegionId}.{InstanceId}";
}

/// <summary>
/// Which nodes the cluster has: one per instance of the simulated region, in the order the
/// instances appeared; each gets the next /24 of the cluster CIDR as its podCIDR. Pure over
/// snapshots, so the assignment is stable while the sandbox runs.
/// </summary>
internal sealed class NodeRegistry
{
    private readonly Lock _gate = new();
    private readonly IPNetwork _clusterCidr;
    private readonly List<SandboxNode> _nodes = [];

    /// <summary>Creates a registry carving podCIDRs (/24) out of <paramref name="clusterCidr"/> (a /16 or larger).</summary>
    public NodeRegistry(IPNetwork clusterCidr)
    {
        if (clusterCidr.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || clusterCidr.PrefixLength > 16)
        {
            throw new ArgumentException("the cluster CIDR must be an IPv4 /16 or larger", nameof(clusterCidr));
        }

        _clusterCidr = clusterCidr;
    }

    /// <summary>The nodes so far.</summary>
    public IReadOnlyList<SandboxNode> Nodes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodes];
            }
        }
    }

    /// <summary>The node called <paramref name="name"/>, or null.</summary>
    public SandboxNode? Find(string name)
    {
        lock (_gate)
        {
            return _nodes.FirstOrDefault(n => n.Name == name);
        }
    }

    /// <summary>Adds a node for every instance of <paramref name="snapshot"/> not seen before; returns the new ones.</summary>
    public IReadOnlyList<SandboxNode> Refresh(RegionSnapshot snapshot)
    {
        var added = new List<SandboxNode>();
        lock (_gate)
        {
            foreach (var instance in snapshot.Instances)
            {
                if (_nodes.Any(n => n.InstanceId == instance.InstanceId))
                {
                    continue;
                }

                if (_nodes.Count >= 256)
                {
                    throw new InvalidOperationException($"the cluster CIDR {_clusterCidr} has no /24 left for {instance.InstanceId}");
                }

                var node = new SandboxNode
                {
                    Name = $"{snapshot.RegionId}.{instance.PrimaryIpAddress}",
                    InstanceId = instance.InstanceId,
                    RegionId = snapshot.RegionId,
                    ZoneId = instance.ZoneId,
                    InstanceType = instance.InstanceType.InstanceTypeId,
                    VSwitchId = instance.VSwitchId,
                    InternalIp = IPAddress.Parse(instance.PrimaryIpAddress),
                    HostName = instance.HostName,
                    PodCidr = PodCidrAt(_nodes.Count),
                    Cpu = instance.InstanceType.CpuCoreCount,
                    MemoryGiB = instance.InstanceType.MemorySize,
                };
                _nodes.Add(node);
                added.Add(node);
            }
        }

        return added;
    }

    private IPNetwork PodCidrAt(int index)
    {
        var bytes = _clusterCidr.BaseAddress.GetAddressBytes();
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + ((uint)index << 8);
        return new IPNetwork(new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]), 24);
    }
}

/// <summary>The Node object of a <see cref="SandboxNode"/>, as a kubelet registers and reports it.</summary>
internal static class NodeObjects
{
    /// <summary>Pods a node takes (kubelet's default max-pods).</summary>
    public const int MaxPods = 110;

    /// <summary>The Node to create: labels Terway needs (region, zone, instance type), providerID and podCIDR.</summary>
    public static V1Node Build(SandboxNode node) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta
        {
            Name = node.Name,
            Labels = new Dictionary<string, string>
            {
                [KubeNames.HostnameLabel] = node.Name,
                [KubeNames.OsLabel] = "linux",
                [KubeNames.ArchLabel] = "amd64",
                [Labels.TopologyRegion] = node.RegionId,
                [Labels.TopologyZone] = node.ZoneId,
                [Labels.InstanceType] = node.InstanceType,
            },
        },
        Spec = new V1NodeSpec
        {
            ProviderID = node.ProviderId,
            PodCIDR = node.PodCidr.ToString(),
            PodCIDRs = [node.PodCidr.ToString()],
        },
    };

    /// <summary>
    /// A strategic merge patch of the node's status: Ready and the pressure conditions with a fresh
    /// heartbeat, addresses, node info, and cpu/memory/pods in capacity and allocatable. Other
    /// capacity keys (extended resources the operator publishes, such as aliyun/member-eni) are
    /// left alone, because a merge patch only touches the keys it names.
    /// </summary>
    public static string StatusPatch(SandboxNode node, DateTimeOffset now, DateTimeOffset readySince)
    {
        var heartbeat = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var since = readySince.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var memory = string.Create(CultureInfo.InvariantCulture, $"{(long)(node.MemoryGiB * 1024 * 1024)}Ki");
        var resources = new Dictionary<string, string>
        {
            ["cpu"] = node.Cpu.ToString(CultureInfo.InvariantCulture),
            ["memory"] = memory,
            ["pods"] = MaxPods.ToString(CultureInfo.InvariantCulture),
        };
        object Condition(string type, string status, string reason, string message) => new Dictionary<string, string>
        {
            ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message,
            ["lastHeartbeatTime"] = heartbeat, ["lastTransitionTime"] = since,
        };
        var patch = new Dictionary<string, object>
        {
            ["status"] = new Dictionary<string, object>
            {
                ["capacity"] = resources,
                ["allocatable"] = resources,
                ["conditions"] = new[]
                {
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status (Terway sandbox)"),
                },
                ["addresses"] = new[]
                {
                    new Dictionary<string, string> { ["type"] = "InternalIP", ["address"] = node.InternalIp.ToString() },
                    new Dictionary<string, string> { ["type"] = "Hostname", ["address"] = node.HostName },
                },
                ["nodeInfo"] = new Dictionary<string, string>
                {
                    ["machineID"] = node.InstanceId,
                    ["systemUUID"] = node.InstanceId,
                    ["bootID"] = node.InstanceId,
                    ["kernelVersion"] = Environment.OSVersion.Version.ToString(),
                    ["osImage"] = "Terway sandbox node",
                    ["containerRuntimeVersion"] = "sandbox://1.0",
                    ["kubeletVersion"] = "v1.31.0-sandbox",
                    ["kubeProxyVersion"] = "",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
                ["daemonEndpoints"] = new Dictionary<string, object> { ["kubeletEndpoint"] = new Dictionary<string, int> { ["Port"] = 10250 } },
            },
        };
        return System.Text.Json.JsonSerializer.Serialize(patch);
    }

    /// <summary>True when the node reports Ready=True with a heartbeat newer than <paramref name="oldest"/>.</summary>
    public static bool IsFresh(V1Node node, DateTimeOffset oldest)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        return ready is { Status: "True" } && ready.LastHeartbeatTime is { } beat && new DateTimeOffset(DateTime.SpecifyKind(beat, DateTimeKind.Utc)) >= oldest;
    }
}
