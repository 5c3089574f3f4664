using k8s.Models;
using Terway.Kube.Handlers;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Handlers;

[TestFixture]
public sealed class PredicateTests
{
    private static V1Pod WithLabels(V1Pod pod, params (string K, string V)[] labels)
    {
        pod.Metadata.Labels = labels.ToDictionary(l => l.K, l => l.V);
        return pod;
    }

    [Test]
    public void GenerationChanged_StatusOnlyUpdate_IsFiltered()
    {
        var p = Predicates.GenerationChanged<V1Pod>();

        Assert.That(p.Update(Objects.Pod("ns", "a", rv: "1", generation: 1), Objects.Pod("ns", "a", rv: "2", generation: 1)), Is.False);
        Assert.That(p.Update(Objects.Pod("ns", "a", rv: "1", generation: 1), Objects.Pod("ns", "a", rv: "2", generation: 2)), Is.True);
        Assert.That(p.Create(Objects.Pod("ns", "a")), Is.True);
        Assert.That(p.Delete(Objects.Pod("ns", "a")), Is.True);
    }

    [Test]
    public void LabelsChanged_SameLabelsDifferentOrder_IsFiltered()
    {
        var p = Predicates.LabelsChanged<V1Pod>();
        var a = WithLabels(Objects.Pod("ns", "a"), ("x", "1"), ("y", "2"));
        var b = WithLabels(Objects.Pod("ns", "a"), ("y", "2"), ("x", "1"));
        var c = WithLabels(Objects.Pod("ns", "a"), ("x", "1"), ("y", "3"));

        Assert.That(p.Update(a, b), Is.False);
        Assert.That(p.Update(a, c), Is.True);
        Assert.That(p.Update(Objects.Pod("ns", "a"), WithLabels(Objects.Pod("ns", "a"))), Is.False, "null and empty labels are equal");
    }

    [Test]
    public void AnnotationsChanged_AnnotationAdded_Passes()
    {
        var p = Predicates.AnnotationsChanged<V1Pod>();
        var before = Objects.Pod("ns", "a");
        var after = Objects.Pod("ns", "a");
        after.Metadata.Annotations = new Dictionary<string, string> { ["k8s.aliyun.com/pod-eni"] = "true" };

        Assert.That(p.Update(before, after), Is.True);
        Assert.That(p.Update(after, after), Is.False);
    }

    [Test]
    public void ResourceVersionChanged_ResyncReplay_IsFiltered()
    {
        var p = Predicates.ResourceVersionChanged<V1Pod>();

        Assert.That(p.Update(Objects.Pod("ns", "a", rv: "5"), Objects.Pod("ns", "a", rv: "5")), Is.False);
        Assert.That(p.Update(Objects.Pod("ns", "a", rv: "5"), Objects.Pod("ns", "a", rv: "6")), Is.True);
    }

    [Test]
    public void Where_CustomLambda_AppliesToEveryEventKindAndNewObject()
    {
        var p = Predicates.Where<V1Pod>(pod => pod.Spec.NodeName == "n1");

        Assert.That(p.Create(Objects.Pod("ns", "a", "n1")), Is.True);
        Assert.That(p.Create(Objects.Pod("ns", "a", "n2")), Is.False);
        Assert.That(p.Update(Objects.Pod("ns", "a", "n2"), Objects.Pod("ns", "a", "n1")), Is.True);
        Assert.That(p.Delete(Objects.Pod("ns", "a", "n2")), Is.False);
    }

    [Test]
    public void Combinators_AndOrNot_ComposeAsBooleanLogic()
    {
        var gen = Predicates.GenerationChanged<V1Pod>();
        var labels = Predicates.LabelsChanged<V1Pod>();
        var old = Objects.Pod("ns", "a", generation: 1);
        var labelOnly = WithLabels(Objects.Pod("ns", "a", generation: 1), ("x", "1"));

        Assert.That((gen & labels).Update(old, labelOnly), Is.False);
        Assert.That((gen | labels).Update(old, labelOnly), Is.True);
        Assert.That((!gen).Update(old, labelOnly), Is.True);
        Assert.That(Predicates.And(gen, labels).Update(old, labelOnly), Is.False);
        Assert.That(Predicates.Or(gen, labels).Update(old, labelOnly), Is.True);
        Assert.That(Predicates.Not(labels).Update(old, labelOnly), Is.False);
        Assert.That(Predicates.Or<V1Pod>().Create(old), Is.False, "an empty Or passes nothing");
        Assert.That(Predicates.And<V1Pod>().Create(old), Is.True, "an empty And passes everything");
    }
}
