using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Terway.Kube.Tests.Support;

/// <summary>A small stand-in for the PodENI custom resource (typed model, namespaced, with status).</summary>
[KubernetesEntity(Group = "network.alibabacloud.com", ApiVersion = "v1beta1", Kind = "PodENI", PluralName = "podenis")]
public sealed class TestPodEni : IKubernetesObject<V1ObjectMeta>, ISpec<TestPodEniSpec>, IStatus<TestPodEniStatus>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "network.alibabacloud.com/v1beta1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "PodENI";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TestPodEniSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public TestPodEniStatus Status { get; set; } = new();
}

public sealed class TestPodEniSpec
{
    [JsonPropertyName("eniId")]
    public string? EniId { get; set; }
}

public sealed class TestPodEniStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("counter")]
    public int? Counter { get; set; }

    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }
}

internal static class Objects
{
    public static V1Pod Pod(string ns, string name, string? node = null, string rv = "1", long generation = 1, IDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            ResourceVersion = rv,
            Generation = generation,
            Uid = $"uid-{ns}-{name}",
            Labels = labels,
        },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    public static TestPodEni PodEni(string ns, string name, string rv = "1", string? node = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            ResourceVersion = rv,
            Labels = node is null ? null : new Dictionary<string, string> { ["k8s.aliyun.com/node"] = node },
        },
    };
}
