using System.Text.Json;
using k8s;
using k8s.Models;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.PodAnnotations;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.Operator.Webhooks.Selectors;

namespace Terway.Operator.Controllers.Pod;

/// <summary>One ENI a pod should get.</summary>
internal sealed record AllocationPlan
{
    /// <summary>Interface name in the pod (<c>eth0</c> first).</summary>
    public required string Interface { get; init; }

    /// <summary>Candidate vSwitches in preference order (all zones; the node's zone is picked later).</summary>
    public required IReadOnlyList<string> VSwitchOptions { get; init; }

    /// <summary>Zones already known for some candidates (a PodNetworking's resolved <c>status.vSwitches</c>).</summary>
    public IReadOnlyDictionary<string, string> KnownZones { get; init; } = new Dictionary<string, string>();

    /// <summary><c>ordered</c>, <c>random</c> or <c>most</c>.</summary>
    public string? SelectionPolicy { get; init; }

    /// <summary>Security groups.</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    /// <summary>Elastic or Fixed, with the release policy.</summary>
    public required AllocationType AllocationType { get; init; }

    /// <summary>A trunk member ENI (true) or an exclusive ENI (false).</summary>
    public bool Trunk { get; init; }

    /// <summary>Resource group of the ENI.</summary>
    public string? ResourceGroupId { get; init; }

    /// <summary>Extra routes (multi-network).</summary>
    public IList<Route>? ExtraRoutes { get; init; }

    /// <summary>Whether this interface carries the default route (multi-network).</summary>
    public bool? DefaultRoute { get; init; }
}

/// <summary>What a pod needs.</summary>
internal abstract record PodNetworkResolution
{
    /// <summary>The pod gets no ENI of its own.</summary>
    public sealed record NotNeeded(string Why) : PodNetworkResolution;

    /// <summary>The pod asks for ENIs but they cannot be planned yet (e.g. its PodNetworking is not Ready).</summary>
    public sealed record Pending(string Reason, string Message) : PodNetworkResolution;

    /// <summary>The ENIs to create; <see cref="NetworkingName"/> names the PodNetworking used, if any.</summary>
    public sealed record Planned(string? NetworkingName, IReadOnlyList<AllocationPlan> Allocations) : PodNetworkResolution;
}

/// <summary>Cluster settings the resolver needs.</summary>
internal sealed record PodNetworkDefaults
{
    /// <summary>Cluster <c>enableTrunk</c>.</summary>
    public bool EnableTrunk { get; init; } = true;

    /// <summary><c>customStatefulWorkloadKinds</c>.</summary>
    public IReadOnlyList<string> CustomStatefulKinds { get; init; } = [];

    /// <summary>Default vSwitches (all zones, in configuration order).</summary>
    public IReadOnlyList<string> VSwitches { get; init; } = [];

    /// <summary>Default security groups.</summary>
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    /// <summary>Default selection policy.</summary>
    public string SelectionPolicy { get; init; } = VSwitchSelectionPolicies.Most;

    /// <summary>Default resource group.</summary>
    public string? ResourceGroupId { get; init; }
}

/// <summary>
/// Decides which ENIs a pod needs, in Terway's precedence: the explicit <c>k8s.aliyun.com/pod-networks</c>
/// annotation, then the PodNetworking the webhook named in <c>k8s.aliyun.com/pod-networking</c>, then
/// <c>k8s.aliyun.com/pod-eni: "true"</c> or an eniOnly node (the configured defaults), then — so the operator
/// also works without the webhook — the first Ready PodNetworking (by name) whose selectors match. Pure.
/// </summary>
internal static class PodNetworkResolver
{
    private const string DefaultInterface = "eth0";

    /// <summary>Resolves <paramref name="pod"/>.</summary>
    /// <param name="pod">The pod.</param>
    /// <param name="namespaceLabels">Labels of the pod's namespace (null when unknown).</param>
    /// <param name="podNetworkings">All PodNetworkings.</param>
    /// <param name="nodeEniOnly">The pod's node is in exclusive-ENI mode.</param>
    /// <param name="defaults">Cluster settings.</param>
    public static PodNetworkResolution Resolve(V1Pod pod, IDictionary<string, string>? namespaceLabels, IReadOnlyList<V1Beta1PodNetworking> podNetworkings, bool nodeEniOnly, PodNetworkDefaults defaults)
    {
        if (pod.Spec?.HostNetwork == true)
        {
            return new PodNetworkResolution.NotNeeded("host network");
        }

        if (PodIdentity.IsIgnored(pod.Metadata))
        {
            return new PodNetworkResolution.NotNeeded("labelled " + Labels.IgnoreByTerway);
        }

        if (string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return new PodNetworkResolution.NotNeeded("not scheduled");
        }

        var fixedName = PodIdentity.IsFixedName(pod, defaults.CustomStatefulKinds);
        if (pod.GetAnnotation(Annotations.PodNetworks) is { Length: > 0 } explicitNetworks)
        {
            return FromPodNetworks(explicitNetworks, fixedName, nodeEniOnly, defaults);
        }

        if (pod.GetAnnotation(Annotations.PodNetworking) is { Length: > 0 } name)
        {
            var named = podNetworkings.FirstOrDefault(p => p.Metadata.Name == name);
            if (named is null)
            {
                return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec, $"PodNetworking {name} named by the pod does not exist");
            }

            return named.Status?.Status != NetworkingStatuses.Ready
                ? new PodNetworkResolution.Pending(ConditionReasons.Progressing, $"PodNetworking {name} is not Ready: {named.Status?.Message ?? "not resolved yet"}")
                : FromPodNetworking(named, fixedName, nodeEniOnly, defaults);
        }

        if (pod.GetAnnotation(Annotations.PodEni) == Annotations.True || nodeEniOnly)
        {
            return FromDefaults(fixedName, nodeEniOnly, defaults);
        }

        // Without the webhook: match selectors, but never take over a pod that already got an address
        // another way, and never a DaemonSet pod (Terway keeps trunking away from DaemonSets).
        if (!string.IsNullOrEmpty(pod.Status?.PodIP) || PodIdentity.IsDaemonSetPod(pod))
        {
            return new PodNetworkResolution.NotNeeded("not matched by selector (has an address already, or a DaemonSet pod)");
        }

        if (namespaceLabels is null && podNetworkings.Any(p => p.Spec.Selector?.NamespaceSelector is not null))
        {
            // The namespace informer has not seen the pod's namespace yet (informers are not ordered with each other).
            return new PodNetworkResolution.Pending(ConditionReasons.Pending, $"namespace {pod.Metadata.NamespaceProperty} is not known yet");
        }

        foreach (var pn in podNetworkings.Where(p => p.Status?.Status == NetworkingStatuses.Ready).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (Matches(pn, pod, namespaceLabels, fixedName))
            {
                return FromPodNetworking(pn, fixedName, nodeEniOnly, defaults);
            }
        }

        return new PodNetworkResolution.NotNeeded("no PodNetworking matches");
    }

    /// <summary>Whether <paramref name="pn"/>'s selectors pick <paramref name="pod"/> (both must match when both are set; none set = none).</summary>
    public static bool Matches(V1Beta1PodNetworking pn, V1Pod pod, IDictionary<string, string>? namespaceLabels, bool fixedName)
    {
        var podSelector = pn.Spec.Selector?.PodSelector;
        var nsSelector = pn.Spec.Selector?.NamespaceSelector;
        if (podSelector is null && nsSelector is null)
        {
            return false;
        }

        if (pn.Spec.AllocationType?.Type == IPAllocTypes.Fixed && !fixedName)
        {
            return false;
        }

        // The webhook's selector semantics (a selector that does not validate matches nothing), so the
        // controller and the webhook always agree on which PodNetworking a pod gets.
        if (podSelector is not null && !LabelSelectors.Matches(podSelector, ReadOnly(pod.Metadata.Labels)))
        {
            return false;
        }

        return nsSelector is null || (namespaceLabels is not null && LabelSelectors.Matches(nsSelector, ReadOnly(namespaceLabels)));
    }

    private static IReadOnlyDictionary<string, string> ReadOnly(IDictionary<string, string>? labels) =>
        labels as IReadOnlyDictionary<string, string> ?? new Dictionary<string, string>(labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);

    /// <summary>Whether an ENI type and node mode give a trunk member ENI.</summary>
    public static bool UsesTrunk(string? eniType, bool nodeEniOnly, bool enableTrunk) => eniType switch
    {
        _ when nodeEniOnly => false,
        EniAttachTypes.Trunk => true,
        EniAttachTypes.Eni => false,
        _ => enableTrunk,
    };

    private static PodNetworkResolution.Planned FromPodNetworking(V1Beta1PodNetworking pn, bool fixedName, bool nodeEniOnly, PodNetworkDefaults defaults)
    {
        var resolved = pn.Status?.VSwitches ?? [];
        return new PodNetworkResolution.Planned(pn.Metadata.Name,
        [
            new AllocationPlan
            {
                Interface = DefaultInterface,
                VSwitchOptions = resolved.Select(v => v.Id!).Where(id => !string.IsNullOrEmpty(id)).ToList(),
                KnownZones = resolved.Where(v => !string.IsNullOrEmpty(v.Id) && !string.IsNullOrEmpty(v.Zone))
                    .GroupBy(v => v.Id!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Zone!, StringComparer.Ordinal),
                SelectionPolicy = pn.Spec.VSwitchSelectOptions?.VSwitchSelectionPolicy ?? VSwitchSelectionPolicies.Ordered,
                SecurityGroupIds = pn.Spec.SecurityGroupIds?.ToList() ?? [],
                AllocationType = Normalize(pn.Spec.AllocationType, fixedName),
                Trunk = UsesTrunk(pn.Spec.EniOptions?.EniType, nodeEniOnly, defaults.EnableTrunk),
                ResourceGroupId = defaults.ResourceGroupId,
            },
        ]);
    }

    private static PodNetworkResolution FromDefaults(bool fixedName, bool nodeEniOnly, PodNetworkDefaults defaults)
    {
        if (defaults.VSwitches.Count == 0 || defaults.SecurityGroupIds.Count == 0)
        {
            return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec,
                "the pod asks for its own ENI without naming a network, and the operator has no default vSwitches and security groups (set vSwitches and securityGroupIDs in its configuration)");
        }

        return new PodNetworkResolution.Planned(null,
        [
            new AllocationPlan
            {
                Interface = DefaultInterface,
                VSwitchOptions = defaults.VSwitches,
                SelectionPolicy = defaults.SelectionPolicy,
                SecurityGroupIds = defaults.SecurityGroupIds,
                AllocationType = Normalize(null, fixedName),
                Trunk = UsesTrunk(null, nodeEniOnly, defaults.EnableTrunk),
                ResourceGroupId = defaults.ResourceGroupId,
            },
        ]);
    }

    private static PodNetworkResolution FromPodNetworks(string json, bool fixedName, bool nodeEniOnly, PodNetworkDefaults defaults)
    {
        PodNetworksAnnotation? parsed;
        try
        {
            parsed = KubernetesJson.Deserialize<PodNetworksAnnotation>(json);
        }
        catch (JsonException ex)
        {
            return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec, $"annotation {Annotations.PodNetworks} is not valid JSON: {ex.Message}");
        }

        var networks = parsed?.PodNetworks ?? [];
        if (networks.Count == 0)
        {
            return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec, $"annotation {Annotations.PodNetworks} lists no networks");
        }

        var plans = new List<AllocationPlan>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < networks.Count; i++)
        {
            var n = networks[i];
            var name = string.IsNullOrEmpty(n.Interface) ? (i == 0 ? DefaultInterface : $"eth{i}") : n.Interface;
            if (!names.Add(name))
            {
                return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec, $"annotation {Annotations.PodNetworks} names interface {name} twice");
            }

            var vSwitches = n.VSwitchOptions is { Count: > 0 } v ? v.ToList() : (name == DefaultInterface ? defaults.VSwitches.ToList() : []);
            var groups = n.SecurityGroupIds is { Count: > 0 } g ? g.ToList() : (name == DefaultInterface ? defaults.SecurityGroupIds.ToList() : []);
            if (vSwitches.Count == 0 || groups.Count == 0)
            {
                return new PodNetworkResolution.Pending(ConditionReasons.InvalidSpec,
                    $"interface {name} of annotation {Annotations.PodNetworks} has no vSwitches or security groups (and no defaults apply)");
            }

            plans.Add(new AllocationPlan
            {
                Interface = name,
                VSwitchOptions = vSwitches,
                SelectionPolicy = n.VSwitchSelectOptions?.VSwitchSelectionPolicy ?? defaults.SelectionPolicy,
                SecurityGroupIds = groups,
                AllocationType = Normalize(n.AllocationType, fixedName),
                Trunk = UsesTrunk(n.EniOptions?.EniType, nodeEniOnly, defaults.EnableTrunk),
                ResourceGroupId = n.ResourceGroupId ?? defaults.ResourceGroupId,
                ExtraRoutes = n.ExtraRoutes,
                DefaultRoute = n.DefaultRoute,
            });
        }

        return new PodNetworkResolution.Planned(null, plans);
    }

    // Fixed IPs only for fixed-name pods: anything else would keep an ENI for a name that never comes back.
    private static AllocationType Normalize(AllocationType? source, bool fixedName)
    {
        var type = source?.Type ?? IPAllocTypes.Elastic;
        if (type == IPAllocTypes.Fixed && fixedName)
        {
            return new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = source!.ReleaseStrategy, ReleaseAfter = source.ReleaseAfter };
        }

        return new AllocationType { Type = IPAllocTypes.Elastic };
    }
}
