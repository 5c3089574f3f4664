using k8s;
using k8s.Models;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.Tests.V1Beta1;

[TestFixture]
public sealed class EntityMetadataTests
{
    [TestCase(typeof(V1Beta1PodNetworking), "PodNetworking", "podnetworkings")]
    [TestCase(typeof(V1Beta1PodEni), "PodENI", "podenis")]
    [TestCase(typeof(V1Beta1Node), "Node", "nodes")]
    public void KubernetesEntity_ReadByTheClient_NamesTheNetworkGroup(Type type, string kind, string plural)
    {
        var entity = type.GetKubernetesTypeMetadata();

        Assert.Multiple(() =>
        {
            Assert.That(entity.Group, Is.EqualTo("network.alibabacloud.com"));
            Assert.That(entity.ApiVersion, Is.EqualTo("v1beta1"));
            Assert.That(entity.Kind, Is.EqualTo(kind));
            Assert.That(entity.PluralName, Is.EqualTo(plural));
        });
    }

    [Test]
    public void KubernetesList_OfPodEnis_Deserializes()
    {
        const string json = """
            {"apiVersion":"network.alibabacloud.com/v1beta1","kind":"PodENIList","metadata":{"resourceVersion":"9"},
             "items":[{"apiVersion":"network.alibabacloud.com/v1beta1","kind":"PodENI","metadata":{"name":"a","namespace":"n"},"spec":{},"status":{"phase":"Bind"}}]}
            """;

        var list = KubernetesJson.Deserialize<KubernetesList<V1Beta1PodEni>>(json);

        Assert.Multiple(() =>
        {
            Assert.That(list.Metadata.ResourceVersion, Is.EqualTo("9"));
            Assert.That(list.Items.Single().Status!.Phase, Is.EqualTo(PodEniPhases.Bind));
        });
    }

    [Test]
    public void RootTypes_ImplementTheClientInterfaces()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new V1Beta1PodEni(), Is.InstanceOf<IKubernetesObject<V1ObjectMeta>>().And.InstanceOf<ISpec<PodEniSpec>>().And.InstanceOf<IStatus<PodEniStatus?>>());
            Assert.That(new V1Beta1Node(), Is.InstanceOf<IKubernetesObject<V1ObjectMeta>>().And.InstanceOf<ISpec<NodeSpec>>());
            Assert.That(new PodNetworkingStatus(), Is.InstanceOf<IConditionedStatus>());
            Assert.That(new NodeStatus(), Is.InstanceOf<IConditionedStatus>());
        });
    }
}
