using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Cache;

[TestFixture]
public sealed class ResourceCacheTests
{
    private const string ByNode = "spec.nodeName";

    private static ResourceCache<V1Pod> NewPodCache(bool detect = false)
    {
        var cache = new ResourceCache<V1Pod>(new CacheOptions { DetectMutations = detect });
        cache.AddIndex(ByNode, Indexes.ByField<V1Pod>(p => p.Spec?.NodeName));
        return cache;
    }

    [Test]
    public void TryGet_StoredObject_ReturnsSameInstanceWithoutCopy()
    {
        var cache = NewPodCache();
        var pod = Objects.Pod("ns", "a", "n1");
        cache.Upsert(pod);

        Assert.That(cache.TryGet(new ObjectKey("ns", "a"), out var got), Is.True);
        Assert.That(got, Is.SameAs(pod));
        Assert.That(cache.Get(new ObjectKey("ns", "missing")), Is.Null);
    }

    [Test]
    public void ByIndex_PodsByNode_ReturnsPodsOnThatNode()
    {
        var cache = NewPodCache();
        cache.Upsert(Objects.Pod("ns", "a", "n1"));
        cache.Upsert(Objects.Pod("ns", "b", "n1"));
        cache.Upsert(Objects.Pod("other", "c", "n2"));
        cache.Upsert(Objects.Pod("ns", "d"));

        var onN1 = cache.ByIndex(ByNode, "n1").Select(p => p.Metadata.Name).Order();

        Assert.That(onN1, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(cache.KeysByIndex(ByNode, "n2"), Is.EqualTo(new[] { new ObjectKey("other", "c") }));
        Assert.That(cache.ByIndex(ByNode, "n3"), Is.Empty);
    }

    [Test]
    public void Upsert_NodeChanged_MovesObjectBetweenIndexValues()
    {
        var cache = NewPodCache();
        cache.Upsert(Objects.Pod("ns", "a", "n1", rv: "1"));

        cache.Upsert(Objects.Pod("ns", "a", "n2", rv: "2"));

        Assert.That(cache.ByIndex(ByNode, "n1"), Is.Empty);
        Assert.That(cache.ByIndex(ByNode, "n2").Single().Metadata.ResourceVersion, Is.EqualTo("2"));
        Assert.That(cache.Count, Is.EqualTo(1));
    }

    [Test]
    public void Remove_Object_DisappearsFromAllIndexes()
    {
        var cache = NewPodCache();
        cache.Upsert(Objects.Pod("ns", "a", "n1"));

        var removed = cache.Remove(new ObjectKey("ns", "a"));

        Assert.That(removed?.Metadata.Name, Is.EqualTo("a"));
        Assert.That(cache.ByIndex(ByNode, "n1"), Is.Empty);
        Assert.That(cache.List("ns"), Is.Empty);
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public void List_ByNamespace_UsesNamespaceIndex()
    {
        var cache = NewPodCache();
        cache.Upsert(Objects.Pod("a", "p1"));
        cache.Upsert(Objects.Pod("a", "p2"));
        cache.Upsert(Objects.Pod("b", "p3"));

        Assert.That(cache.List("a").Select(p => p.Metadata.Name).Order(), Is.EqualTo(new[] { "p1", "p2" }));
        Assert.That(cache.List(), Has.Count.EqualTo(3));
    }

    [Test]
    public void AddIndex_AfterObjectsStored_IndexesExistingObjects()
    {
        var cache = new ResourceCache<TestPodEni>();
        cache.Upsert(Objects.PodEni("ns", "e1", node: "n1"));
        cache.Upsert(Objects.PodEni("ns", "e2", node: "n2"));

        cache.AddIndex(Indexes.LabelIndexName("k8s.aliyun.com/node"), Indexes.ByLabel<TestPodEni>("k8s.aliyun.com/node"));

        Assert.That(cache.ByIndex(Indexes.LabelIndexName("k8s.aliyun.com/node"), "n2").Single().Metadata.Name, Is.EqualTo("e2"));
    }

    [Test]
    public void AddIndex_SameNameTwice_Throws()
    {
        var cache = NewPodCache();

        Assert.That(() => cache.AddIndex(ByNode, Indexes.ByField<V1Pod>(p => p.Spec?.NodeName)), Throws.InvalidOperationException);
    }

    [Test]
    public void ByIndex_UnknownIndex_Throws()
    {
        var cache = NewPodCache();

        Assert.That(() => cache.ByIndex("nope", "x"), Throws.ArgumentException);
    }

    [Test]
    public void GetForUpdate_MutatingTheCopy_LeavesCachedObjectUntouched()
    {
        var cache = NewPodCache(detect: true);
        cache.Upsert(Objects.Pod("ns", "a", "n1"));

        var copy = cache.GetForUpdate(new ObjectKey("ns", "a"))!;
        copy.Metadata.Labels = new Dictionary<string, string> { ["changed"] = "yes" };

        Assert.That(cache.Get(new ObjectKey("ns", "a"))!.Metadata.Labels, Is.Null);
        Assert.That(copy, Is.Not.SameAs(cache.Get(new ObjectKey("ns", "a"))));
        Assert.DoesNotThrow(cache.VerifyNoMutations);
    }

    [Test]
    public void VerifyNoMutations_CallerChangedSharedInstance_ReportsTheKey()
    {
        var cache = NewPodCache(detect: true);
        cache.Upsert(Objects.Pod("ns", "a", "n1"));
        cache.Upsert(Objects.Pod("ns", "b", "n1"));

        cache.Get(new ObjectKey("ns", "b"))!.Spec.NodeName = "elsewhere";

        var ex = Assert.Throws<CacheMutationException>(cache.VerifyNoMutations);
        Assert.That(ex!.Keys, Is.EqualTo(new[] { new ObjectKey("ns", "b") }));
    }

    [Test]
    public void VerifyNoMutations_MutatedObjectReplacedByWatch_StillReported()
    {
        var cache = NewPodCache(detect: true);
        cache.Upsert(Objects.Pod("ns", "a", "n1", rv: "1"));
        cache.Get(new ObjectKey("ns", "a"))!.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };

        cache.Upsert(Objects.Pod("ns", "a", "n1", rv: "2"));

        Assert.Throws<CacheMutationException>(cache.VerifyNoMutations);
    }

    [Test]
    public void Upsert_MutatedSharedInstance_IndexStaysConsistentWithStoredValues()
    {
        var cache = NewPodCache();
        cache.Upsert(Objects.Pod("ns", "a", "n1", rv: "1"));

        // A contract breach must not corrupt the index: removal uses the values computed at insert.
        cache.Get(new ObjectKey("ns", "a"))!.Spec.NodeName = "n9";
        cache.Upsert(Objects.Pod("ns", "a", "n2", rv: "2"));

        Assert.That(cache.ByIndex(ByNode, "n1"), Is.Empty);
        Assert.That(cache.ByIndex(ByNode, "n9"), Is.Empty);
        Assert.That(cache.ByIndex(ByNode, "n2"), Has.Count.EqualTo(1));
    }

    [Test]
    public void DeepCopy_CustomResource_RoundTripsAllFields()
    {
        var eni = Objects.PodEni("ns", "e1", rv: "7", node: "n1");
        eni.Spec.EniId = "eni-1";
        eni.Status.Phase = "Bind";

        var copy = KubeObjects.DeepCopy(eni);

        Assert.That(copy, Is.Not.SameAs(eni));
        Assert.That((copy.Spec.EniId, copy.Status.Phase, copy.Metadata.ResourceVersion), Is.EqualTo(("eni-1", "Bind", "7")));
    }
}
