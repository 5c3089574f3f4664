using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Client;
using Terway.Kube.Handlers;
using Terway.Kube.Queues;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Handlers;

[TestFixture]
public sealed class MappingTests
{
    [Test]
    public void Self_NamespacedObject_YieldsItsOwnKey()
    {
        var keys = Mappings.Self<V1Pod>()(Objects.Pod("ns", "a"));

        Assert.That(keys, Is.EqualTo(new[] { new ObjectKey("ns", "a") }));
    }

    [Test]
    public void Owner_ControllerReferenceOfKind_YieldsOwnerKeyInSameNamespace()
    {
        var pod = Objects.Pod("ns", "a");
        pod.Metadata.OwnerReferences =
        [
            new V1OwnerReference { ApiVersion = "network.alibabacloud.com/v1beta1", Kind = "PodENI", Name = "eni-owner", Uid = "u1", Controller = true },
            new V1OwnerReference { ApiVersion = "network.alibabacloud.com/v1beta1", Kind = "PodENI", Name = "not-controller", Uid = "u2" },
            new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "rs", Uid = "u3", Controller = true },
            new V1OwnerReference { ApiVersion = "other.io/v1", Kind = "PodENI", Name = "wrong-group", Uid = "u4", Controller = true },
        ];

        var controllerOnly = Mappings.Owner<V1Pod, TestPodEni>()(pod).ToList();
        var any = Mappings.Owner<V1Pod, TestPodEni>(onlyController: false)(pod).ToList();

        Assert.That(controllerOnly, Is.EqualTo(new[] { new ObjectKey("ns", "eni-owner") }));
        Assert.That(any, Is.EquivalentTo(new[] { new ObjectKey("ns", "eni-owner"), new ObjectKey("ns", "not-controller") }));
    }

    [Test]
    public void Owner_ClusterScopedOwner_YieldsKeyWithoutNamespace()
    {
        var pod = Objects.Pod("ns", "a");
        pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = "n1", Uid = "u", Controller = true }];

        var keys = Mappings.Owner<V1Pod, V1Node>()(pod);

        Assert.That(keys, Is.EqualTo(new[] { ObjectKey.Cluster("n1") }));
    }

    [Test]
    public void FromFunc_NodeEvent_EnqueuesEveryPodOnTheNode()
    {
        var pods = new[] { Objects.Pod("a", "p1", "n1"), Objects.Pod("b", "p2", "n1"), Objects.Pod("a", "p3", "n2") };
        var map = Mappings.FromFunc<V1Node>(node => pods.Where(p => p.Spec.NodeName == node.Metadata.Name).Select(ObjectKey.From));
        var queue = new WorkQueue<ObjectKey>(new FakeTimeProvider());
        var handler = new EnqueueHandler<V1Node>(queue, map);

        handler.OnAdd(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } }, false);

        Assert.That(queue.Length, Is.EqualTo(2));
    }

    [Test]
    public void FromFunc_PodEvent_EnqueuesPodEniWithSameName()
    {
        var map = Mappings.FromFunc<V1Pod>(pod => (ObjectKey?)new ObjectKey(pod.Metadata.NamespaceProperty, pod.Metadata.Name));

        Assert.That(map(Objects.Pod("ns", "web-0")), Is.EqualTo(new[] { new ObjectKey("ns", "web-0") }));
    }

    [Test]
    public void EnqueueHandler_UpdateMovingOwner_EnqueuesOldAndNewOwner()
    {
        var queue = new WorkQueue<ObjectKey>(new FakeTimeProvider());
        var handler = new EnqueueHandler<V1Pod>(queue, Mappings.FromFunc<V1Pod>(p => (ObjectKey?)ObjectKey.Cluster(p.Spec.NodeName)));

        handler.OnUpdate(Objects.Pod("ns", "a", "n1", rv: "1"), Objects.Pod("ns", "a", "n2", rv: "2"));

        Assert.That(queue.Length, Is.EqualTo(2));
    }

    [Test]
    public void EnqueueHandler_PredicateRejects_EnqueuesNothing()
    {
        var queue = new WorkQueue<ObjectKey>(new FakeTimeProvider());
        var handler = new EnqueueHandler<V1Pod>(queue, Mappings.Self<V1Pod>(), Predicates.GenerationChanged<V1Pod>());

        handler.OnUpdate(Objects.Pod("ns", "a", rv: "1"), Objects.Pod("ns", "a", rv: "2"));
        Assert.That(queue.Length, Is.Zero);

        handler.OnDelete(Objects.Pod("ns", "a"), finalStateUnknown: true);
        Assert.That(queue.Length, Is.EqualTo(1));
    }
}
