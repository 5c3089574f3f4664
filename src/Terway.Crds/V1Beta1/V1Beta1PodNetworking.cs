using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Terway.Crds.Durations;
using Terway.Crds.Schema;

namespace Terway.Crds.V1Beta1;

/// <summary>
/// PodNetworking is a network plane for pods: which pods it applies to, the vSwitches and
/// security groups their ENIs use, the ENI type, and whether and how long a pod's IP is kept.
/// </summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[CustomResource(ResourceScopes.Cluster, "podnetworking", "v1.0.0")]
[PrinterColumn(1, "Status", PrinterColumnTypes.String, ".status.status", Description = "Terway status: Ready or Fail.")]
[PrinterColumn(2, "Ready", PrinterColumnTypes.String, ".status.conditions[?(@.type==\"Ready\")].status", Description = "The Ready condition.")]
[PrinterColumn(3, "Allocation", PrinterColumnTypes.String, ".spec.allocationType.type", Description = "Elastic or Fixed IP allocation.")]
[PrinterColumn(4, "ENI Type", PrinterColumnTypes.String, ".spec.eniOptions.eniType", Priority = 1, Description = "Trunk, ENI or Default.")]
[PrinterColumn(5, "Age", PrinterColumnTypes.Date, ".metadata.creationTimestamp")]
public sealed class V1Beta1PodNetworking : IKubernetesObject<V1ObjectMeta>, ISpec<PodNetworkingSpec>, IStatus<PodNetworkingStatus?>
{
    /// <summary>API group.</summary>
    public const string KubeGroup = NetworkGroup.Name;

    /// <summary>API version within the group.</summary>
    public const string KubeApiVersion = NetworkGroup.Version;

    /// <summary>Kind.</summary>
    public const string KubeKind = "PodNetworking";

    /// <summary>Plural resource name.</summary>
    public const string KubePluralName = "podnetworkings";

    /// <summary>Always <c>network.alibabacloud.com/v1beta1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = NetworkGroup.ApiVersion;

    /// <summary>Always <c>PodNetworking</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired network plane.</summary>
    [JsonPropertyName("spec")]
    public PodNetworkingSpec Spec { get; set; } = new();

    /// <summary>Observed state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public PodNetworkingStatus? Status { get; set; }
}

/// <summary>
/// Desired network plane: ENI type, IP allocation policy, which pods and namespaces it
/// selects, and the security groups and vSwitches of the pods' ENIs.
/// </summary>
[CelRule(1, "has(self.securityGroupIDs) && size(self.securityGroupIDs) >= 1 && size(self.securityGroupIDs) <= 10",
    "securityGroupIDs must list between 1 and 10 security groups", FieldPath = ".securityGroupIDs")]
[CelRule(2, "has(self.vSwitchOptions) && size(self.vSwitchOptions) >= 1",
    "vSwitchOptions must list at least one vSwitch", FieldPath = ".vSwitchOptions")]
public sealed class PodNetworkingSpec
{
    /// <summary>ENI options for selected pods. Defaults to eniType Default.</summary>
    [JsonPropertyName("eniOptions")]
    [SchemaRequired]
    [SchemaDefault("{\"eniType\":\"" + EniAttachTypes.Default + "\"}")]
    public EniOptions? EniOptions { get; set; }

    /// <summary>IP allocation type and, for Fixed, the release strategy.</summary>
    [JsonPropertyName("allocationType")]
    public AllocationType? AllocationType { get; set; }

    /// <summary>Which pods this PodNetworking applies to. When both selectors are set, both must match.</summary>
    [JsonPropertyName("selector")]
    public PodNetworkingSelector? Selector { get; set; }

    /// <summary>Security group IDs for the pods' ENIs (1 to 10).</summary>
    [JsonPropertyName("securityGroupIDs")]
    public IList<string>? SecurityGroupIds { get; set; }

    /// <summary>vSwitch IDs the pods' ENIs may use; any of them, in the zone of the pod's node.</summary>
    [JsonPropertyName("vSwitchOptions")]
    public IList<string>? VSwitchOptions { get; set; }

    /// <summary>How a vSwitch is chosen among vSwitchOptions. Defaults to ordered.</summary>
    [JsonPropertyName("vSwitchSelectOptions")]
    [SchemaDefault("{\"vSwitchSelectionPolicy\":\"" + VSwitchSelectionPolicies.Ordered + "\"}")]
    public VSwitchSelectOptions? VSwitchSelectOptions { get; set; }
}

/// <summary>ENI options of a network plane.</summary>
public sealed class EniOptions
{
    /// <summary>
    /// Trunk: member ENI on the node's trunk ENI; ENI: exclusive secondary ENI; Default:
    /// follow the cluster configuration (trunk when trunking is enabled).
    /// </summary>
    [JsonPropertyName("eniType")]
    [SchemaRequired]
    [SchemaEnum(typeof(EniAttachTypes))]
    [SchemaDefault("\"" + EniAttachTypes.Default + "\"")]
    public string? EniType { get; set; }
}

/// <summary>IP allocation type and release strategy.</summary>
[CelRule(1, "!has(self.releaseStrategy) || self.releaseStrategy != '" + ReleaseStrategies.Never + "' || !has(self.releaseAfter) || size(self.releaseAfter) == 0",
    "releaseAfter must be empty when releaseStrategy is Never", FieldPath = ".releaseAfter")]
[CelRule(2, "!has(self.releaseStrategy) || self.releaseStrategy != '" + ReleaseStrategies.Ttl + "' || (has(self.releaseAfter) && self.releaseAfter.matches('" + GoDuration.Pattern + "'))",
    "releaseAfter must be a Go duration such as 5m0s or 1h30m when releaseStrategy is TTL", FieldPath = ".releaseAfter")]
public sealed class AllocationType
{
    /// <summary>
    /// Elastic: the IP is released with the pod. Fixed: the ENI and its IP follow the pod's
    /// name (pods with no owner or owned by a StatefulSet). Defaults to Elastic.
    /// </summary>
    [JsonPropertyName("type")]
    [SchemaEnum(typeof(IPAllocTypes))]
    [SchemaDefault("\"" + IPAllocTypes.Elastic + "\"")]
    public string? Type { get; set; }

    /// <summary>For Fixed: TTL releases the IP releaseAfter after the pod was last seen; Never keeps it until the PodENI is deleted.</summary>
    [JsonPropertyName("releaseStrategy")]
    [SchemaEnum(typeof(ReleaseStrategies))]
    public string? ReleaseStrategy { get; set; }

    /// <summary>For TTL: how long to keep the IP after the pod was last seen, as a Go duration (e.g. 5m0s). Must be empty for Never.</summary>
    [JsonPropertyName("releaseAfter")]
    [SchemaMaxLength(64)]
    public string? ReleaseAfter { get; set; }
}

/// <summary>Pod and namespace label selectors of a network plane.</summary>
public sealed class PodNetworkingSelector
{
    /// <summary>Pods whose labels match.</summary>
    [JsonPropertyName("podSelector")]
    public V1LabelSelector? PodSelector { get; set; }

    /// <summary>Pods in namespaces whose labels match.</summary>
    [JsonPropertyName("namespaceSelector")]
    public V1LabelSelector? NamespaceSelector { get; set; }
}

/// <summary>vSwitch selection options.</summary>
public sealed class VSwitchSelectOptions
{
    /// <summary>ordered: first listed vSwitch with free IPs; random: any; most: the one with the most free IPs. Defaults to ordered.</summary>
    [JsonPropertyName("vSwitchSelectionPolicy")]
    [SchemaEnum(typeof(VSwitchSelectionPolicies))]
    [SchemaDefault("\"" + VSwitchSelectionPolicies.Ordered + "\"")]
    public string? VSwitchSelectionPolicy { get; set; }
}

/// <summary>Observed state of a network plane.</summary>
public sealed class PodNetworkingStatus : IConditionedStatus
{
    /// <summary>Ready when every vSwitch was resolved to a zone, Fail otherwise (see message). Only Ready PodNetworkings are matched to pods.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; set; }

    /// <summary>The resolved vSwitches and their zones.</summary>
    [JsonPropertyName("vSwitches")]
    public IList<VSwitch>? VSwitches { get; set; }

    /// <summary>When the status was last updated.</summary>
    [JsonPropertyName("updateAt")]
    public DateTime? UpdateAt { get; set; }

    /// <summary>Why resolution failed, when status is Fail.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>kstatus conditions: Ready, Reconciling and Stalled.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }
}

/// <summary>A vSwitch and its zone.</summary>
public sealed class VSwitch
{
    /// <summary>vSwitch ID.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>Zone the vSwitch is in.</summary>
    [JsonPropertyName("zone")]
    public string? Zone { get; set; }
}
