using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.PodAnnotations;
using Terway.Crds.V1Beta1;
using Terway.Operator.Webhooks.Pods;

namespace Terway.Operator.Tests.Webhooks.Support;

/// <summary>Builders for the objects webhook tests feed in.</summary>
internal static class Objects
{
    public static V1Pod Pod(
        string name = "web-0",
        string ns = "apps",
        IDictionary<string, string>? labels = null,
        IDictionary<string, string>? annotations = null,
        string? ownerKind = "StatefulSet",
        bool hostNetwork = false,
        int containers = 1) => new()
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = labels ?? new Dictionary<string, string> { ["app"] = "web" },
                Annotations = annotations,
                OwnerReferences = ownerKind is null ? null : [new V1OwnerReference { ApiVersion = "apps/v1", Kind = ownerKind, Name = "owner", Uid = "uid-1", Controller = true }],
            },
            Spec = new V1PodSpec
            {
                HostNetwork = hostNetwork ? true : null,
                Containers = [.. Enumerable.Range(0, containers).Select(i => new V1Container { Name = $"c{i}", Image = "busybox" })],
            },
        };

    public static V1Beta1PodNetworking PodNetworking(
        string name,
        string? status = NetworkingStatuses.Ready,
        V1LabelSelector? podSelector = null,
        V1LabelSelector? namespaceSelector = null,
        string? allocation = null,
        string? eniType = null,
        string[]? zones = null,
        string[]? securityGroups = null,
        string[]? vSwitches = null,
        string? releaseStrategy = null,
        string? releaseAfter = null) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new PodNetworkingSpec
            {
                EniOptions = eniType is null ? null : new EniOptions { EniType = eniType },
                AllocationType = allocation is null ? null : new AllocationType { Type = allocation, ReleaseStrategy = releaseStrategy, ReleaseAfter = releaseAfter },
                Selector = podSelector is null && namespaceSelector is null ? null : new PodNetworkingSelector { PodSelector = podSelector, NamespaceSelector = namespaceSelector },
                SecurityGroupIds = securityGroups ?? ["sg-" + name],
                VSwitchOptions = vSwitches?.ToList() ?? (zones ?? ["zone-a"]).Select(z => $"vsw-{name}-{z}").ToList(),
            },
            Status = status is null ? null : new PodNetworkingStatus
            {
                Status = status,
                VSwitches = (zones ?? ["zone-a"]).Select(z => new VSwitch { Id = $"vsw-{name}-{z}", Zone = z }).ToList(),
            },
        };

    public static V1LabelSelector MatchLabels(params (string Key, string Value)[] labels) =>
        new() { MatchLabels = labels.ToDictionary(l => l.Key, l => l.Value) };

    public static V1Beta1PodEni PodEni(string name, string zone, string allocation = IPAllocTypes.Fixed, bool deleting = false, bool noAllocations = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "apps", DeletionTimestamp = deleting ? DateTime.UtcNow : null },
        Spec = new PodEniSpec
        {
            Zone = zone,
            Allocations = noAllocations ? [] : [new Allocation { AllocationType = new AllocationType { Type = allocation } }],
        },
    };

    public static PodMutationSettings Settings(
        bool enableTrunk = true,
        bool inject = true,
        string[]? defaultVSwitches = null,
        string[]? defaultSecurityGroups = null,
        bool defaultEni = false,
        string[]? customKinds = null) =>
        new(enableTrunk, inject, customKinds ?? [], defaultVSwitches ?? ["vsw-default"], defaultSecurityGroups ?? ["sg-default"], defaultEni);

    public static PodMutationContext Context(
        IEnumerable<V1Beta1PodNetworking>? podNetworkings = null,
        IDictionary<string, string>? namespaceLabels = null,
        V1Beta1PodEni? podEni = null,
        PodMutationSettings? settings = null) =>
        new("apps", new Dictionary<string, string>(namespaceLabels ?? new Dictionary<string, string>()), [.. podNetworkings ?? []], podEni, settings ?? Settings());

    public static List<PodNetwork> Networks(V1Pod pod) =>
        KubernetesJson.Deserialize<PodNetworksAnnotation>(pod.Metadata.Annotations[Annotations.PodNetworks]).PodNetworks!.ToList();

    /// <summary>Zone requirements of each required node-selector term, as "zone-a,zone-b" strings.</summary>
    public static List<List<string>> ZoneTerms(V1Pod pod) =>
        [.. (pod.Spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [])
            .Select(t => (t.MatchExpressions ?? []).Where(e => e.Key == Labels.TopologyZone).Select(e => $"{e.OperatorProperty}:{string.Join(",", e.Values)}").ToList())];
}
