using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cluster.Nodes;
using Terway.Sandbox.Fabric;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Integration;
using Terway.Sandbox.Kubelet;

namespace Terway.EndToEnd.Tests.Support;

/// <summary>
/// The sandbox as the command runs it (operator with webhooks, a node agent per node, the real <c>terway</c> plugin
/// called through libcni from each node's kubelet stand-in), without the demo, plus what the tests look at: pods and
/// their namespaces, PodENIs, the simulated cloud, the nodes' namespaces and checkpoints.
/// </summary>
internal sealed class TerwaySandbox : IAsyncDisposable
{
    private readonly string _state;

    private TerwaySandbox(SandboxHost host, string state, Kubernetes admin)
    {
        Host = host;
        _state = state;
        Admin = admin;
    }

    public SandboxHost Host { get; }

    /// <summary>The sandbox's progress output (synchronized); tests add their own step lines to it.</summary>
    public TextWriter Output { get; private init; } = TextWriter.Null;

    public Kubernetes Admin { get; }

    public SandboxContext Context => Host.Context;

    public IReadOnlyList<SandboxNode> Nodes => Context.Nodes;

    /// <summary>Skips the test unless the machine can run pods through Terway (root, cnirt).</summary>
    public static void RequireMachine()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Ignore("needs root: the sandbox's nodes and pods are network namespaces");
        }

        var cnirt = Environment.GetEnvironmentVariable("TERWAY_CNIRT");
        cnirt = string.IsNullOrEmpty(cnirt) ? "/usr/local/bin/cnirt" : cnirt;
        if (!File.Exists(cnirt))
        {
            Assert.Ignore($"the libcni driver is not installed ({cnirt}); build it with tools/cnirt/build.sh and set TERWAY_CNIRT");
        }

        if (TerwayPluginBinary.RepositoryRoot() is null && Environment.GetEnvironmentVariable(TerwayPluginBinary.EnvironmentVariable) is null)
        {
            Assert.Ignore("the terway plugin cannot be published: the tests do not run from the repository");
        }
    }

    /// <summary>Starts the sandbox with <paramref name="nodes"/> nodes and waits until every node's trunk ENI is a link in its namespace.</summary>
    public static async Task<TerwaySandbox> StartAsync(int nodes, StringWriter output)
    {
        var state = Path.Combine(Path.GetTempPath(), "terway-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var writer = TextWriter.Synchronized(output);
        var options = new SandboxOptions { Nodes = nodes, StateDirectory = state, NoDemo = true, Output = writer };
        SandboxHost host;
        try
        {
            host = await SandboxHost.StartAsync(options, TerwayExtensions.Create());
        }
        catch
        {
            // The sandbox stopped itself; its log stays for the failure's story.
            await TestContext.Out.WriteLineAsync($"{output}\nsandbox log kept: {Path.Combine(state, "logs", "sandbox.log")}");
            throw;
        }

        var sandbox = new TerwaySandbox(host, state, new Kubernetes(host.Context.KubeApi.CreateClientConfiguration())) { Output = writer };
        try
        {
            Assert.That(host.FabricMode, Is.True, host.ControlPlaneOnlyReason);
            await sandbox.WaitForTrunksAsync(TimeSpan.FromSeconds(60));
            return sandbox;
        }
        catch
        {
            sandbox.KeepLogs = true;
            await TestContext.Out.WriteLineAsync(output.ToString());
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>When set (a test failed), the sandbox's log stays in the state folder after the stop.</summary>
    public bool KeepLogs { get; set; }

    /// <summary>The sandbox's log file.</summary>
    public string LogFile => Context.Paths.LogFile;

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        if (KeepLogs)
        {
            await TestContext.Out.WriteLineAsync($"sandbox log kept: {LogFile}");
        }
        else if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    /// <summary>Applies YAML documents (as kubectl apply would).</summary>
    public async Task ApplyAsync(string yaml)
    {
        var applier = new ManifestApplier(Admin);
        await applier.ApplyAllAsync(ConfigFiles.Documents(yaml));
    }

    /// <summary>A PodNetworking in the simulated region's pod vSwitches and pod security group.</summary>
    public string PodNetworking(string name, string podLabel, string allocation) => $$"""
        apiVersion: network.alibabacloud.com/v1beta1
        kind: PodNetworking
        metadata:
          name: {{name}}
        spec:
          allocationType: {{allocation}}
          selector:
            podSelector:
              matchLabels:
                e2e: {{podLabel}}
          vSwitchOptions: [{{string.Join(", ", Context.CloudInfo.Zones.Select(z => z.PodVSwitchId))}}]
          securityGroupIDs: [{{Context.CloudInfo.PodSecurityGroupId}}]
        """;

    /// <summary>Waits until the PodNetworking is Ready (the webhook only matches Ready ones).</summary>
    public async Task WaitForPodNetworkingReadyAsync(string name, TimeSpan timeout)
    {
        await EventuallyAsync(async () =>
        {
            var pn = await GetPodNetworkingAsync(name);
            return pn?.Status?.Status == "Ready";
        }, timeout, $"PodNetworking {name} Ready");
    }

    public async Task<V1Beta1PodNetworking?> GetPodNetworkingAsync(string name)
    {
        try
        {
            var json = await Admin.CustomObjects.GetClusterCustomObjectAsync<JsonObject>(NetworkGroup.Name, NetworkGroup.Version, "podnetworkings", name);
            return KubernetesJson.Deserialize<V1Beta1PodNetworking>(json.ToJsonString());
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<V1Beta1PodEni>> ListPodEnisAsync()
    {
        var json = await Admin.CustomObjects.ListClusterCustomObjectAsync<JsonObject>(NetworkGroup.Name, NetworkGroup.Version, "podenis");
        return [.. (json["items"] as JsonArray ?? []).Select(i => KubernetesJson.Deserialize<V1Beta1PodEni>(i!.ToJsonString()))];
    }

    public async Task<V1Beta1PodEni?> GetPodEniAsync(string ns, string name) =>
        (await ListPodEnisAsync()).FirstOrDefault(p => p.Metadata.NamespaceProperty == ns && p.Metadata.Name == name);

    /// <summary>The pods of <paramref name="ns"/> with label e2e=<paramref name="label"/>, not being deleted.</summary>
    public async Task<IReadOnlyList<V1Pod>> PodsAsync(string ns, string label)
    {
        var list = await Admin.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "e2e=" + label);
        return [.. list.Items.Where(p => p.Metadata.DeletionTimestamp is null)];
    }

    /// <summary>Waits until <paramref name="count"/> pods of the label run with an IP, each wired by a kubelet; returns them.</summary>
    public async Task<IReadOnlyList<V1Pod>> WaitForRunningAsync(string ns, string label, int count, TimeSpan timeout)
    {
        IReadOnlyList<V1Pod> pods = [];
        await EventuallyAsync(async () =>
        {
            pods = await PodsAsync(ns, label);
            return pods.Count == count && pods.All(p => p.Status?.Phase == "Running" && !string.IsNullOrEmpty(p.Status.PodIP) && SandboxOf(p) is not null);
        }, timeout, $"{count} running pods e2e={label} in {ns}", () => string.Join("; ", pods.Select(p => $"{p.Metadata.Name} {p.Status?.Phase} {p.Spec?.NodeName} {p.Status?.PodIP}")));
        return pods;
    }

    /// <summary>The pod's sandbox (its network namespace) as its node's kubelet wired it, or null.</summary>
    public PodSandbox? SandboxOf(V1Pod pod)
    {
        var key = ObjectKey.From(pod);
        foreach (var kubelet in Host.Kubelets)
        {
            if (kubelet.Sandboxes.TryGetValue(key, out var sandbox) && sandbox.PodUid == pod.Metadata.Uid)
            {
                return sandbox;
            }
        }

        return null;
    }

    public SandboxNode NodeNamed(string name) => Nodes.Single(n => n.Name == name);

    public FabricNode FabricNodeOf(SandboxNode node) => Context.Fabric!.Nodes.Single(f => f.Name == node.InstanceId);

    /// <summary>Every node's namespace, as comparable lines (links, addresses, routes, rules, neighbours, tc).</summary>
    public async Task<Dictionary<string, SortedSet<string>>> SnapshotNodesAsync()
    {
        var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var node in Nodes)
        {
            result[node.Name] = await NamespaceSnapshot.CaptureAsync(FabricNodeOf(node).Path);
        }

        return result;
    }

    /// <summary>
    /// The node agent's checkpoint records (<c>node: attachments/file (pod)</c>) and the plugin's pending-release records on
    /// every node.
    /// </summary>
    public IReadOnlyList<string> CheckpointEntries() =>
        [.. Nodes.SelectMany(n =>
        {
            var lib = Path.Combine(Context.Paths.NodeDirectory(n.Name), "lib");
            return new[] { Path.Combine(lib, "attachments"), Path.Combine(lib, "pending-release") }
                .Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d))
                .Select(f => $"{n.Name}: {Path.GetRelativePath(lib, f)}{PodOf(f)}");
        })];

    public RegionSnapshot Cloud() => Context.Cloud.Snapshot();

    private static string PodOf(string recordFile)
    {
        try
        {
            var record = JsonNode.Parse(File.ReadAllText(recordFile));
            return record?["podName"] is { } name ? $" ({record["podNamespace"]}/{name})" : "";
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            // Removed or replaced while being read: the name alone still tells what was there.
            return "";
        }
    }

    /// <summary>ENIs the operator made for pods (member or secondary) still in the cloud.</summary>
    public IReadOnlyList<EniSnapshot> PodEnisInCloud() =>
        [.. Cloud().NetworkInterfaces.Where(e => e.Type is EniType.Member or EniType.Secondary)];

    private async Task WaitForTrunksAsync(TimeSpan timeout)
    {
        await EventuallyAsync(async () =>
        {
            var cloud = Cloud();
            foreach (var node in Nodes)
            {
                var v1 = await Admin.CoreV1.ReadNodeAsync(node.Name);
                if (v1.Metadata.Annotations?.TryGetValue(Annotations.TrunkOn, out var trunkId) != true
                    || cloud.FindEni(trunkId!) is not { Status: EniStatus.InUse } trunk
                    || FabricNodeOf(node).FindLinkByMac(System.Net.NetworkInformation.PhysicalAddress.Parse(trunk.MacAddress.Replace(':', '-'))) is null)
                {
                    return false;
                }
            }

            return true;
        }, timeout, "every node's trunk ENI InUse and a link in its namespace");
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds; fails the test naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s waiting for {what}" + (state is null ? "" : $": {state()}"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
