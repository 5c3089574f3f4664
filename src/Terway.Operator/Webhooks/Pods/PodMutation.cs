using System.Text.Json;
using k8s;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.PodAnnotations;
using Terway.Crds.V1Beta1;
using Terway.Crds.Validation;
using Terway.Crds.Workloads;
using Terway.Operator.Webhooks.Admission;
using Terway.Operator.Webhooks.Selectors;

namespace Terway.Operator.Webhooks.Pods;

/// <summary>
/// Terway's pod mutation (terway.md §2.2) as a pure function of the pod and what the caches hold:
/// <list type="number">
/// <item>host-network pods, pods without containers and pods labelled <c>k8s.aliyun.com/ignore-by-terway: "true"</c> pass unchanged;</item>
/// <item>the annotations <c>pod-networks</c>, <c>pod-networks-request</c> and <c>pod-networking</c> are mutually exclusive;</item>
/// <item>the pod's networks come from <c>pod-networks</c>, else <c>pod-networks-request</c> (Ready PodNetworkings without
/// selectors, one eniType, zones intersected), else the first Ready PodNetworking by name whose selectors match (Fixed ones
/// only for fixed-name pods), else a default <c>eth0</c> when the pod already asks for <c>pod-eni</c> (or
/// <see cref="PodMutationSettings.DefaultEniForUnmatchedPods"/>), else the pod passes unchanged;</item>
/// <item>each network gets allocationType Elastic by default and is checked (at most 10 security groups, interface names of
/// 1–5 characters and unique, Fixed only for fixed-name pods, TTL/Never rules); <c>eth0</c> gets the cluster's default
/// vSwitches and security groups when it has none;</item>
/// <item>the pod gets <c>pod-networks</c> (normalized), <c>pod-eni: "true"</c> and, when matched by selector,
/// <c>pod-networking</c>; its first container requests and limits <c>aliyun/member-eni</c> (trunk) or <c>aliyun/eni</c>, one
/// per network; and, unless it is a DaemonSet pod, every required node-selector term gets <c>topology.kubernetes.io/zone In</c>
/// the PodNetworking's vSwitch zones and, for a Fixed pod, the zone of its existing PodENI.</item>
/// </list>
/// </summary>
internal static class PodMutation
{
    /// <summary>Interface name of the pod's primary network.</summary>
    public const string Eth0 = "eth0";

    /// <summary>Longest interface name Terway accepts.</summary>
    public const int MaxInterfaceNameLength = 5;

    /// <summary>Decides what happens to <paramref name="pod"/> on CREATE.</summary>
    public static AdmissionDecision Mutate(V1Pod pod, PodMutationContext context)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var settings = context.Settings;
        if (pod.Spec?.HostNetwork == true)
        {
            return AdmissionDecision.Allow("host-network pod: it uses the node's network");
        }

        if (pod.Spec?.Containers is not { Count: > 0 })
        {
            return AdmissionDecision.Allow("the pod has no containers");
        }

        if (PodIdentity.IsIgnored(pod.Metadata))
        {
            return AdmissionDecision.Allow($"the pod is labelled {Labels.IgnoreByTerway}=true");
        }

        var annotations = pod.Metadata?.Annotations ?? new Dictionary<string, string>();
        var given = new[] { Annotations.PodNetworks, Annotations.PodNetworksRequest, Annotations.PodNetworking }
            .Where(k => annotations.TryGetValue(k, out var v) && !string.IsNullOrEmpty(v))
            .ToList();
        if (given.Count > 1)
        {
            return AdmissionDecision.Forbidden($"the annotations {string.Join(", ", given)} are mutually exclusive; set only one of them");
        }

        var fixedName = PodIdentity.IsFixedName(pod, settings.CustomStatefulKinds);
        var networks = new List<PodNetwork>();
        IReadOnlyCollection<string> vSwitchZones = [];
        string? matched = null;

        if (annotations.TryGetValue(Annotations.PodNetworks, out var explicitText) && !string.IsNullOrEmpty(explicitText))
        {
            if (!TryParse<PodNetworksAnnotation>(explicitText, out var parsed, out var error))
            {
                return AdmissionDecision.Forbidden($"unable to parse annotation {Annotations.PodNetworks}: {error}");
            }

            networks.AddRange((parsed?.PodNetworks ?? []).Select(n => n ?? new PodNetwork()));
        }

        if (networks.Count == 0 && annotations.TryGetValue(Annotations.PodNetworksRequest, out var requestText) && !string.IsNullOrEmpty(requestText))
        {
            if (!TryParse<List<PodNetworkRequest?>>(requestText, out var requests, out var error))
            {
                return AdmissionDecision.Forbidden($"unable to parse annotation {Annotations.PodNetworksRequest}: {error}");
            }

            var resolved = ResolveRequests(requests ?? [], context.PodNetworkings);
            if (resolved.Denial is not null)
            {
                return resolved.Denial;
            }

            networks.AddRange(resolved.Networks);
            vSwitchZones = resolved.Zones;
        }

        if (networks.Count == 0)
        {
            var podNetworking = FirstMatch(pod, fixedName, context);
            if (podNetworking is not null)
            {
                matched = podNetworking.Metadata.Name;
                networks.Add(FromPodNetworking(podNetworking, Eth0));
                vSwitchZones = ZonesOf(podNetworking);
            }
            else if ((annotations.TryGetValue(Annotations.PodEni, out var podEni) && podEni == Annotations.True) || settings.DefaultEniForUnmatchedPods)
            {
                networks.Add(new PodNetwork { Interface = Eth0 });
            }
            else
            {
                return AdmissionDecision.Allow("no Ready PodNetworking matches the pod");
            }
        }

        var warnings = new List<string>();
        var interfaces = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < networks.Count; i++)
        {
            var network = networks[i];
            if (string.IsNullOrEmpty(network.Interface))
            {
                network.Interface = Eth0;
            }

            var at = $"{Annotations.PodNetworks}[{i}] ({network.Interface})";
            if (network.AllocationType is null)
            {
                network.AllocationType = new AllocationType { Type = IPAllocTypes.Elastic };
            }
            else if (string.IsNullOrEmpty(network.AllocationType.Type))
            {
                network.AllocationType.Type = IPAllocTypes.Elastic;
            }

            var groups = network.SecurityGroupIds?.Count ?? 0;
            if (groups > PodNetworkingValidation.MaxSecurityGroups)
            {
                return AdmissionDecision.Forbidden($"{at}: at most {PodNetworkingValidation.MaxSecurityGroups} security groups are allowed, got {groups}");
            }

            if (network.Interface.Length > MaxInterfaceNameLength)
            {
                return AdmissionDecision.Forbidden($"{at}: an interface name must have 1 to {MaxInterfaceNameLength} characters");
            }

            if (!interfaces.Add(network.Interface))
            {
                return AdmissionDecision.Forbidden($"{at}: interface {network.Interface} is listed twice");
            }

            if (PodNetworkingValidation.ValidateAllocationType(network.AllocationType, "allocationType") is { Count: > 0 } allocationErrors)
            {
                return AdmissionDecision.Forbidden($"{at}: {string.Join("; ", allocationErrors.Select(e => $"{e.Field}: {e.Message}"))}");
            }

            if (network.AllocationType.Type == IPAllocTypes.Fixed && !fixedName)
            {
                return AdmissionDecision.Forbidden($"{at}: allocationType Fixed needs a pod whose name survives re-creation (no owner, a StatefulSet or a customStatefulWorkloadKinds owner); this pod is owned by {Owners(pod)}");
            }

            if (network.Interface == Eth0)
            {
                if ((network.VSwitchOptions?.Count ?? 0) == 0 && settings.DefaultVSwitchIds.Count > 0)
                {
                    network.VSwitchOptions = [.. settings.DefaultVSwitchIds];
                }

                if (groups == 0 && settings.DefaultSecurityGroupIds.Count > 0)
                {
                    network.SecurityGroupIds = [.. settings.DefaultSecurityGroupIds];
                }
            }

            if ((network.VSwitchOptions?.Count ?? 0) == 0 || (network.SecurityGroupIds?.Count ?? 0) == 0)
            {
                warnings.Add($"{at}: no vSwitches or security groups and no cluster default; its ENI cannot be created");
            }
        }

        var previousZone = PreviousZone(fixedName, networks, context.ExistingPodEni);
        var patch = new List<JsonPatchOperation>();
        var newAnnotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Annotations.PodNetworks] = KubernetesJson.Serialize(new PodNetworksAnnotation { PodNetworks = networks }),
            [Annotations.PodEni] = Annotations.True,
        };
        if (matched is not null)
        {
            newAnnotations[Annotations.PodNetworking] = matched;
        }

        PodPatches.SetAnnotations(pod, newAnnotations, patch);
        if (settings.InjectResource)
        {
            PodPatches.SetFirstContainerResource(pod, ResourceName(networks, settings.EnableTrunk), networks.Count, patch);
        }

        var zoneSets = new List<IReadOnlyCollection<string>>();
        if (vSwitchZones.Count > 0)
        {
            zoneSets.Add(vSwitchZones);
        }

        if (previousZone is not null)
        {
            zoneSets.Add([previousZone]);
        }

        if (zoneSets.Count > 0 && !PodIdentity.IsDaemonSetPod(pod))
        {
            PodPatches.AddZoneAffinity(pod, zoneSets, patch);
        }

        var source = matched is not null ? $"PodNetworking {matched}"
            : given.Count == 1 ? $"annotation {given[0]}"
            : "the cluster defaults";
        return AdmissionDecision.Patched(patch, $"{networks.Count} network(s) from {source}", warnings);
    }

    /// <summary>
    /// The first Ready PodNetworking (by name) whose selectors match: Fixed ones only for fixed-name pods, a
    /// PodNetworking without any selector never matches, and both selectors must hold when both are set.
    /// </summary>
    public static V1Beta1PodNetworking? FirstMatch(V1Pod pod, bool fixedName, PodMutationContext context)
    {
        var podLabels = new Dictionary<string, string>(pod.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var podNetworking in context.PodNetworkings)
        {
            if (podNetworking.Status?.Status != NetworkingStatuses.Ready)
            {
                continue;
            }

            if (!fixedName && podNetworking.Spec.AllocationType?.Type == IPAllocTypes.Fixed)
            {
                continue;
            }

            var selector = podNetworking.Spec.Selector;
            var matchedOne = false;
            if (selector?.PodSelector is { } podSelector)
            {
                if (!LabelSelectors.Matches(podSelector, podLabels))
                {
                    continue;
                }

                matchedOne = true;
            }

            if (selector?.NamespaceSelector is { } namespaceSelector)
            {
                if (!LabelSelectors.Matches(namespaceSelector, context.NamespaceLabels))
                {
                    continue;
                }

                matchedOne = true;
            }

            if (matchedOne)
            {
                return podNetworking;
            }
        }

        return null;
    }

    /// <summary>
    /// The zone of the pod's existing PodENI when the pod keeps its ENI: a fixed-name pod, a PodENI that is not
    /// being deleted and has allocations, and a Fixed allocation either requested now or recorded in that PodENI
    /// (so a PodNetworking switched from Fixed to Elastic still pins pods whose fixed ENI is waiting for them).
    /// </summary>
    public static string? PreviousZone(bool fixedName, IReadOnlyList<PodNetwork> networks, V1Beta1PodEni? podEni)
    {
        if (!fixedName || podEni is null || podEni.Metadata?.DeletionTimestamp is not null
            || podEni.Spec.Allocations is not { Count: > 0 } allocations || string.IsNullOrEmpty(podEni.Spec.Zone))
        {
            return null;
        }

        var fixedNow = networks.Any(n => n.AllocationType?.Type == IPAllocTypes.Fixed);
        var fixedBefore = allocations.Any(a => a?.AllocationType?.Type == IPAllocTypes.Fixed);
        return fixedNow || fixedBefore ? podEni.Spec.Zone : null;
    }

    /// <summary>
    /// <c>aliyun/eni</c> when any network uses an exclusive ENI (eniType ENI, or Default with trunking off);
    /// otherwise <c>aliyun/member-eni</c>.
    /// </summary>
    public static string ResourceName(IEnumerable<PodNetwork> networks, bool enableTrunk) =>
        networks.Any(n => (n.EniOptions?.EniType) switch
        {
            EniAttachTypes.Eni => true,
            EniAttachTypes.Trunk => false,
            _ => !enableTrunk,
        })
            ? ExtendedResources.Eni
            : ExtendedResources.MemberEni;

    private static ResolvedRequests ResolveRequests(List<PodNetworkRequest?> requests, IReadOnlyList<V1Beta1PodNetworking> podNetworkings)
    {
        var networks = new List<PodNetwork>();
        string? eniType = null;
        string? firstName = null;
        SortedSet<string>? zones = null;
        var zoneText = new List<string>();
        for (var i = 0; i < requests.Count; i++)
        {
            var at = $"{Annotations.PodNetworksRequest}[{i}]";
            var request = requests[i];
            if (string.IsNullOrEmpty(request?.Network))
            {
                return new($"{at}: network must name a PodNetworking");
            }

            var podNetworking = podNetworkings.FirstOrDefault(p => p.Metadata.Name == request.Network);
            if (podNetworking is null)
            {
                return new($"{at}: PodNetworking {request.Network} not found");
            }

            if (podNetworking.Status?.Status != NetworkingStatuses.Ready)
            {
                var why = string.IsNullOrEmpty(podNetworking.Status?.Message) ? "" : $": {podNetworking.Status.Message}";
                return new($"{at}: PodNetworking {request.Network} is not Ready (status '{podNetworking.Status?.Status}'{why})");
            }

            if (podNetworking.Spec.Selector?.PodSelector is not null || podNetworking.Spec.Selector?.NamespaceSelector is not null)
            {
                return new($"{at}: PodNetworking {request.Network} has a selector; pods may only request PodNetworkings without podSelector and namespaceSelector");
            }

            var type = string.IsNullOrEmpty(podNetworking.Spec.EniOptions?.EniType) ? EniAttachTypes.Default : podNetworking.Spec.EniOptions.EniType;
            if (eniType is null)
            {
                eniType = type;
                firstName = request.Network;
            }
            else if (type != eniType)
            {
                return new($"{at}: all requested PodNetworkings must use the same eniType; {firstName} uses {eniType}, {request.Network} uses {type}");
            }

            var network = FromPodNetworking(podNetworking, string.IsNullOrEmpty(request.InterfaceName) ? Eth0 : request.InterfaceName);
            network.DefaultRoute = request.DefaultRoute;
            network.ExtraRoutes = request.Routes?.Where(r => r is not null).Select(r => new Route { Dst = r.Dst }).ToList();
            networks.Add(network);

            var own = ZonesOf(podNetworking);
            if (own.Count > 0)
            {
                zoneText.Add($"{request.Network}: [{string.Join(", ", own)}]");
                if (zones is null)
                {
                    zones = new SortedSet<string>(own, StringComparer.Ordinal);
                }
                else
                {
                    zones.IntersectWith(own);
                }
            }
        }

        if (zones is { Count: 0 })
        {
            return new($"the PodNetworkings in {Annotations.PodNetworksRequest} have no zone in common ({string.Join("; ", zoneText)}), so no node could serve the pod");
        }

        return new ResolvedRequests(networks, zones is null ? [] : [.. zones], null);
    }

    private static PodNetwork FromPodNetworking(V1Beta1PodNetworking podNetworking, string interfaceName)
    {
        // Copies: the PodNetworking is a shared cached instance and must never be changed.
        var spec = podNetworking.Spec;
        return new PodNetwork
        {
            Interface = interfaceName,
            VSwitchOptions = spec.VSwitchOptions is null ? null : [.. spec.VSwitchOptions],
            SecurityGroupIds = spec.SecurityGroupIds is null ? null : [.. spec.SecurityGroupIds],
            EniOptions = spec.EniOptions is null ? null : new EniOptions { EniType = spec.EniOptions.EniType },
            VSwitchSelectOptions = spec.VSwitchSelectOptions is null ? null : new VSwitchSelectOptions { VSwitchSelectionPolicy = spec.VSwitchSelectOptions.VSwitchSelectionPolicy },
            AllocationType = spec.AllocationType is null ? null : new AllocationType
            {
                Type = spec.AllocationType.Type,
                ReleaseStrategy = spec.AllocationType.ReleaseStrategy,
                ReleaseAfter = spec.AllocationType.ReleaseAfter,
            },
        };
    }

    private static List<string> ZonesOf(V1Beta1PodNetworking podNetworking) =>
        [.. (podNetworking.Status?.VSwitches ?? [])
            .Select(v => v?.Zone)
            .Where(z => !string.IsNullOrEmpty(z))
            .Select(z => z!)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    private static string Owners(V1Pod pod) =>
        string.Join(", ", (pod.Metadata?.OwnerReferences ?? []).Select(o => $"{o.Kind}/{o.Name}"));

    private static bool TryParse<T>(string text, out T? value, out string error)
    {
        try
        {
            value = KubernetesJson.Deserialize<T>(text);
            error = "";
            return true;
        }
        catch (JsonException ex)
        {
            value = default;
            error = ex.Message;
            return false;
        }
    }

    private sealed record ResolvedRequests(IReadOnlyList<PodNetwork> Networks, IReadOnlyCollection<string> Zones, AdmissionDecision? Denial)
    {
        public ResolvedRequests(string denial)
            : this([], [], AdmissionDecision.Forbidden(denial))
        {
        }
    }
}
