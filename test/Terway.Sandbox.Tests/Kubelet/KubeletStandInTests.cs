using System.Net;
using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Sandbox.CloudFabric;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.Kubelet;
using Terway.Sandbox.KubeApi;
using Terway.Sandbox.Tests.Support;

namespace Terway.Sandbox.Tests.Kubelet;

/// <summary>
/// The kubelet stand-in with Debian's reference plugins through libcni (cnirt) in real
/// namespaces: pods get IPs from their node's podCIDR, reach each other on one node and across
/// nodes, and deleting them leaves nothing behind.
/// </summary>
[TestFixture]
public sealed class KubeletStandInTests
{
    private ClusterHarness _h = null!;
    private VpcFabric _fabric = null!;
    private CloudFabricBridge _bridge = null!;
    private string _stateDir = null!;
    private string _cnirt = null!;
    private readonly List<KubeletStandIn> _kubelets = [];
    private readonly List<string> _namespaces = [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        TestEnvironment.RequireRoot();
        _cnirt = TestEnvironment.RequireCnirt();
        TestEnvironment.RequireReferencePlugins();
        _h = await ClusterHarness.StartAsync(nodes: 2);
        _fabric = await VpcFabric.CreateAsync();
        _bridge = new CloudFabricBridge(_h.Simulator, _fabric);
        await _bridge.StartAsync();
        _stateDir = Path.Combine(Path.GetTempPath(), "terway-kubelet-test-" + Guid.NewGuid().ToString("N")[..8]);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await StopKubeletsAsync();
        if (_bridge is not null)
        {
            await _bridge.DisposeAsync();
        }

        if (_fabric is not null)
        {
            await _fabric.DisposeAsync();
        }

        if (_h is not null)
        {
            await _h.DisposeAsync();
        }

        if (_stateDir is not null && Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
    }

    /// <summary>Each test's pods are deleted (and confirmed by the kubelets) before the kubelets stop, so tests do not see each other's pods.</summary>
    [TearDown]
    public async Task AfterEach()
    {
        foreach (var ns in _namespaces)
        {
            foreach (var pod in await _h.PodsAsync(ns))
            {
                await _h.Admin.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);
            }

            Assert.That(await TestEnvironment.EventuallyAsync(async () => (await _h.PodsAsync(ns)).Count == 0, TimeSpan.FromSeconds(30)), Is.True);
        }

        _namespaces.Clear();
        await StopKubeletsAsync();
    }

    [Test]
    public async Task Pods_GetIPsFromTheirNodesPodCidr_AndReachEachOtherAcrossNodes()
    {
        var (a, b) = (_h.Cluster.Registry.Nodes[0], _h.Cluster.Registry.Nodes[1]);
        await StartKubeletsAsync();
        var ns = await NewNamespaceAsync("wire");
        await CreatePodAsync(ns, "a1", a);
        await CreatePodAsync(ns, "a2", a);
        await CreatePodAsync(ns, "b1", b);
        var a1 = await WaitRunningAsync(ns, "a1");
        var a2 = await WaitRunningAsync(ns, "a2");
        var b1 = await WaitRunningAsync(ns, "b1");

        Assert.That(a.PodCidr.Contains(IPAddress.Parse(a1.Status.PodIP)), Is.True, $"{a1.Status.PodIP} in {a.PodCidr}");
        Assert.That(b.PodCidr.Contains(IPAddress.Parse(b1.Status.PodIP)), Is.True, $"{b1.Status.PodIP} in {b.PodCidr}");
        Assert.That(a1.Status.PodIPs.Single().Ip, Is.EqualTo(a1.Status.PodIP));
        Assert.That(a1.Status.HostIP, Is.EqualTo(a.InternalIp.ToString()));
        Assert.That(a1.Status.Conditions.Single(c => c.Type == "Ready").Status, Is.EqualTo("True"));
        Assert.That(a1.Status.ContainerStatuses.Single().Ready, Is.True);

        var a1Netns = Sandbox(ns, "a1").NetnsPath;
        var b1Netns = Sandbox(ns, "b1").NetnsPath;
        Assert.That(await Probes.PingAsync(a1Netns, IPAddress.Parse(a2.Status.PodIP)), Is.True, "same node");
        Assert.That(await Probes.PingAsync(a1Netns, IPAddress.Parse(b1.Status.PodIP)), Is.True, "across nodes through the VPC");
        Assert.That(await Probes.PingAsync(b1Netns, IPAddress.Parse(a1.Status.PodIP)), Is.True, "and back");
        Assert.That(await Probes.PingAsync(a1Netns, b.InternalIp), Is.True, "pod → other node");
    }

    [Test]
    public async Task PodDeletion_RunsCniDelAndLeavesNothingBehind()
    {
        var node = _h.Cluster.Registry.Nodes[0];
        var fabricNode = _bridge.NodeFor(node.InstanceId)!;
        await StartKubeletsAsync();
        var ns = await NewNamespaceAsync("del");

        // A first pod makes what lives as long as the node (the cni0 bridge, the IPAM folder).
        await CreatePodAsync(ns, "warmup", node);
        await WaitRunningAsync(ns, "warmup");
        await _h.Admin.CoreV1.DeleteNamespacedPodAsync("warmup", ns);
        await WaitGoneAsync(ns, "warmup");
        var before = await NamespaceSnapshot.CaptureAsync(fabricNode.Path);
        var namespacesBefore = _fabric.NamespaceNames.ToList();

        foreach (var name in new[] { "p1", "p2", "p3" })
        {
            await CreatePodAsync(ns, name, node);
        }

        foreach (var name in new[] { "p1", "p2", "p3" })
        {
            await WaitRunningAsync(ns, name);
        }

        Assert.That(_fabric.NamespaceNames, Has.Count.EqualTo(namespacesBefore.Count + 3), "a namespace per pod");
        Assert.That(NamespaceSnapshot.Diff(before, await NamespaceSnapshot.CaptureAsync(fabricNode.Path)), Is.Not.Empty, "the pods' veths are on the node");

        foreach (var name in new[] { "p1", "p2", "p3" })
        {
            // A graceful delete: the API keeps the bound pod until the kubelet confirms.
            await _h.Admin.CoreV1.DeleteNamespacedPodAsync(name, ns);
        }

        foreach (var name in new[] { "p1", "p2", "p3" })
        {
            await WaitGoneAsync(ns, name);
        }

        Assert.That(NamespaceSnapshot.Diff(before, await NamespaceSnapshot.CaptureAsync(fabricNode.Path)), Is.Empty, "links, addresses, routes, rules, neighbours");
        Assert.That(_fabric.NamespaceNames, Is.EquivalentTo(namespacesBefore), "pod namespaces removed");
        var leases = Directory.GetFiles(Path.Combine(NodeDirectory(node), "ipam", ReferenceCniNetwork.NetworkName))
            .Select(Path.GetFileName).Where(f => IPAddress.TryParse(f, out _));
        Assert.That(leases, Is.Empty, "host-local released every address");
    }

    [Test]
    public async Task FailedAdd_RecordsFailedCreatePodSandBox_RetriesWithBackoff_CleansTheFailedSandbox()
    {
        var node = _h.Cluster.Registry.Nodes[1];
        await StartKubeletsAsync(cni => new FlakyCni(cni, failures: 2));
        var ns = await NewNamespaceAsync("flaky");
        var namespacesBefore = _fabric.NamespaceNames.Count;
        await CreatePodAsync(ns, "f1", node);
        var pod = await WaitRunningAsync(ns, "f1");
        Assert.That(node.PodCidr.Contains(IPAddress.Parse(pod.Status.PodIP)), Is.True);
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            var events = await _h.Admin.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=f1,reason=FailedCreatePodSandBox");
            return events.Items.Sum(e => e.Count ?? 1) >= 1
                && events.Items.All(e => e.Message.Contains("plugin failed on purpose", StringComparison.Ordinal) && e.Type == "Warning");
        }), Is.True, "FailedCreatePodSandBox carries the CNI error");
        Assert.That(_fabric.NamespaceNames, Has.Count.EqualTo(namespacesBefore + 1), "failed sandboxes' namespaces were removed");
    }

    [Test]
    public async Task RunningReportFails_AfterTheSandboxIsWired_ReportedOnTheRetry()
    {
        var node = _h.Cluster.Registry.Nodes[0];
        await StartKubeletsAsync();
        var ns = await NewNamespaceAsync("report");
        _h.Api.InjectFault(new KubeApiFault { Verb = "patch", Resource = "pods", Subresource = "status", StatusCode = 500, Count = 1 });
        try
        {
            await CreatePodAsync(ns, "r1", node);
            var pod = await WaitRunningAsync(ns, "r1");

            Assert.That(pod.Status.PodIP, Is.EqualTo(Sandbox(ns, "r1").IPs[0].ToString()), "the first sandbox's address, reported on the retry");
            Assert.That(pod.Status.ContainerStatuses.Single().ContainerID, Is.EqualTo("sandbox://" + Sandbox(ns, "r1").ContainerId), "the wired sandbox, not a second one");
        }
        finally
        {
            _h.Api.ClearFaults();
        }
    }

    private async Task StartKubeletsAsync(Func<ICniRuntime, ICniRuntime>? wrap = null)
    {
        var network = new ReferenceCniNetwork();
        foreach (var node in _h.Cluster.Registry.Nodes)
        {
            var fabricNode = _bridge.NodeFor(node.InstanceId)!;
            var config = await network.PrepareNodeAsync(_fabric, fabricNode, node, NodeDirectory(node));
            ICniRuntime cni = new LibCniRuntime(_cnirt, fabricNode.NamespaceName);
            var kubelet = new KubeletStandIn(node, _h.Admin, _fabric, wrap?.Invoke(cni) ?? cni, config,
                new KubeletOptions { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(400) });
            await kubelet.StartAsync();
            _kubelets.Add(kubelet);
        }
    }

    private async Task StopKubeletsAsync()
    {
        foreach (var k in _kubelets)
        {
            await k.DisposeAsync();
        }

        _kubelets.Clear();
    }

    private string NodeDirectory(SandboxNode node) => Path.Combine(_stateDir, node.Name, "cni");

    private PodSandbox Sandbox(string ns, string name) =>
        _kubelets.Select(k => k.Sandboxes.TryGetValue(new ObjectKey(ns, name), out var s) ? s : null).Single(s => s is not null)!;

    private async Task<string> NewNamespaceAsync(string prefix)
    {
        var ns = await _h.CreateNamespaceAsync(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private async Task CreatePodAsync(string ns, string name, SandboxNode node) =>
        await _h.Admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node.Name },
                Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }],
            },
        }, ns);

    private async Task<V1Pod> WaitRunningAsync(string ns, string name)
    {
        V1Pod? pod = null;
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            pod = await _h.GetPodAsync(ns, name);
            return pod.Status?.Phase == "Running" && pod.Status.PodIP is not null;
        }, TimeSpan.FromSeconds(30)), Is.True, $"{ns}/{name} never ran: {pod?.Status?.Phase}");
        return pod!;
    }

    private async Task WaitGoneAsync(string ns, string name) =>
        Assert.That(await TestEnvironment.EventuallyAsync(async () => (await _h.PodsAsync(ns)).All(p => p.Metadata.Name != name), TimeSpan.FromSeconds(30)),
            Is.True, $"{ns}/{name} was never removed");

    /// <summary>Fails the first <c>failures</c> ADDs (after letting the real plugins run, so cleanup is exercised), then passes through.</summary>
    private sealed class FlakyCni(ICniRuntime inner, int failures) : ICniRuntime
    {
        private int _left = failures;

        public async Task<CniAddResult> AddAsync(CniCall call, CancellationToken ct)
        {
            var result = await inner.AddAsync(call, ct);
            if (Interlocked.Decrement(ref _left) >= 0)
            {
                throw new CniException("add", "plugin failed on purpose", 1);
            }

            return result;
        }

        public Task DeleteAsync(CniCall call, CancellationToken ct) => inner.DeleteAsync(call, ct);
    }
}
