using k8s;
using k8s.Models;
using Terway.Sandbox.Tests.Support;

namespace Terway.Sandbox.Tests.Cluster;

/// <summary>Nodes, the scheduler and the workload controllers against the Kubernetes API emulator over HTTPS.</summary>
[TestFixture]
public sealed class SimulatedClusterTests
{
    private const string MemberEni = "aliyun/member-eni";
    private ClusterHarness _h = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _h = await ClusterHarness.StartAsync(nodes: 3);

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_h is not null)
        {
            await _h.DisposeAsync();
        }
    }

    [Test]
    public async Task Nodes_OnePerInstance_WithTerwaysMetadataAndReady()
    {
        var nodes = (await _h.Admin.CoreV1.ListNodeAsync()).Items;
        var snapshot = _h.Simulator.Snapshot();
        Assert.That(nodes, Has.Count.EqualTo(snapshot.Instances.Count));
        foreach (var instance in snapshot.Instances)
        {
            var node = nodes.Single(n => n.Spec.ProviderID == $"cn-hangzhou.{instance.InstanceId}");
            Assert.That(node.Metadata.Name, Is.EqualTo($"cn-hangzhou.{instance.PrimaryIpAddress}"));
            Assert.That(node.Metadata.Labels["topology.kubernetes.io/region"], Is.EqualTo("cn-hangzhou"));
            Assert.That(node.Metadata.Labels["topology.kubernetes.io/zone"], Is.EqualTo(instance.ZoneId));
            Assert.That(node.Metadata.Labels["node.kubernetes.io/instance-type"], Is.EqualTo("ecs.g7.xlarge"));
            Assert.That(node.Spec.PodCIDR, Does.StartWith("10.244."));
            Assert.That(node.Status.Conditions.Single(c => c.Type == "Ready").Status, Is.EqualTo("True"));
            Assert.That(node.Status.Addresses.Single(a => a.Type == "InternalIP").Address, Is.EqualTo(instance.PrimaryIpAddress));
            Assert.That(node.Status.Capacity["cpu"].ToString(), Is.EqualTo("4"));
            Assert.That(node.Status.Allocatable["pods"].ToString(), Is.EqualTo("110"));
        }

        Assert.That(nodes.Select(n => n.Spec.PodCIDR).Distinct().Count(), Is.EqualTo(nodes.Count), "podCIDRs are distinct");
    }

    [Test]
    public async Task Node_DeletedByHand_IsRegisteredAgain()
    {
        var name = _h.Cluster.Registry.Nodes[2].Name;
        await _h.Admin.CoreV1.DeleteNodeAsync(name);
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            var node = (await _h.Admin.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=" + name)).Items.SingleOrDefault();
            return node?.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        }), Is.True);
    }

    [Test]
    public async Task Scheduler_NodeSelectorAndZoneAffinity_BindToMatchingNodes()
    {
        var ns = await _h.CreateNamespaceAsync("sched");
        var zoneI = _h.Region.Zones[1].ZoneId;
        await CreatePodAsync(ns, "by-selector", p => p.Spec.NodeSelector = new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = zoneI });
        await CreatePodAsync(ns, "by-affinity", p => p.Spec.Affinity = ZoneAffinity(zoneI));
        foreach (var name in new[] { "by-selector", "by-affinity" })
        {
            var pod = await WaitBoundAsync(ns, name);
            var node = await _h.Admin.CoreV1.ReadNodeAsync(pod.Spec.NodeName);
            Assert.That(node.Metadata.Labels["topology.kubernetes.io/zone"], Is.EqualTo(zoneI), name);
            Assert.That(pod.Status.Conditions.Where(c => c.Type == "PodScheduled").Select(c => c.Status), Is.EqualTo(new[] { "True" }));
        }
    }

    [Test]
    public async Task Scheduler_ExtendedResources_PendingUntilANodeHasThemThenCounted()
    {
        var ns = await _h.CreateNamespaceAsync("eni");
        await CreatePodAsync(ns, "m1", p => p.Spec.Containers[0].Resources = MemberEniRequest());
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            var pod = await _h.GetPodAsync(ns, "m1");
            return pod.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable"
                && c.Message == "0/3 nodes are available: 3 Insufficient aliyun/member-eni.") == true;
        }), Is.True, "PodScheduled=False with the scheduler's summary");
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
            (await _h.Admin.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=m1,reason=FailedScheduling")).Items.Count > 0), Is.True, "a FailedScheduling event");
        Assert.That((await _h.GetPodAsync(ns, "m1")).Spec.NodeName, Is.Null);

        // The operator publishes member ENI capacity on one node once its trunk is attached.
        var node = _h.Cluster.Registry.Nodes[0].Name;
        await SetMemberEniCapacityAsync(node, 1);
        var bound = await WaitBoundAsync(ns, "m1");
        Assert.That(bound.Spec.NodeName, Is.EqualTo(node));
        Assert.That(bound.Status.Conditions.Where(c => c.Type == "PodScheduled").Select(c => c.Status), Is.EqualTo(new[] { "True" }), "the binding replaced the False condition");

        await CreatePodAsync(ns, "m2", p => p.Spec.Containers[0].Resources = MemberEniRequest());
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
            (await _h.GetPodAsync(ns, "m2")).Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False") == true), Is.True,
            "the node's only member ENI is taken by m1");
        await SetMemberEniCapacityAsync(node, 0);
    }

    [Test]
    public async Task StatefulSet_OrderedNamesOwnerAndRecreation()
    {
        var ns = await _h.CreateNamespaceAsync("sts");
        var sts = await _h.Admin.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 2,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = Template("db"),
            },
        }, ns);

        var db0 = await WaitPodAsync(ns, "db-0");
        Assert.That(db0.Metadata.OwnerReferences.Single(), Has.Property("Kind").EqualTo("StatefulSet").And.Property("Uid").EqualTo(sts.Metadata.Uid));
        Assert.That(db0.Metadata.Labels["statefulset.kubernetes.io/pod-name"], Is.EqualTo("db-0"));
        Assert.That(db0.Spec.Hostname, Is.EqualTo("db-0"));
        Assert.That(db0.Spec.Subdomain, Is.EqualTo("db"));
        Assert.That((await _h.PodsAsync(ns)).Select(p => p.Metadata.Name), Is.EqualTo(new[] { "db-0" }), "OrderedReady: db-1 waits for db-0");

        await WaitBoundAsync(ns, "db-0");
        await _h.MarkRunningAsync(ns, "db-0");
        var db1 = await WaitPodAsync(ns, "db-1");
        Assert.That(db1.Metadata.Labels["apps.kubernetes.io/pod-index"], Is.EqualTo("1"));

        // A deleted pod comes back under the same name (a new object).
        await _h.Admin.CoreV1.DeleteNamespacedPodAsync("db-0", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
            (await _h.PodsAsync(ns)).Any(p => p.Metadata.Name == "db-0" && p.Metadata.Uid != db0.Metadata.Uid)), Is.True, "db-0 recreated");

        // Scale down removes the highest ordinal.
        await _h.Admin.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "db", ns);
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
            (await _h.PodsAsync(ns)).Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name).SequenceEqual(["db-0"])), Is.True, "db-1 removed");
    }

    [Test]
    public async Task Deployment_ReplicaSetWithRandomSuffixPods_ScalesDown()
    {
        var ns = await _h.CreateNamespaceAsync("deploy");
        var deployment = await _h.Admin.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 3,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = Template("web"),
            },
        }, ns);

        Assert.That(await TestEnvironment.EventuallyAsync(async () => (await _h.PodsAsync(ns)).Count == 3), Is.True);
        await Task.Delay(300); // a lagging cache must not create a fourth pod
        var pods = await _h.PodsAsync(ns);
        var rs = (await _h.Admin.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Single();
        Assert.That(pods, Has.Count.EqualTo(3));
        Assert.That(rs.Metadata.Name, Does.Match("^web-[bcdfghjklmnpqrstvwxz2456789]+$"));
        Assert.That(rs.Metadata.OwnerReferences.Single(), Has.Property("Kind").EqualTo("Deployment").And.Property("Uid").EqualTo(deployment.Metadata.Uid));
        foreach (var pod in pods)
        {
            Assert.That(pod.Metadata.Name, Does.Match($"^{rs.Metadata.Name}-[a-z0-9]{{5}}$"));
            Assert.That(pod.Metadata.OwnerReferences.Single(), Has.Property("Kind").EqualTo("ReplicaSet").And.Property("Uid").EqualTo(rs.Metadata.Uid));
            Assert.That(pod.Metadata.Labels["pod-template-hash"], Is.EqualTo(rs.Metadata.Labels["pod-template-hash"]));
        }

        await _h.Admin.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(await TestEnvironment.EventuallyAsync(async () => (await _h.PodsAsync(ns)).Count(p => p.Metadata.DeletionTimestamp is null) == 1), Is.True);
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
            (await _h.Admin.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.Replicas == 1), Is.True, "deployment status follows");
    }

    private static V1PodTemplateSpec Template(string app) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }] },
    };

    private static V1ResourceRequirements MemberEniRequest() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { [MemberEni] = new("1") },
        Limits = new Dictionary<string, ResourceQuantity> { [MemberEni] = new("1") },
    };

    private static V1Affinity ZoneAffinity(string zone) => new()
    {
        NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
            {
                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "topology.kubernetes.io/zone", OperatorProperty = "In", Values = [zone] }] }],
            },
        },
    };

    private async Task CreatePodAsync(string ns, string name, Action<V1Pod> shape)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "busybox:1.36" }] },
        };
        shape(pod);
        await _h.Admin.CoreV1.CreateNamespacedPodAsync(pod, ns);
    }

    private async Task SetMemberEniCapacityAsync(string node, int count)
    {
        var quantity = new Dictionary<string, string> { [MemberEni] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var patch = new V1Patch(new { status = new { capacity = quantity, allocatable = quantity } }, V1Patch.PatchType.MergePatch);
        await _h.Admin.CoreV1.PatchNodeStatusAsync(patch, node);
    }

    private async Task<V1Pod> WaitPodAsync(string ns, string name)
    {
        V1Pod? found = null;
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            found = (await _h.PodsAsync(ns)).FirstOrDefault(p => p.Metadata.Name == name);
            return found is not null;
        }), Is.True, $"{ns}/{name} never appeared");
        return found!;
    }

    private async Task<V1Pod> WaitBoundAsync(string ns, string name)
    {
        V1Pod? pod = null;
        Assert.That(await TestEnvironment.EventuallyAsync(async () =>
        {
            pod = await _h.GetPodAsync(ns, name);
            return !string.IsNullOrEmpty(pod.Spec.NodeName);
        }), Is.True, $"{ns}/{name} never bound");
        return pod!;
    }
}
