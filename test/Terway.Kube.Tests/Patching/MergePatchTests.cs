using System.Text.Json.Nodes;
using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Patching;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Patching;

[TestFixture]
public sealed class MergePatchTests
{
    [TestCase("{}", "{}", "{}")]
    [TestCase("{\"a\":1}", "{\"a\":2}", "{\"a\":2}")]
    [TestCase("{\"a\":1,\"b\":2}", "{\"a\":1}", "{\"b\":null}")]
    [TestCase("{\"a\":{\"x\":1,\"y\":2}}", "{\"a\":{\"x\":1,\"y\":3}}", "{\"a\":{\"y\":3}}")]
    [TestCase("{\"a\":[1,2]}", "{\"a\":[1,2,3]}", "{\"a\":[1,2,3]}")]
    [TestCase("{\"a\":[1,2]}", "{\"a\":[1,2]}", "{}")]
    [TestCase("{}", "{\"n\":{\"k\":\"v\"}}", "{\"n\":{\"k\":\"v\"}}")]
    public void Diff_Table_ProducesRfc7386Patch(string before, string after, string expected)
    {
        var diff = MergePatch.Diff(JsonNode.Parse(before), JsonNode.Parse(after));

        Assert.That(JsonNode.DeepEquals(diff, JsonNode.Parse(expected)), Is.True, diff?.ToJsonString());
    }

    [Test]
    public void From_LabelAdded_PatchesOnlyTheLabel()
    {
        var original = Objects.Pod("ns", "a", rv: "9");
        var modified = KubeObjects.DeepCopy(original);
        modified.Metadata.Labels = new Dictionary<string, string> { ["x"] = "1" };

        var patch = MergePatch.From(original, modified);

        Assert.That(patch.Kind, Is.EqualTo(PatchKind.Merge));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(patch.Body), JsonNode.Parse("{\"metadata\":{\"labels\":{\"x\":\"1\"}}}")), Is.True, patch.Body);
    }

    [Test]
    public void From_OptimisticLock_CarriesOriginalResourceVersion()
    {
        var original = Objects.Pod("ns", "a", rv: "9");
        original.Metadata.Finalizers = ["a"];
        var modified = KubeObjects.DeepCopy(original);
        modified.Metadata.Finalizers = ["a", "b"];

        var patch = MergePatch.From(original, modified, optimisticLock: true);

        var node = JsonNode.Parse(patch.Body)!;
        Assert.That((string?)node["metadata"]!["resourceVersion"], Is.EqualTo("9"));
        Assert.That(node["metadata"]!["finalizers"]!.AsArray().Select(n => (string?)n), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void From_NoChange_IsEmpty()
    {
        var original = Objects.Pod("ns", "a");

        Assert.That(MergePatch.IsEmpty(MergePatch.From(original, KubeObjects.DeepCopy(original))), Is.True);
    }

    [Test]
    public void JsonPatchBuilder_Operations_SerializeInOrderWithEscapedPaths()
    {
        var patch = new JsonPatchBuilder()
            .Test("/metadata/resourceVersion", "5")
            .Add($"/metadata/labels/{JsonPatchBuilder.Escape("k8s.aliyun.com/node")}", "n1")
            .Remove("/metadata/annotations/x")
            .Build();

        Assert.That(patch.Kind, Is.EqualTo(PatchKind.Json));
        Assert.That(patch.ContentType, Is.EqualTo("application/json-patch+json"));
        var ops = JsonNode.Parse(patch.Body)!.AsArray();
        Assert.That(ops.Select(o => (string?)o!["op"]), Is.EqualTo(new[] { "test", "add", "remove" }));
        Assert.That((string?)ops[1]!["path"], Is.EqualTo("/metadata/labels/k8s.aliyun.com~1node"));
    }

    [Test]
    public void ResourceType_Paths_CoreCustomAndClusterScoped()
    {
        Assert.That(ResourceType.Of<V1Pod>().ObjectPath(new ObjectKey("ns", "a"), "status"), Is.EqualTo("/api/v1/namespaces/ns/pods/a/status"));
        Assert.That(ResourceType.Of<V1Pod>().CollectionPath(null), Is.EqualTo("/api/v1/pods"));
        Assert.That(ResourceType.Of<V1Node>().Namespaced, Is.False);
        Assert.That(ResourceType.Of<V1Node>().ObjectPath(ObjectKey.Cluster("n1")), Is.EqualTo("/api/v1/nodes/n1"));
        Assert.That(ResourceType.Of<V1Lease>().ObjectPath(new ObjectKey("kube-system", "l")), Is.EqualTo("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l"));
        Assert.That(ResourceType.Of<TestPodEni>().CollectionPath("ns"), Is.EqualTo("/apis/network.alibabacloud.com/v1beta1/namespaces/ns/podenis"));
        Assert.That(ResourceType.Of<Eventsv1Event>().ApiVersion, Is.EqualTo("events.k8s.io/v1"));
        Assert.That(() => ResourceType.Of<V1Pod>().ObjectPath(ObjectKey.Cluster("a")), Throws.ArgumentException);
    }

    [Test]
    public void ResourceType_ScopeAttribute_ClusterScopedCustomResource()
    {
        Assert.That(ResourceType.Of<ClusterThing>().Namespaced, Is.False);
        Assert.That(ResourceType.Of<ClusterThing>().ObjectPath(ObjectKey.Cluster("x")), Is.EqualTo("/apis/example.io/v1/clusterthings/x"));
        Assert.That(ResourceType.Of<TestPodEni>().Namespaced, Is.True);
    }

    [Test]
    public void ResourceType_TerwayCrdModels_ScopeFromCustomResourceAttribute()
    {
        Assert.That(ResourceType.Of<Terway.Crds.V1Beta1.V1Beta1PodEni>().CollectionPath("ns"), Is.EqualTo("/apis/network.alibabacloud.com/v1beta1/namespaces/ns/podenis"));
        Assert.That(ResourceType.Of<Terway.Crds.V1Beta1.V1Beta1Node>().Namespaced, Is.False);
        Assert.That(ResourceType.Of<Terway.Crds.V1Beta1.V1Beta1PodNetworking>().Namespaced, Is.False);
    }

    [Test]
    public void ObjectKey_ParseAndFormat_RoundTrip()
    {
        Assert.That(ObjectKey.Parse("ns/a"), Is.EqualTo(new ObjectKey("ns", "a")));
        Assert.That(ObjectKey.Parse("n1"), Is.EqualTo(ObjectKey.Cluster("n1")));
        Assert.That(new ObjectKey("ns", "a").ToString(), Is.EqualTo("ns/a"));
    }
}

[AttributeUsage(AttributeTargets.Class)]
internal sealed class ScopeMarkerAttribute(string scope) : Attribute
{
    public string Scope { get; } = scope;
}

[k8s.Models.KubernetesEntity(Group = "example.io", ApiVersion = "v1", Kind = "ClusterThing", PluralName = "clusterthings")]
[ScopeMarker("Cluster")]
internal sealed class ClusterThing : k8s.IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "example.io/v1";

    public string Kind { get; set; } = "ClusterThing";

    public V1ObjectMeta Metadata { get; set; } = new();
}
