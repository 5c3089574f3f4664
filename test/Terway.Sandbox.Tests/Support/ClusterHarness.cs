using k8s;
using k8s.Models;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cluster;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.KubeApi;

namespace Terway.Sandbox.Tests.Support;

/// <summary>The emulator, a simulated region of <c>n</c> instances over two zones, and the simulated cluster on top.</summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private ClusterHarness(KubeApiEmulator api, RegionSimulator simulator, SandboxRegion region, Kubernetes admin, SimulatedCluster cluster)
    {
        Api = api;
        Simulator = simulator;
        Region = region;
        Admin = admin;
        Cluster = cluster;
    }

    public KubeApiEmulator Api { get; }

    public RegionSimulator Simulator { get; }

    public SandboxRegion Region { get; }

    public Kubernetes Admin { get; }

    public SimulatedCluster Cluster { get; }

    public static async Task<ClusterHarness> StartAsync(int nodes = 3, SimulatedClusterOptions? options = null)
    {
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions());
        var region = SandboxRegion.Create(nodes, "ecs.g7.xlarge", ["cn-hangzhou-h", "cn-hangzhou-i"]);
        var simOptions = region.ToSimulatorOptions();
        simOptions.Knobs.WithoutThrottling();
        var simulator = await RegionSimulator.StartAsync(simOptions);
        var admin = new Kubernetes(api.CreateClientConfiguration());
        var cluster = new SimulatedCluster(admin, simulator, options ?? new SimulatedClusterOptions { SchedulingRetry = TimeSpan.FromMilliseconds(500) });
        await cluster.StartAsync();
        await cluster.WaitForNodesReadyAsync(TimeSpan.FromSeconds(20));
        return new ClusterHarness(api, simulator, region, admin, cluster);
    }

    public async Task<string> CreateNamespaceAsync(string prefix)
    {
        var ns = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }

    public async Task<V1Pod> GetPodAsync(string ns, string name) => await Admin.CoreV1.ReadNamespacedPodAsync(name, ns);

    public async Task<IList<V1Pod>> PodsAsync(string ns) => (await Admin.CoreV1.ListNamespacedPodAsync(ns)).Items;

    /// <summary>Marks a pod Running and Ready, as a kubelet would.</summary>
    public async Task MarkRunningAsync(string ns, string name)
    {
        var now = DateTime.UtcNow;
        var patch = new V1Patch(new
        {
            status = new
            {
                phase = "Running",
                conditions = new[] { new { type = "Ready", status = "True", lastTransitionTime = now } },
            },
        }, V1Patch.PatchType.StrategicMergePatch);
        await Admin.CoreV1.PatchNamespacedPodStatusAsync(patch, name, ns);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Admin.Dispose();
        await Simulator.DisposeAsync();
        await Api.DisposeAsync();
    }
}
