using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Kube.Client;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.CloudFabric;
using Terway.Sandbox.Cluster;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Demo;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.KubeApi;
using Terway.Sandbox.Kubelet;

namespace Terway.Sandbox.Hosting;

/// <summary>
/// The whole sandbox on one machine: the Kubernetes API emulator, the simulated region, the
/// CRDs and RBAC of config/, ServiceAccount tokens, the simulated cluster (nodes, scheduler,
/// workload controllers), and — as root — the fabric (node and pod namespaces following the
/// cloud) with a kubelet stand-in per node calling CNI through libcni. The operator and the node
/// agents plug in through <see cref="SandboxExtensions"/>. Disposing it stops everything in
/// reverse order and removes every namespace, link and file it made (logs stay).
/// </summary>
public sealed partial class SandboxHost : IAsyncDisposable
{
    private const string OperatorWebhooksFile = "operator/webhooks.yaml";

    private readonly SandboxOptions _options;
    private readonly SandboxExtensions _extensions;
    private readonly TextWriter _out;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly FileLoggerProvider _logFile;
    private readonly ILoggerFactory _logs;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _nodeGate = new(1, 1);
    private readonly List<ISandboxComponent> _controlPlane = [];
    private readonly List<(string Node, ISandboxComponent Component)> _perNode = [];
    private readonly List<KubeletStandIn> _kubelets = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly string? _configDirectory = ConfigFiles.FindConfigDirectory();
    private SimulatedCluster? _cluster;
    private CloudFabricBridge? _bridge;
    private PodProgress? _progress;
    private ICniNetwork? _network;
    private string? _cnirt;
    private bool _disposed;

    private SandboxHost(SandboxOptions options, SandboxExtensions extensions, SandboxPaths paths)
    {
        _options = options;
        _extensions = extensions;
        _out = TextWriter.Synchronized(options.Output ?? Console.Out);
        _logFile = new FileLoggerProvider(paths.LogFile, options.Verbose ? LogLevel.Debug : LogLevel.Information);
        // Request-per-line logs of the two servers would drown everything else (and grow without bound under load).
        _logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logFile)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting", LogLevel.Warning));
        _logger = _logs.CreateLogger<SandboxHost>();
        var region = SandboxRegion.Create(options.Nodes, options.InstanceType, options.Zones, options.RegionId);
        Context = new SandboxContext(options, paths, region, _logs) { ProgressSink = Say };
    }

    /// <summary>Everything the sandbox runs, for extensions and tests.</summary>
    public SandboxContext Context { get; }

    /// <summary>True when nodes are namespaces and kubelets wire pods; false in control-plane-only mode.</summary>
    public bool FabricMode { get; private set; }

    /// <summary>Why the sandbox runs the control plane only (null in fabric mode).</summary>
    public string? ControlPlaneOnlyReason { get; private set; }

    /// <summary>The pod network the kubelets call (null without the fabric).</summary>
    public ICniNetwork? Network => _network;

    /// <summary>The kubelet stand-ins, one per node (empty without the fabric).</summary>
    public IReadOnlyList<KubeletStandIn> Kubelets
    {
        get
        {
            lock (_kubelets)
            {
                return [.. _kubelets];
            }
        }
    }

    /// <summary>Starts everything; progress goes to <see cref="SandboxOptions.Output"/>.</summary>
    public static async Task<SandboxHost> StartAsync(SandboxOptions options, SandboxExtensions? extensions = null, CancellationToken ct = default)
    {
        options.Validate();
        var paths = new SandboxPaths(options.StateDirectory);
        paths.Acquire();
        var host = new SandboxHost(options, extensions ?? new SandboxExtensions(), paths);
        try
        {
            await host.StartCoreAsync(ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Applies the demo plan, waits for its pods, checks connectivity and prints the summary.</summary>
    public async Task<DemoReport> RunDemoAsync(CancellationToken ct = default)
    {
        var planDirectory = _options.DemoPlanPath is { } path ? Path.GetDirectoryName(Path.GetFullPath(path)) : null;
        var plan = _options.DemoPlanPath is { } p ? DemoPlan.Load(p) : DemoPlan.Default(_configDirectory);
        var network = _network?.Description ?? "nothing (control plane only)";
        // Terway's promise is checked only when Terway wires the pods (the reference plugins give podCIDR addresses).
        var checkMemberEnis = FabricMode && _network is not null and not ReferenceCniNetwork;
        var runner = new DemoRunner(Context, _progress!, FindSandbox, FabricMode, network, _out, checkMemberEnis);
        return await runner.RunAsync(plan, _configDirectory, planDirectory, ct);
    }

    /// <summary>Stops everything in reverse order and removes what the sandbox made (logs stay).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync();
        Say("Stopping …");
        await StopQuietlyAsync("progress", _progress);
        foreach (var kubelet in Kubelets.AsEnumerable().Reverse())
        {
            await StopQuietlyAsync("kubelet " + kubelet.Node.Name, kubelet);
        }

        foreach (var (node, component) in Enumerable.Reverse(_perNode))
        {
            await StopQuietlyAsync($"{component.Name} ({node})", component);
        }

        foreach (var component in Enumerable.Reverse(_controlPlane))
        {
            await StopQuietlyAsync(component.Name, component);
        }

        await StopQuietlyAsync("cluster", _cluster);
        await StopQuietlyAsync("fabric bridge", _bridge);
        await StopQuietlyAsync("fabric", Context.Fabric);
        Context.Admin?.Dispose();
        await StopQuietlyAsync("cloud", Context.Cloud);
        await StopQuietlyAsync("kube-api", Context.KubeApi);
        Context.Paths.Clean();
        Say($"Stopped; logs are in {Context.Paths.LogsDirectory}.");
        _logs.Dispose();
        _logFile.Dispose();
        _stopping.Dispose();
        _nodeGate.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var paths = Context.Paths;
        Say($"Terway sandbox: {_options.Nodes} × {_options.InstanceType} in {_options.RegionId} ({string.Join(", ", _options.Zones)}); state in {paths.Root}");

        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            Port = _options.KubeApiPort,
            ServiceResolver = (ns, name, port) => Context.Services.Resolve(ns, name, port),
            LoggerFactory = _logs,
        }, ct);
        Context.KubeApi = api;
        Context.Admin = new Kubernetes(api.CreateClientConfiguration());
        api.WriteKubeconfig(paths.AdminKubeconfig);
        Say($"  kube-api     {api.BaseAddress}  (kubeconfig {paths.AdminKubeconfig})");

        var simOptions = Context.Region.ToSimulatorOptions();
        simOptions.Listen = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{_options.CloudPort}");
        simOptions.LoggerFactory = _logs;
        ApplyKnobs(simOptions.Knobs);
        var cloud = await RegionSimulator.StartAsync(simOptions, ct);
        Context.Cloud = cloud;
        var key = cloud.DefaultCredential;
        Context.CloudInfo = new SandboxCloudInfo(cloud.RegionId, cloud.Endpoint, key.AccessKeyId, key.AccessKeySecret, SandboxRegion.VpcId,
            Context.Region.Zones, SandboxRegion.NodeSecurityGroupId, SandboxRegion.PodSecurityGroupId);
        WriteCloudFiles();
        Say($"  cloud        {cloud.Endpoint}  region {cloud.RegionId}, time scale {_options.TimeScale.ToString(CultureInfo.InvariantCulture)}  (credentials {paths.CloudJson})");

        await BootstrapAsync(ct);

        DecideMode();
        if (FabricMode)
        {
            Context.Fabric = await VpcFabric.CreateAsync();
            _bridge = new CloudFabricBridge(cloud, Context.Fabric, _logs.CreateLogger<CloudFabricBridge>());
            await _bridge.StartAsync(ct);
            Say($"  fabric       {Context.Fabric.NamespaceNames.Count} namespaces (prefix {Context.Fabric.Prefix}): a VPC router, {Context.Fabric.VSwitches.Count} vSwitches, {Context.Fabric.Nodes.Count} nodes");
        }
        else
        {
            Say("  fabric       none (control plane only, see the note above)");
        }

        _cluster = new SimulatedCluster(Context.Admin, cloud, new SimulatedClusterOptions(), _logs);
        Context.NodeRegistry = _cluster.Registry;
        await _cluster.StartAsync(ct);
        await _cluster.WaitForNodesReadyAsync(TimeSpan.FromSeconds(60), ct);
        Say($"  nodes        {string.Join(", ", _cluster.Registry.Nodes.Select(n => $"{n.Name} ({n.ZoneId})"))} Ready; scheduler and workload controllers running");

        _progress = new PodProgress(Context.Admin, _out, _clock, _logs);
        await _progress.StartAsync(ct);

        if (_extensions.OperatorWebhooks)
        {
            var webhooks = ConfigFiles.Documents(ConfigFiles.Read(OperatorWebhooksFile, _configDirectory));
            await new ManifestApplier(Context.Admin).ApplyAllAsync(webhooks, InstallNames.Namespace, ct);
            Say($"  applied      {webhooks.Count} webhook configurations (config/{OperatorWebhooksFile}); the operator serves them");
        }

        foreach (var factory in _extensions.ControlPlane)
        {
            var component = factory(Context);
            _controlPlane.Add(component);
            await component.StartAsync(ct);
            Say($"  started      {component.Name}");
        }

        if (_extensions.ControlPlane.Count == 0)
        {
            Say("  operator     not started (none plugged in: see docs/sandbox.md, extension points)");
        }

        if (FabricMode)
        {
            _network = _extensions.CniNetwork?.Invoke(Context) ?? new ReferenceCniNetwork();
            foreach (var node in _cluster.Registry.Nodes)
            {
                await StartNodeAsync(node, ct);
            }

            _cluster.NodeAdded += node => _ = StartNodeInBackgroundAsync(node);
            Say($"  kubelets     {_kubelets.Count}, CNI: {_network.Description}" + (_extensions.PerNode.Count == 0
                ? "; node agents not started (none plugged in)"
                : $"; per node: {string.Join(", ", _perNode.Select(c => c.Component.Name).Distinct(StringComparer.Ordinal))} ({_perNode.Count} started)"));
        }

        Say($"Ready in {_clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.  kubectl --kubeconfig {paths.AdminKubeconfig} get nodes,pods -A");
    }

    private void DecideMode()
    {
        if (_options.ControlPlaneOnly)
        {
            ControlPlaneOnlyReason = "--control-plane-only";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            ControlPlaneOnlyReason = "not running as root, so no network namespaces can be made: running the control plane only "
                + "(pods are scheduled but not wired). Run as root for nodes as namespaces and real pod networking.";
        }
        else if ((_cnirt = LibCniRuntime.FindDriver()) is null)
        {
            ControlPlaneOnlyReason = "the libcni driver (cnirt) is missing: build it with tools/cnirt/build.sh and set TERWAY_CNIRT; running the control plane only";
        }
        else if (_extensions.CniNetwork is null && !new ReferenceCniNetwork().IsAvailable)
        {
            ControlPlaneOnlyReason = "the reference CNI plugins are missing (apt-get install containernetworking-plugins); running the control plane only";
        }

        FabricMode = ControlPlaneOnlyReason is null;
        if (!FabricMode)
        {
            Say("  NOTE: " + ControlPlaneOnlyReason);
        }
    }

    private async Task BootstrapAsync(CancellationToken ct)
    {
        var applier = new ManifestApplier(Context.Admin);
        var crds = CrdManifests.Definitions().OfType<JsonObject>().ToList();
        await applier.ApplyAllAsync(crds, ct: ct);
        foreach (var crd in crds)
        {
            await applier.WaitForCrdAsync(crd["metadata"]!["name"]!.GetValue<string>(), TimeSpan.FromSeconds(30), ct);
        }

        var rbac = ConfigFiles.BuiltIn("rbac").Select(f => ConfigFiles.Read(f, _configDirectory)).SelectMany(ConfigFiles.Documents)
            .OrderBy(d => d["kind"]?.GetValue<string>() == "ServiceAccount" ? 0 : 1).ToList();
        await applier.ApplyAllAsync(rbac, InstallNames.Namespace, ct);
        Context.OperatorToken = Context.KubeApi.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.Operator);
        Context.NodeAgentToken = Context.KubeApi.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.NodeAgent);
        Context.KubeApi.WriteKubeconfig(Context.Paths.OperatorKubeconfig, Context.OperatorToken, InstallNames.Namespace);
        Context.KubeApi.WriteKubeconfig(Context.Paths.NodeAgentKubeconfig, Context.NodeAgentToken, InstallNames.Namespace);
        Say($"  applied      {crds.Count} CRDs (config/crd) and {rbac.Count} RBAC objects (config/rbac); tokens for {InstallNames.Operator} and {InstallNames.NodeAgent}");
    }

    private async Task StartNodeInBackgroundAsync(SandboxNode node)
    {
        try
        {
            await StartNodeAsync(node, _stopping.Token);
            Say($"  node {node.Name} joined with its kubelet");
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            LogNodeFailed(_logger, e, node.Name);
            Say($"  node {node.Name} could not start: {e.Message}");
        }
    }

    private async Task StartNodeAsync(SandboxNode node, CancellationToken ct)
    {
        await _nodeGate.WaitAsync(ct);
        try
        {
            var fabricNode = await _bridge!.WaitForNodeAsync(node.InstanceId, ct);
            var nodeContext = new SandboxNodeContext(Context, node, fabricNode, Context.Paths.NodeDirectory(node.Name));
            var config = await _network!.PrepareNodeAsync(nodeContext, ct);
            foreach (var factory in _extensions.PerNode)
            {
                var component = factory(nodeContext);
                _perNode.Add((node.Name, component));
                await component.StartAsync(ct);
            }

            var kubelet = new KubeletStandIn(node, Context.Admin, Context.Fabric!, new LibCniRuntime(_cnirt!, fabricNode.NamespaceName), config, null, _logs);
            lock (_kubelets)
            {
                _kubelets.Add(kubelet);
            }

            await kubelet.StartAsync(ct);
        }
        finally
        {
            _nodeGate.Release();
        }
    }

    private PodSandbox? FindSandbox(ObjectKey key)
    {
        foreach (var kubelet in Kubelets)
        {
            if (kubelet.Sandboxes.TryGetValue(key, out var sandbox))
            {
                return sandbox;
            }
        }

        return null;
    }

    private void ApplyKnobs(SimulatorKnobs knobs)
    {
        knobs.TimeScale = _options.TimeScale;
        if (_options.CloudLatency > TimeSpan.Zero)
        {
            knobs.Api(SimulatorKnobs.AnyApi).Latency = _options.CloudLatency;
        }

        foreach (var fault in _options.Faults)
        {
            var api = knobs.Api(fault.Action);
            api.ErrorRate = fault.Rate;
            api.ErrorCode = fault.Code;
        }
    }

    private void WriteCloudFiles()
    {
        var info = Context.CloudInfo;
        var json = new JsonObject
        {
            ["regionId"] = info.RegionId,
            ["endpoint"] = info.Endpoint.ToString(),
            ["accessKeyId"] = info.AccessKeyId,
            ["accessKeySecret"] = info.AccessKeySecret,
            ["vpcId"] = info.VpcId,
            ["zones"] = new JsonArray([.. info.Zones.Select(z => (JsonNode?)new JsonObject
            {
                ["zoneId"] = z.ZoneId,
                ["nodeVSwitchId"] = z.NodeVSwitchId,
                ["podVSwitchId"] = z.PodVSwitchId,
            })]),
            ["nodeSecurityGroupId"] = info.NodeSecurityGroupId,
            ["podSecurityGroupId"] = info.PodSecurityGroupId,
            ["stateDump"] = Context.Cloud.StateDumpUri.ToString(),
        };
        File.WriteAllText(Context.Paths.CloudJson, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var endpoint = info.Endpoint.ToString().TrimEnd('/');
        File.WriteAllText(Context.Paths.CloudEnv, string.Join('\n',
            $"ALIBABA_CLOUD_ACCESS_KEY_ID={info.AccessKeyId}",
            $"ALIBABA_CLOUD_ACCESS_KEY_SECRET={info.AccessKeySecret}",
            $"ALIBABA_CLOUD_REGION_ID={info.RegionId}",
            $"ECS_ENDPOINT={endpoint}",
            $"VPC_ENDPOINT={endpoint}",
            "ALICLOUD_CLIENT_SCHEME=HTTP",
            "") );
    }

    private async Task StopQuietlyAsync(string what, IAsyncDisposable? component)
    {
        if (component is null)
        {
            return;
        }

        try
        {
            await component.DisposeAsync();
        }
        catch (Exception e)
        {
            // Shutdown goes on: one part failing to stop must not leave the others running.
            LogStopFailed(_logger, e, what);
        }
    }

    private void Say(string line) => _out.WriteLine(line.StartsWith(' ') ? $"  [{_clock.Elapsed.TotalSeconds,7:0.0}s]{line[1..]}" : line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {Node} failed to start")]
    private static partial void LogNodeFailed(ILogger logger, Exception exception, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Component} failed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string component);
}
