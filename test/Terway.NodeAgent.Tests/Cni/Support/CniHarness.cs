using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Status;
using Terway.NodeAgent.Agent;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Fabric;
using Terway.NodeAgent.Tests.Netns;
using VSwitch = Terway.Sandbox.Fabric.VSwitch;

namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>How the simulated node gives pods their addresses.</summary>
internal enum NodeKind
{
    /// <summary>Shared ENI, IPs from the Node CR (centralized IPAM), veth datapath.</summary>
    SharedEni,

    /// <summary>Trunk ENI with member ENIs from PodENIs (tc datapath).</summary>
    Trunk,

    /// <summary>VPC mode: addresses from the node's podCIDR.</summary>
    Vpc,
}

/// <summary>
/// One simulated node for CNI tests: a fabric (VPC router, node and a peer node as namespaces), the
/// core Node and the Node CR in the shared API emulator, and a node agent running in-process with the
/// node's namespace as its host namespace. Pods, PodENIs and Node CR IPs are created the way the
/// operator would; CNI calls go through libcni (<c>cnirt</c>) or straight to the real <c>terway</c> binary.
/// </summary>
internal sealed class CniHarness : IAsyncDisposable
{
    public static readonly IPNetwork ServiceCidr = IPNetwork.Parse("10.96.0.0/12");
    public static readonly IPNetwork PodCidr = IPNetwork.Parse("10.244.1.0/24");

    private readonly List<string> _cniCacheKeys = [];
    private IHost? _agent;
    private int _vlan = 100;

    private CniHarness(TestCluster cluster, VpcFabric fabric, NodeKind kind, string shimDirectory, string directory)
    {
        Cluster = cluster;
        Fabric = fabric;
        Kind = kind;
        ShimDirectory = shimDirectory;
        Directory = directory;
    }

    public TestCluster Cluster { get; }

    public VpcFabric Fabric { get; }

    public NodeKind Kind { get; }

    public string ShimDirectory { get; }

    public string ShimPath => Path.Combine(ShimDirectory, "terway");

    /// <summary>Scratch directory: socket, checkpoint, pending releases, plugin log, conflists.</summary>
    public string Directory { get; }

    public VSwitch NodesVSwitch { get; private set; } = null!;

    public VSwitch MemberVSwitch { get; private set; } = null!;

    public FabricNode Node { get; private set; } = null!;

    public FabricNode Peer { get; private set; } = null!;

    public FabricEni? Eni { get; private set; }

    public FabricTrunk? Trunk { get; private set; }

    public string NodeName => Fabric.Prefix + "-n1";

    public string TrunkEniId => "eni-trunk" + Fabric.Prefix;

    public string SharedEniId => "eni-shared" + Fabric.Prefix;

    public string NetworkName => "terway-" + Fabric.Prefix;

    public NodeAgentOptions Options { get; private set; } = null!;

    public string SocketPath => Path.Combine(Directory, "cni.sock");

    public string PendingDirectory => Path.Combine(Directory, "pending");

    public string StateDirectory => Path.Combine(Directory, "state");

    public string AttachmentDirectory => Path.Combine(StateDirectory, "attachments");

    public IHost? Agent => _agent;

    public static async Task<CniHarness> CreateAsync(NodeKind kind, Func<NodeAgentOptions, NodeAgentOptions>? configure = null, bool startAgent = true)
    {
        Root.Require();
        var cluster = await TestCluster.SharedAsync();
        var shim = await CniBinaries.ShimDirectoryAsync();
        var fabric = await VpcFabric.CreateAsync();
        var directory = Path.Combine(Path.GetTempPath(), "terway-cni-" + fabric.Prefix);
        System.IO.Directory.CreateDirectory(directory);
        var harness = new CniHarness(cluster, fabric, kind, shim, directory);
        try
        {
            await harness.BuildAsync(configure);
            if (startAgent)
            {
                await harness.StartAgentAsync();
            }
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }

        return harness;
    }

    private async Task BuildAsync(Func<NodeAgentOptions, NodeAgentOptions>? configure)
    {
        NodesVSwitch = Fabric.AddVSwitch("vsw-nodes", "10.100.0.0/24");
        MemberVSwitch = Fabric.AddVSwitch("vsw-members", "10.200.1.0/24");
        Node = await Fabric.AddNodeAsync("n1", NodesVSwitch);
        Peer = await Fabric.AddNodeAsync("n2", NodesVSwitch);
        Node.AddServiceAddress(IPAddress.Parse("10.96.0.10"));

        var annotations = new Dictionary<string, string>();
        var nics = new Dictionary<string, Nic>();
        switch (Kind)
        {
            case NodeKind.SharedEni:
                Eni = await Node.AttachEniAsync(NodesVSwitch);
                nics[SharedEniId] = new Nic
                {
                    Id = SharedEniId,
                    Status = EniStatuses.InUse,
                    MacAddress = Mac(Eni.Mac),
                    VSwitchId = "vsw-nodes",
                    PrimaryIpAddress = Eni.PrimaryIp!.ToString(),
                    NetworkInterfaceType = EniTypes.Secondary,
                    Ipv4Cidr = NodesVSwitch.Cidr.ToString(),
                    Ipv4 = new Dictionary<string, NicIp>(),
                };
                break;
            case NodeKind.Trunk:
                Trunk = await Node.AttachTrunkEniAsync(NodesVSwitch);
                annotations[Annotations.TrunkOn] = TrunkEniId;
                nics[TrunkEniId] = new Nic
                {
                    Id = TrunkEniId,
                    Status = EniStatuses.InUse,
                    MacAddress = Mac(Trunk.Eni.Mac),
                    VSwitchId = "vsw-nodes",
                    NetworkInterfaceType = EniTypes.Trunk,
                    Ipv4Cidr = NodesVSwitch.Cidr.ToString(),
                };
                break;
            case NodeKind.Vpc:
                Fabric.AddVpcRoute(PodCidr, Node.NodeIP, NodesVSwitch);
                break;
        }

        var node = await Cluster.Admin.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = NodeName, Annotations = annotations, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = NodeName } },
            Spec = new V1NodeSpec { PodCIDR = Kind == NodeKind.Vpc ? PodCidr.ToString() : null, PodCIDRs = Kind == NodeKind.Vpc ? [PodCidr.ToString()] : null },
        });
        node.Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = Node.NodeIP.ToString() }, new V1NodeAddress { Type = "Hostname", Address = NodeName }] };
        await Cluster.Admin.CoreV1.ReplaceNodeStatusAsync(node, NodeName);

        if (Kind != NodeKind.Vpc)
        {
            await Cluster.AdminClient.CreateAsync(new V1Beta1Node { Metadata = new V1ObjectMeta { Name = NodeName } });
            await Cluster.AdminClient.UpdateStatusAsync<V1Beta1Node>(ObjectKey.Cluster(NodeName), cr =>
            {
                cr.Status = new NodeStatus { NetworkInterfaces = nics };
                return true;
            });
        }

        var options = new NodeAgentOptions
        {
            NodeName = NodeName,
            IpamType = Kind == NodeKind.Vpc ? IpamType.Vpc : IpamType.Crd,
            EnableTrunk = Kind == NodeKind.Trunk,
            ServiceCidrs = [ServiceCidr],
            HostNetnsPath = Node.Path,
            SocketPath = SocketPath,
            StateDirectory = StateDirectory,
            PendingReleaseDirectory = PendingDirectory,
            HealthListen = "http://127.0.0.1:0",
            MeterName = "Terway.NodeAgent.Tests." + Fabric.Prefix,
            AllocationTimeout = TimeSpan.FromSeconds(20),
            PendingReleaseSweepInterval = TimeSpan.FromMinutes(10),
        };
        Options = configure is null ? options : configure(options);
    }

    public async Task StartAgentAsync()
    {
        if (_agent is not null)
        {
            throw new InvalidOperationException("the agent is already running");
        }

        var host = NodeAgentHost.Create(Options, Cluster.AgentConfiguration, TestLogging.Factory);
        await host.StartAsync();
        _agent = host;
    }

    public async Task StopAgentAsync()
    {
        if (_agent is { } host)
        {
            _agent = null;
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>The in-process agent's CNI service (for checkpoint assertions).</summary>
    public CniAgentService AgentService => (CniAgentService)_agent!.Services.GetService(typeof(CniAgentService))!;

    // ------------------------------------------------------------- Kubernetes objects

    public async Task<V1Pod> CreatePodAsync(string name, bool podEni = false)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "default",
                Annotations = podEni ? new Dictionary<string, string> { [Annotations.PodEni] = Annotations.True } : null,
            },
            Spec = new V1PodSpec { NodeName = NodeName, Containers = [new V1Container { Name = "app", Image = "registry.k8s.io/pause:3.10" }] },
        };
        return await Cluster.Admin.CoreV1.CreateNamespacedPodAsync(pod, "default");
    }

    /// <summary>The operator's part for shared-ENI pods: a secondary IP per pod in the Node CR (and in the VPC).</summary>
    public async Task<IReadOnlyList<IPAddress>> AssignSharedIpsAsync(params V1Pod[] pods)
    {
        var ips = pods.Select(_ => NodesVSwitch.AllocateAddress()).ToList();
        foreach (var ip in ips)
        {
            Fabric.AssignPrivateIp(NodesVSwitch, ip, Eni!.Mac);
        }

        await Cluster.AdminClient.UpdateStatusAsync<V1Beta1Node>(ObjectKey.Cluster(NodeName), cr =>
        {
            var nic = cr.Status!.NetworkInterfaces![SharedEniId];
            nic.Ipv4 ??= new Dictionary<string, NicIp>();
            for (var i = 0; i < pods.Length; i++)
            {
                nic.Ipv4[ips[i].ToString()] = new NicIp
                {
                    Ip = ips[i].ToString(),
                    Primary = false,
                    Status = IPStatuses.Valid,
                    PodId = $"{pods[i].Metadata.NamespaceProperty}/{pods[i].Metadata.Name}",
                    PodUid = pods[i].Metadata.Uid,
                };
            }

            return true;
        });
        return ips;
    }

    /// <summary>The operator's part for trunk pods: a member ENI on the trunk (fabric) and a bound PodENI.</summary>
    public async Task<(IPAddress Ip, ushort Vlan)> CreateTrunkPodEniAsync(V1Pod pod, string phase = PodEniPhases.Bind, string? trunkEniId = null)
    {
        var vlan = (ushort)Interlocked.Increment(ref _vlan);
        var member = Trunk!.AddMember(vlan, MemberVSwitch);
        var ip = MemberVSwitch.AllocateAddress();
        Trunk.AssignMemberIp(member, ip);
        var eniId = $"eni-member{vlan}{Fabric.Prefix}";
        var podEni = new V1Beta1PodEni
        {
            Metadata = new V1ObjectMeta
            {
                Name = pod.Metadata.Name,
                NamespaceProperty = pod.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string> { [Labels.Node] = NodeName },
                Annotations = new Dictionary<string, string> { [Annotations.PodUid] = pod.Metadata.Uid },
            },
            Spec = new PodEniSpec
            {
                Allocations =
                [
                    new Crds.V1Beta1.Allocation
                    {
                        Eni = new Eni
                        {
                            Id = eniId,
                            Mac = "02:16:3e:00:" + (vlan >> 8).ToString("x2") + ":" + (vlan & 0xff).ToString("x2"),
                            VSwitchId = "vsw-members",
                            SecurityGroupIds = ["sg-1"],
                            Zone = "cn-hangzhou-h",
                            VpcId = "vpc-1",
                            AttachmentOptions = new AttachmentOptions { Trunk = true },
                        },
                        Ipv4 = ip.ToString(),
                        Ipv4Cidr = MemberVSwitch.Cidr.ToString(),
                        Interface = "eth0",
                    },
                ],
            },
        };
        await Cluster.AdminClient.CreateAsync(podEni);
        await SetPodEniStatusAsync(pod, phase, trunkEniId ?? TrunkEniId, eniId, vlan);
        return (ip, vlan);
    }

    public Task SetPodEniStatusAsync(V1Pod pod, string phase, string trunkEniId, string eniId, int vlan) =>
        Cluster.AdminClient.UpdateStatusAsync<V1Beta1PodEni>(new ObjectKey(pod.Metadata.NamespaceProperty, pod.Metadata.Name), p =>
        {
            p.Status = new PodEniStatus
            {
                Phase = phase,
                InstanceId = "i-" + Fabric.Prefix,
                TrunkEniId = trunkEniId,
                EniInfos = new Dictionary<string, EniInfo> { [eniId] = new EniInfo { Id = eniId, Type = EniTypes.Member, Vid = vlan, Status = EniBindStatuses.Bind } },
            };
            return true;
        });

    public async Task<IReadOnlyList<Eventsv1Event>> EventsForAsync(V1Pod pod, string reason)
    {
        var list = await Cluster.Admin.EventsV1.ListNamespacedEventAsync(pod.Metadata.NamespaceProperty);
        return [.. list.Items.Where(e => e.Regarding?.Name == pod.Metadata.Name && e.Reason == reason)];
    }

    // ------------------------------------------------------------- namespaces

    public Task<string> PodNetnsAsync(string name) => Fabric.CreatePodNamespaceAsync(name);

    public async Task<SortedSet<string>> SnapshotNodeAsync() => await SnapshotAsync(Node.Path);

    public static async Task<SortedSet<string>> SnapshotAsync(string netnsPath)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        using var nl = await ns.OpenNetlinkAsync();
        return NamespaceSnapshot.Capture(nl);
    }

    // ------------------------------------------------------------- CNI

    /// <summary>The terway plugin entry of a configuration.</summary>
    public JsonObject TerwayPlugin(JsonObject? extra = null)
    {
        var plugin = new JsonObject
        {
            ["type"] = "terway",
            ["agent_socket"] = SocketPath,
            ["pending_release_dir"] = PendingDirectory,
            ["log_file"] = Path.Combine(Directory, "terway.cni.log"),
            ["log_level"] = "debug",
            ["add_timeout"] = "30s",
            ["del_timeout"] = "5s",
        };
        foreach (var (k, v) in extra ?? [])
        {
            plugin[k] = v?.DeepClone();
        }

        return plugin;
    }

    /// <summary>Writes a conflist (terway first unless <paramref name="plugins"/> places it) and returns its path.</summary>
    public string WriteConfList(string cniVersion, params JsonObject[] plugins)
    {
        var list = new JsonArray();
        foreach (var p in plugins.Length == 0 ? [TerwayPlugin()] : plugins)
        {
            list.Add(p.DeepClone());
        }

        var conf = new JsonObject { ["cniVersion"] = cniVersion, ["name"] = NetworkName, ["plugins"] = list };
        var path = Path.Combine(Directory, $"conflist-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, conf.ToJsonString());
        return path;
    }

    public static string CniArgs(V1Pod pod, string containerId) =>
        $"IgnoreUnknown=1;K8S_POD_NAMESPACE={pod.Metadata.NamespaceProperty};K8S_POD_NAME={pod.Metadata.Name};K8S_POD_INFRA_CONTAINER_ID={containerId};K8S_POD_UID={pod.Metadata.Uid}";

    /// <summary>
    /// Runs <c>cnirt add|check|del</c> inside the node's namespace (where a runtime on that node would run,
    /// so chained plugins such as bandwidth and portmap act on the node).
    /// </summary>
    public async Task<ProcessOutcome> CnirtAsync(string verb, string confList, string netns, string containerId, V1Pod pod, string ifName = "eth0")
    {
        CniBinaries.RequireCnirt();
        _cniCacheKeys.Add($"{NetworkName}-{containerId}-{ifName}");
        return await ProcessRunner.RunAsync("ip",
            ["netns", "exec", Path.GetFileName(Node.Path), CniBinaries.Cnirt!, verb, confList, netns, containerId, ifName, CniArgs(pod, containerId)],
            new Dictionary<string, string?> { ["CNI_PATH"] = $"{ShimDirectory}:{CniBinaries.ReferencePluginDirectory}" },
            timeout: TimeSpan.FromSeconds(60));
    }

    /// <summary>Runs the terway binary directly, exactly as the CNI spec says a runtime does (env + stdin).</summary>
    public Task<ProcessOutcome> ShimAsync(string command, string stdin, string? containerId = null, string? netns = null, string? ifName = "eth0", string? args = null) =>
        RunShimAsync(ShimPath, command, stdin, containerId, netns, ifName, args);

    public static Task<ProcessOutcome> RunShimAsync(string shim, string command, string stdin, string? containerId = null, string? netns = null, string? ifName = "eth0", string? args = null)
    {
        var env = new Dictionary<string, string?> { ["CNI_COMMAND"] = command, ["CNI_PATH"] = Path.GetDirectoryName(shim) };
        if (containerId is not null)
        {
            env["CNI_CONTAINERID"] = containerId;
        }

        if (netns is not null)
        {
            env["CNI_NETNS"] = netns;
        }

        if (ifName is not null)
        {
            env["CNI_IFNAME"] = ifName;
        }

        if (args is not null)
        {
            env["CNI_ARGS"] = args;
        }

        return ProcessRunner.RunAsync(shim, [], env, stdin, TimeSpan.FromSeconds(60), clearEnvironment: true);
    }

    /// <summary>A single-plugin configuration for direct execution.</summary>
    public string PluginConf(string cniVersion, JsonObject? extra = null)
    {
        var conf = TerwayPlugin(extra);
        conf["cniVersion"] = cniVersion;
        conf["name"] = NetworkName;
        return conf.ToJsonString();
    }

    public static string NewContainerId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        await Fabric.DisposeAsync();
        foreach (var key in _cniCacheKeys)
        {
            File.Delete(Path.Combine("/var/lib/cni/results", key));
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch directory in /tmp is harmless.
        }
    }

    private static string Mac(System.Net.NetworkInformation.PhysicalAddress mac) =>
        string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));
}

/// <summary>Agent logs go to the test's output, so a failing test shows what the agent did.</summary>
internal static class TestLogging
{
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(b => b
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Terway.Kube", LogLevel.Warning)
        .AddProvider(new TestContextLoggerProvider()));

    private sealed class TestContextLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new TestContextLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class TestContextLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category.Split('.').Last()}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}";
            try
            {
                TestContext.Out.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // No test is running (background work after a test ended); drop the line.
            }
        }
    }
}
