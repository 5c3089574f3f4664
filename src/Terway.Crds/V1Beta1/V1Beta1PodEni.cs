using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Terway.Crds.Schema;

namespace Terway.Crds.V1Beta1;

/// <summary>
/// PodENI records the ENIs allocated to one pod (same namespace and name as the pod) and
/// where they are attached. Written by the operator, read by the node agent.
/// </summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[CustomResource(ResourceScopes.Namespaced, "podeni", "v1.0.0")]
[PrinterColumn(1, "Phase", PrinterColumnTypes.String, ".status.phase", Description = "Binding phase; empty while Initial.")]
[PrinterColumn(2, "IP", PrinterColumnTypes.String, ".spec.allocations[0].ipv4", Description = "IPv4 address of the first ENI.")]
[PrinterColumn(3, "ENI", PrinterColumnTypes.String, ".spec.allocations[0].eni.id", Description = "ID of the first ENI.")]
[PrinterColumn(4, "Node", PrinterColumnTypes.String, ".metadata.labels.k8s\\.aliyun\\.com/node", Description = "Node the pod runs on.")]
[PrinterColumn(5, "Ready", PrinterColumnTypes.String, ".status.conditions[?(@.type==\"Ready\")].status", Priority = 1, Description = "The Ready condition.")]
[PrinterColumn(6, "Trunk ENI", PrinterColumnTypes.String, ".status.trunkENIID", Priority = 1, Description = "Trunk ENI the member ENI is attached through.")]
[PrinterColumn(7, "Age", PrinterColumnTypes.Date, ".metadata.creationTimestamp")]
public sealed class V1Beta1PodEni : IKubernetesObject<V1ObjectMeta>, ISpec<PodEniSpec>, IStatus<PodEniStatus?>
{
    /// <summary>API group.</summary>
    public const string KubeGroup = NetworkGroup.Name;

    /// <summary>API version within the group.</summary>
    public const string KubeApiVersion = NetworkGroup.Version;

    /// <summary>Kind.</summary>
    public const string KubeKind = "PodENI";

    /// <summary>Plural resource name.</summary>
    public const string KubePluralName = "podenis";

    /// <summary>Always <c>network.alibabacloud.com/v1beta1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = NetworkGroup.ApiVersion;

    /// <summary>Always <c>PodENI</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata; name and namespace are the pod's.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The pod's ENI allocations.</summary>
    [JsonPropertyName("spec")]
    public PodEniSpec Spec { get; set; } = new();

    /// <summary>Binding state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public PodEniStatus? Status { get; set; }
}

/// <summary>The ENIs allocated to a pod.</summary>
public sealed class PodEniSpec
{
    /// <summary>One allocation per pod network interface.</summary>
    [JsonPropertyName("allocations")]
    [SchemaMaxItems(64)]
    public IList<Allocation>? Allocations { get; set; }

    /// <summary>Zone of the node the ENIs were created for; a fixed-IP pod is pinned to it.</summary>
    [JsonPropertyName("zone")]
    public string? Zone { get; set; }
}

/// <summary>One ENI allocated to a pod and how the pod uses it.</summary>
public sealed class Allocation
{
    /// <summary>Allocation type and release strategy, copied from the PodNetworking or the pod-networks annotation.</summary>
    [JsonPropertyName("allocationType")]
    public AllocationType? AllocationType { get; set; }

    /// <summary>The ENI.</summary>
    [JsonPropertyName("eni")]
    public Eni? Eni { get; set; }

    /// <summary>Primary IPv4 address of the ENI.</summary>
    [JsonPropertyName("ipv4")]
    public string? Ipv4 { get; set; }

    /// <summary>Primary IPv6 address of the ENI.</summary>
    [JsonPropertyName("ipv6")]
    public string? Ipv6 { get; set; }

    /// <summary>IPv4 CIDR of the ENI's vSwitch; the gateway is its third-to-last address.</summary>
    [JsonPropertyName("ipv4CIDR")]
    public string? Ipv4Cidr { get; set; }

    /// <summary>IPv6 CIDR of the ENI's vSwitch.</summary>
    [JsonPropertyName("ipv6CIDR")]
    public string? Ipv6Cidr { get; set; }

    /// <summary>Interface name inside the pod (eth0 when empty).</summary>
    [JsonPropertyName("interface")]
    public string? Interface { get; set; }

    /// <summary>Whether the pod's default route uses this interface (multi-network pods).</summary>
    [JsonPropertyName("defaultRoute")]
    public bool? DefaultRoute { get; set; }

    /// <summary>Extra routes through this interface (multi-network pods).</summary>
    [JsonPropertyName("extraRoutes")]
    public IList<Route>? ExtraRoutes { get; set; }

    /// <summary>Free-form extra configuration.</summary>
    [JsonPropertyName("extraConfig")]
    public IDictionary<string, string>? ExtraConfig { get; set; }
}

/// <summary>An ENI as allocated in the cloud.</summary>
public sealed class Eni
{
    /// <summary>ENI ID (eni-...).</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>VPC ID.</summary>
    [JsonPropertyName("vpcID")]
    public string? VpcId { get; set; }

    /// <summary>MAC address.</summary>
    [JsonPropertyName("mac")]
    public string? Mac { get; set; }

    /// <summary>Zone.</summary>
    [JsonPropertyName("zone")]
    public string? Zone { get; set; }

    /// <summary>vSwitch ID.</summary>
    [JsonPropertyName("vSwitchID")]
    public string? VSwitchId { get; set; }

    /// <summary>Resource group ID.</summary>
    [JsonPropertyName("resourceGroupID")]
    public string? ResourceGroupId { get; set; }

    /// <summary>Security group IDs.</summary>
    [JsonPropertyName("securityGroupIDs")]
    public IList<string>? SecurityGroupIds { get; set; }

    /// <summary>How the ENI is attached.</summary>
    [JsonPropertyName("attachmentOptions")]
    public AttachmentOptions? AttachmentOptions { get; set; }
}

/// <summary>ENI attachment options.</summary>
public sealed class AttachmentOptions
{
    /// <summary>True: attach as a member of the node's trunk ENI (VLAN-tagged).</summary>
    [JsonPropertyName("trunk")]
    public bool? Trunk { get; set; }
}

/// <summary>A route through a pod interface.</summary>
public sealed class Route
{
    /// <summary>Destination CIDR.</summary>
    [JsonPropertyName("dst")]
    public string? Dst { get; set; }
}

/// <summary>Binding state of a pod's ENIs.</summary>
public sealed class PodEniStatus : IConditionedStatus
{
    /// <summary>
    /// Binding phase: empty (Initial), Bind, Binding, Unbind, Detaching or Deleting. Initial
    /// goes to Bind; a fixed-IP pod's deletion goes Bind, Detaching, Unbind, and its return
    /// Unbind, Binding, Bind; release goes to Deleting.
    /// </summary>
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    /// <summary>ECS instance the ENIs are attached to.</summary>
    [JsonPropertyName("instanceID")]
    public string? InstanceId { get; set; }

    /// <summary>Trunk ENI the member ENIs are attached through.</summary>
    [JsonPropertyName("trunkENIID")]
    public string? TrunkEniId { get; set; }

    /// <summary>Additional information.</summary>
    [JsonPropertyName("msg")]
    public string? Msg { get; set; }

    /// <summary>When the pod was last seen; a TTL fixed IP is released releaseAfter later.</summary>
    [JsonPropertyName("podLastSeen")]
    public DateTime? PodLastSeen { get; set; }

    /// <summary>Attachment facts per ENI ID, filled when the ENIs are attached.</summary>
    [JsonPropertyName("eniInfos")]
    public IDictionary<string, EniInfo>? EniInfos { get; set; }

    /// <summary>kstatus conditions: Ready, Reconciling and Stalled.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }
}

/// <summary>Attachment facts of one ENI.</summary>
public sealed class EniInfo
{
    /// <summary>ENI ID.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>ENI type as attached: Member for trunk members, Secondary for exclusive ENIs.</summary>
    [JsonPropertyName("type")]
    [SchemaEnum(typeof(EniTypes))]
    public string? Type { get; set; }

    /// <summary>VLAN ID of a member ENI on the trunk.</summary>
    [JsonPropertyName("vid")]
    public int? Vid { get; set; }

    /// <summary>Bind, Unbind or Deleted.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; set; }

    /// <summary>Network card the ENI is attached on (multi-card instances).</summary>
    [JsonPropertyName("networkCardIndex")]
    public int? NetworkCardIndex { get; set; }

    /// <summary>Virtual function ID (SR-IOV backed ENIs).</summary>
    [JsonPropertyName("vfID")]
    public uint? VfId { get; set; }
}
