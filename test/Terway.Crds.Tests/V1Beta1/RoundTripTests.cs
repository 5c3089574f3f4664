using System.Text.Json.Nodes;
using k8s;
using Terway.Crds.PodAnnotations;
using Terway.Crds.Tests.Support;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.V1Beta1;

/// <summary>
/// Terway-shaped objects read into the C# types and written back with KubernetesJson must
/// come out as the same JSON tree: nothing lost, nothing renamed, nothing added.
/// </summary>
[TestFixture]
public sealed class RoundTripTests
{
    private static IEnumerable<TestCaseData> Objects()
    {
        yield return Case<V1Beta1PodNetworking>(RepoPaths.Config("samples", "network_v1beta1_podnetworking.yaml"), "IssueManifest");
        yield return Case<V1Beta1PodNetworking>(RepoPaths.Config("samples", "network_v1beta1_podnetworking_elastic.yaml"), "ElasticSample");
        yield return Case<V1Beta1PodNetworking>(RepoPaths.Config("samples", "network_v1beta1_podnetworking_trunk.yaml"), "TrunkSample");
        yield return Case<V1Beta1PodNetworking>(RepoPaths.Fixture("podnetworking-status.yaml"), "WithConditions");
        yield return Case<V1Beta1PodEni>(RepoPaths.Fixture("podeni-trunk-terway.yaml"), "TerwayTrunkPodEni");
        yield return Case<V1Beta1Node>(RepoPaths.Fixture("node-terway.yaml"), "TerwayNodeCr");

        static TestCaseData Case<T>(string path, string name) =>
            new TestCaseData(path, typeof(T)).SetName($"RoundTrip_{name}_PreservesEveryField");
    }

    [TestCaseSource(nameof(Objects))]
    public void RoundTrip_Object_PreservesEveryField(string path, Type type)
    {
        var input = YamlJson.Parse(File.ReadAllText(path));

        var typed = Deserialize(input, type);
        var output = JsonNode.Parse(KubernetesJson.Serialize(typed));

        Assert.That(JsonTrees.Differences(input, output), Is.Empty);
    }

    [Test]
    public void IssueManifest_Deserialized_ReadsTerwayFields()
    {
        var pn = Read<V1Beta1PodNetworking>(RepoPaths.Config("samples", "network_v1beta1_podnetworking.yaml"));

        Assert.Multiple(() =>
        {
            Assert.That(pn.Metadata.Name, Is.EqualTo("test-networking"));
            Assert.That(pn.Spec.AllocationType!.Type, Is.EqualTo(IPAllocTypes.Fixed));
            Assert.That(pn.Spec.AllocationType.ReleaseStrategy, Is.EqualTo(ReleaseStrategies.Ttl));
            Assert.That(pn.Spec.AllocationType.ReleaseAfter, Is.EqualTo("5m0s"));
            Assert.That(pn.Spec.Selector!.PodSelector!.MatchLabels["foo"], Is.EqualTo("bar"));
            Assert.That(pn.Spec.Selector.NamespaceSelector!.MatchLabels["foo"], Is.EqualTo("bar"));
            Assert.That(pn.Spec.VSwitchOptions, Is.EqualTo(new[] { "vsw-aaa" }));
            Assert.That(pn.Spec.SecurityGroupIds, Is.EqualTo(new[] { "sg-aaa" }));
            Assert.That(pn.Status, Is.Null);
        });
    }

    [Test]
    public void TerwayPodEni_Deserialized_ReadsAllocationAndEniInfos()
    {
        var podEni = Read<V1Beta1PodEni>(RepoPaths.Fixture("podeni-trunk-terway.yaml"));
        var allocation = podEni.Spec.Allocations![0];
        var info = podEni.Status!.EniInfos!["eni-bp1a2b3c4d5e6f7g8h9i"];

        Assert.Multiple(() =>
        {
            Assert.That(allocation.Eni!.VpcId, Is.EqualTo("vpc-bp1qpo0kug3a20qqe5xxx"));
            Assert.That(allocation.Eni.VSwitchId, Is.EqualTo("vsw-aaa"));
            Assert.That(allocation.Eni.AttachmentOptions!.Trunk, Is.True);
            Assert.That(allocation.Ipv4Cidr, Is.EqualTo("192.168.10.0/24"));
            Assert.That(allocation.AllocationType!.ReleaseAfter, Is.EqualTo("5m0s"));
            Assert.That(podEni.Status.Phase, Is.EqualTo(PodEniPhases.Bind));
            Assert.That(podEni.Status.InstanceId, Is.EqualTo("i-bp1cbdefghijklmn0001"));
            Assert.That(podEni.Status.TrunkEniId, Is.EqualTo("eni-bp1trunk000000000001"));
            Assert.That(podEni.Status.PodLastSeen, Is.EqualTo(new DateTime(2024, 5, 1, 8, 31, 2, DateTimeKind.Utc)));
            Assert.That(info.Type, Is.EqualTo(EniTypes.Member));
            Assert.That(info.Vid, Is.EqualTo(1001));
            Assert.That(info.VfId, Is.EqualTo(3u));
        });
    }

    [Test]
    public void TerwayNodeCr_Deserialized_ReadsPoolAndIps()
    {
        var node = Read<V1Beta1Node>(RepoPaths.Fixture("node-terway.yaml"));
        var trunk = node.Status!.NetworkInterfaces!["eni-bp1trunk000000000001"];

        Assert.Multiple(() =>
        {
            Assert.That(node.Spec.NodeCap!.MemberAdapterLimit, Is.EqualTo(130));
            Assert.That(node.Spec.Eni!.VSwitchSelectPolicy, Is.EqualTo(VSwitchSelectionPolicies.Most));
            Assert.That(node.Spec.Pool!.Reclaim!.After, Is.EqualTo("10m0s"));
            Assert.That(node.Spec.Flavor![1].Count, Is.EqualTo(6));
            Assert.That(trunk.NetworkInterfaceType, Is.EqualTo(EniTypes.Trunk));
            Assert.That(trunk.Ipv4!["192.168.10.21"].PodId, Is.EqualTo("default/web-7d9f8c-abcde"));
            Assert.That(trunk.Ipv4["192.168.10.20"].Primary, Is.True);
            Assert.That(node.Status.NetworkInterfaces["eni-bp1prefix00000000002"].Ipv4Prefix![1].Status, Is.EqualTo(IPPrefixStatuses.Frozen));
        });
    }

    [Test]
    public void PodEni_InitialPhaseAndUnknownValues_RoundTripWithoutError()
    {
        const string json = """
            {"apiVersion":"network.alibabacloud.com/v1beta1","kind":"PodENI","metadata":{"name":"p","namespace":"n"},
             "spec":{"allocations":[{"allocationType":{"type":"Sticky"}}]},
             "status":{"phase":"","eniInfos":{"eni-1":{"id":"eni-1","type":"Quantum","status":"Hibernating"}}}}
            """;

        var podEni = KubernetesJson.Deserialize<V1Beta1PodEni>(json);
        var back = JsonNode.Parse(KubernetesJson.Serialize(podEni));

        Assert.Multiple(() =>
        {
            Assert.That(podEni.Status!.Phase, Is.EqualTo(PodEniPhases.Initial));
            Assert.That(PodEniPhases.IsKnown(podEni.Status.Phase), Is.True);
            Assert.That(PodEniPhases.IsKnown("Hibernating"), Is.False);
            Assert.That(podEni.Status.EniInfos!["eni-1"].Type, Is.EqualTo("Quantum"));
            Assert.That(JsonTrees.Differences(JsonNode.Parse(json), back), Is.Empty);
        });
    }

    [Test]
    public void NewObject_Serialized_CarriesApiVersionKindAndOmitsNulls()
    {
        var pn = new V1Beta1PodNetworking { Metadata = new() { Name = "x" } };

        var json = JsonNode.Parse(KubernetesJson.Serialize(pn))!;

        Assert.That(json.ToJsonString(), Is.EqualTo("""{"apiVersion":"network.alibabacloud.com/v1beta1","kind":"PodNetworking","metadata":{"name":"x"},"spec":{}}"""));
    }

    [Test]
    public void PodNetworksAnnotation_RoundTrip_PreservesEveryField()
    {
        var text = File.ReadAllText(RepoPaths.Fixture("pod-networks.json"));

        var annotation = KubernetesJson.Deserialize<PodNetworksAnnotation>(text);
        var back = JsonNode.Parse(KubernetesJson.Serialize(annotation));

        Assert.Multiple(() =>
        {
            Assert.That(annotation.PodNetworks![0].AllocationType!.ReleaseAfter, Is.EqualTo("1h0m0s"));
            Assert.That(annotation.PodNetworks[0].EniOptions!.EniType, Is.EqualTo(EniAttachTypes.Trunk));
            Assert.That(JsonTrees.Differences(JsonNode.Parse(text), back), Is.Empty);
        });
    }

    [Test]
    public void PodNetworksRequestAnnotation_RoundTrip_PreservesEveryField()
    {
        var text = File.ReadAllText(RepoPaths.Fixture("pod-networks-request.json"));

        var requests = KubernetesJson.Deserialize<List<PodNetworkRequest>>(text);
        var back = JsonNode.Parse(KubernetesJson.Serialize(requests));

        Assert.Multiple(() =>
        {
            Assert.That(requests.Select(r => r.Network), Is.EqualTo(new[] { "default-net", "storage-net" }));
            Assert.That(requests[1].Routes![0].Dst, Is.EqualTo("172.16.0.0/12"));
            Assert.That(JsonTrees.Differences(JsonNode.Parse(text), back), Is.Empty);
        });
    }

    private static T Read<T>(string path) => KubernetesJson.Deserialize<T>(YamlJson.Parse(File.ReadAllText(path)).ToJsonString());

    private static object Deserialize(JsonNode input, Type type) =>
        typeof(KubernetesJson).GetMethods()
            .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.IsGenericMethod && m.GetParameters() is [{ ParameterType: var p }, ..] && p == typeof(string))
            .MakeGenericMethod(type)
            .Invoke(null, [input.ToJsonString(), null])!;
}
