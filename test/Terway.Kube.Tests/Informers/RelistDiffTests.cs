using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Informers;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Informers;

[TestFixture]
public sealed class RelistDiffTests
{
    private static Dictionary<ObjectKey, V1Pod> Cache(params V1Pod[] pods) => pods.ToDictionary(ObjectKey.From);

    [Test]
    public void Compute_EmptyCache_AllAdded()
    {
        var events = RelistDiff.Compute(Cache(), [Objects.Pod("ns", "a"), Objects.Pod("ns", "b")]);

        Assert.That(events.Select(e => (e.Kind, e.Object.Metadata.Name)),
            Is.EqualTo(new[] { (InformerEventKind.Added, "a"), (InformerEventKind.Added, "b") }));
    }

    [Test]
    public void Compute_UnchangedResourceVersion_NoEvent()
    {
        var events = RelistDiff.Compute(Cache(Objects.Pod("ns", "a", rv: "5")), [Objects.Pod("ns", "a", rv: "5")]);

        Assert.That(events, Is.Empty);
    }

    [Test]
    public void Compute_ChangedResourceVersion_UpdatedWithOldObject()
    {
        var old = Objects.Pod("ns", "a", rv: "5");
        var events = RelistDiff.Compute(Cache(old), [Objects.Pod("ns", "a", rv: "8")]);

        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Kind, Is.EqualTo(InformerEventKind.Updated));
        Assert.That(events[0].OldObject, Is.SameAs(old));
        Assert.That(events[0].Object.Metadata.ResourceVersion, Is.EqualTo("8"));
    }

    [Test]
    public void Compute_MissingFromList_DeletedWithLastKnownStateAndFinalStateUnknown()
    {
        var gone = Objects.Pod("ns", "gone", rv: "3");
        var events = RelistDiff.Compute(Cache(gone, Objects.Pod("ns", "kept", rv: "4")), [Objects.Pod("ns", "kept", rv: "4")]);

        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Kind, Is.EqualTo(InformerEventKind.Deleted));
        Assert.That(events[0].FinalStateUnknown, Is.True);
        Assert.That(events[0].Object, Is.SameAs(gone));
    }

    [Test]
    public void Compute_Mixed_AddUpdateDeleteEachOnceDeletesLast()
    {
        var cached = Cache(Objects.Pod("ns", "same", rv: "1"), Objects.Pod("ns", "changed", rv: "1"), Objects.Pod("ns", "deleted", rv: "1"));
        V1Pod[] listed = [Objects.Pod("ns", "same", rv: "1"), Objects.Pod("ns", "changed", rv: "2"), Objects.Pod("ns", "new", rv: "3")];

        var events = RelistDiff.Compute(cached, listed);

        Assert.That(events.Select(e => (e.Kind, e.Object.Metadata.Name)), Is.EqualTo(new[]
        {
            (InformerEventKind.Updated, "changed"),
            (InformerEventKind.Added, "new"),
            (InformerEventKind.Deleted, "deleted"),
        }));
    }

    [Test]
    public void Compute_DeletedAndRecreatedWithSameName_IsUpdateToNewObject()
    {
        var events = RelistDiff.Compute(Cache(Objects.Pod("ns", "a", rv: "1")), [Objects.Pod("ns", "a", rv: "9")]);

        Assert.That(events.Single().Kind, Is.EqualTo(InformerEventKind.Updated));
    }

    [Test]
    public void WatchLine_Added_ParsesTypedObject()
    {
        var line = "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"12\"},\"spec\":{\"nodeName\":\"n1\",\"containers\":[]}}}";

        var ev = WatchLineParser.Parse<V1Pod>(line);

        Assert.That((ev.Type, ev.ResourceVersion, ev.Object!.Spec.NodeName), Is.EqualTo((WatchEventType.Added, "12", "n1")));
    }

    [Test]
    public void WatchLine_CustomResource_ParsesTypedModel()
    {
        var line = "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"network.alibabacloud.com/v1beta1\",\"kind\":\"PodENI\",\"metadata\":{\"name\":\"e\",\"namespace\":\"ns\",\"resourceVersion\":\"3\"},\"spec\":{\"eniId\":\"eni-1\"},\"status\":{\"phase\":\"Bind\"}}}";

        var ev = WatchLineParser.Parse<TestPodEni>(line);

        Assert.That((ev.Type, ev.Object!.Spec.EniId, ev.Object.Status.Phase), Is.EqualTo((WatchEventType.Modified, "eni-1", "Bind")));
    }

    [Test]
    public void WatchLine_Bookmark_CarriesOnlyResourceVersion()
    {
        var ev = WatchLineParser.Parse<V1Pod>("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"77\"}}}");

        Assert.That((ev.Type, ev.ResourceVersion), Is.EqualTo((WatchEventType.Bookmark, "77")));
    }

    [Test]
    public void WatchLine_Error410_BecomesGoneException()
    {
        var ev = WatchLineParser.Parse<V1Pod>("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"too old resource version: 1 (5)\",\"reason\":\"Expired\",\"code\":410}}");

        var ex = WatchLineParser.ToException(ev.Status);

        Assert.That(ev.Type, Is.EqualTo(WatchEventType.Error));
        Assert.That(ex.IsGone, Is.True);
        Assert.That(ex.Reason, Is.EqualTo("Expired"));
    }
}
