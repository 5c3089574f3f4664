using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using Terway.Crds.Schema;

namespace Terway.Crds.V1Beta1;

/// <summary>
/// Node (network.alibabacloud.com) is the per-node ENI and IP pool record for shared-ENI
/// pods: the node agent writes the desired ENI and pool settings, the operator writes the
/// ENIs and IPs it holds for the node. Named after the Kubernetes node and owned by it.
/// </summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[CustomResource(ResourceScopes.Cluster, "node", "v1.0.0")]
[PrinterColumn(1, "Instance", PrinterColumnTypes.String, ".spec.nodeMetadata.instanceID", Description = "ECS instance ID.")]
[PrinterColumn(2, "Type", PrinterColumnTypes.String, ".spec.nodeMetadata.instanceType", Description = "ECS instance type.")]
[PrinterColumn(3, "ENIs", PrinterColumnTypes.String, ".status.networkInterfaces.*.id", Description = "ENIs held for the node.")]
[PrinterColumn(4, "Zone", PrinterColumnTypes.String, ".spec.nodeMetadata.zoneID", Priority = 1, Description = "Zone of the instance.")]
[PrinterColumn(5, "Ready", PrinterColumnTypes.String, ".status.conditions[?(@.type==\"Ready\")].status", Priority = 1, Description = "The Ready condition.")]
[PrinterColumn(6, "Age", PrinterColumnTypes.Date, ".metadata.creationTimestamp")]
public sealed class V1Beta1Node : IKubernetesObject<V1ObjectMeta>, ISpec<NodeSpec>, IStatus<NodeStatus?>
{
    /// <summary>API group.</summary>
    public const string KubeGroup = NetworkGroup.Name;

    /// <summary>API version within the group.</summary>
    public const string KubeApiVersion = NetworkGroup.Version;

    /// <summary>Kind.</summary>
    public const string KubeKind = "Node";

    /// <summary>Plural resource name.</summary>
    public const string KubePluralName = "nodes";

    /// <summary>Always <c>network.alibabacloud.com/v1beta1</c>.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = NetworkGroup.ApiVersion;

    /// <summary>Always <c>Node</c>.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata; the name is the Kubernetes node's.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Instance facts and the desired ENI and pool settings.</summary>
    [JsonPropertyName("spec")]
    public NodeSpec Spec { get; set; } = new();

    /// <summary>ENIs and IPs held for the node, written by the operator.</summary>
    [JsonPropertyName("status")]
    public NodeStatus? Status { get; set; }
}

/// <summary>Instance facts and the desired ENI and pool settings of a node.</summary>
public sealed class NodeSpec
{
    /// <summary>Where the node runs; from its labels and providerID.</summary>
    [JsonPropertyName("nodeMetadata")]
    public NodeMetadata? NodeMetadata { get; set; }

    /// <summary>ENI and IP capacity of the instance type.</summary>
    [JsonPropertyName("nodeCap")]
    public NodeCap? NodeCap { get; set; }

    /// <summary>Datapath the node agent uses for shared-ENI pods.</summary>
    [JsonPropertyName("datapath")]
    public Datapath? Datapath { get; set; }

    /// <summary>ENI settings, written by the node agent from eni-config.</summary>
    [JsonPropertyName("eni")]
    public EniSpec? Eni { get; set; }

    /// <summary>IP pool settings, written by the node agent from eni-config.</summary>
    [JsonPropertyName("pool")]
    public PoolSpec? Pool { get; set; }

    /// <summary>How many ENIs of each type the operator should keep for the node.</summary>
    [JsonPropertyName("flavor")]
    public IList<Flavor>? Flavor { get; set; }
}

/// <summary>Where a node runs.</summary>
public sealed class NodeMetadata
{
    /// <summary>Region ID.</summary>
    [JsonPropertyName("regionID")]
    public string? RegionId { get; set; }

    /// <summary>ECS instance type.</summary>
    [JsonPropertyName("instanceType")]
    public string? InstanceType { get; set; }

    /// <summary>ECS instance ID.</summary>
    [JsonPropertyName("instanceID")]
    public string? InstanceId { get; set; }

    /// <summary>Zone ID.</summary>
    [JsonPropertyName("zoneID")]
    public string? ZoneId { get; set; }
}

/// <summary>ENI and IP capacity of an instance type (from DescribeInstanceTypes).</summary>
public sealed class NodeCap
{
    /// <summary>ENIs the instance can attach (EniQuantity), including the primary ENI.</summary>
    [JsonPropertyName("adapters")]
    public int? Adapters { get; set; }

    /// <summary>eRDMA interfaces the instance supports.</summary>
    [JsonPropertyName("eriQuantity")]
    public int? EriQuantity { get; set; }

    /// <summary>All ENIs including trunk members (EniTotalQuantity).</summary>
    [JsonPropertyName("totalAdapters")]
    public int? TotalAdapters { get; set; }

    /// <summary>Private IPv4 addresses per ENI.</summary>
    [JsonPropertyName("ipv4PerAdapter")]
    public int? Ipv4PerAdapter { get; set; }

    /// <summary>IPv6 addresses per ENI.</summary>
    [JsonPropertyName("ipv6PerAdapter")]
    public int? Ipv6PerAdapter { get; set; }

    /// <summary>Member ENIs the trunk ENI can carry (EniTotalQuantity minus EniQuantity; 0 without trunk support).</summary>
    [JsonPropertyName("memberAdapterLimit")]
    public int? MemberAdapterLimit { get; set; }

    /// <summary>Upper bound of member ENIs for the instance type.</summary>
    [JsonPropertyName("maxMemberAdapterLimit")]
    public int? MaxMemberAdapterLimit { get; set; }

    /// <summary>Inbound bandwidth of the instance type.</summary>
    [JsonPropertyName("instanceBandwidthRx")]
    public int? InstanceBandwidthRx { get; set; }

    /// <summary>Outbound bandwidth of the instance type.</summary>
    [JsonPropertyName("instanceBandwidthTx")]
    public int? InstanceBandwidthTx { get; set; }

    /// <summary>Network cards of multi-card instance types.</summary>
    [JsonPropertyName("networkCards")]
    public IList<NetworkCard>? NetworkCards { get; set; }

    /// <summary>Number of network cards.</summary>
    [JsonPropertyName("networkCardsCount")]
    public int? NetworkCardsCount { get; set; }
}

/// <summary>A network card of the instance.</summary>
public sealed class NetworkCard
{
    /// <summary>Network card index.</summary>
    [JsonPropertyName("index")]
    public int? Index { get; set; }
}

/// <summary>Datapath of a node.</summary>
public sealed class Datapath
{
    /// <summary>veth, ipvlan or datapathv2.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

/// <summary>ENI settings of a node, from eni-config.</summary>
[CelRule(1, "(has(self.enableIPPrefix) && self.enableIPPrefix) == (has(oldSelf.enableIPPrefix) && oldSelf.enableIPPrefix)",
    "enableIPPrefix cannot change once the node's ENI settings exist", FieldPath = ".enableIPPrefix")]
public sealed class EniSpec
{
    /// <summary>Tags put on ENIs created for the node.</summary>
    [JsonPropertyName("tag")]
    public IDictionary<string, string>? Tag { get; set; }

    /// <summary>Only ENIs carrying these tags are managed.</summary>
    [JsonPropertyName("tagFilter")]
    public IDictionary<string, string>? TagFilter { get; set; }

    /// <summary>ENIs carrying any of these tags are never used for pods.</summary>
    [JsonPropertyName("tagBlockList")]
    public IList<EniTag>? TagBlockList { get; set; }

    /// <summary>vSwitch IDs for new ENIs.</summary>
    [JsonPropertyName("vSwitchOptions")]
    [SchemaRequired]
    public IList<string>? VSwitchOptions { get; set; }

    /// <summary>Security group IDs for new ENIs.</summary>
    [JsonPropertyName("securityGroupIDs")]
    [SchemaRequired]
    public IList<string>? SecurityGroupIds { get; set; }

    /// <summary>Resource group ID for new ENIs.</summary>
    [JsonPropertyName("resourceGroupID")]
    public string? ResourceGroupId { get; set; }

    /// <summary>Allocate IPv4 addresses.</summary>
    [JsonPropertyName("enableIPv4")]
    public bool? EnableIpv4 { get; set; }

    /// <summary>Allocate IPv6 addresses.</summary>
    [JsonPropertyName("enableIPv6")]
    public bool? EnableIpv6 { get; set; }

    /// <summary>Manage eRDMA ENIs.</summary>
    [JsonPropertyName("enableERDMA")]
    public bool? EnableErdma { get; set; }

    /// <summary>Create a trunk ENI for the node.</summary>
    [JsonPropertyName("enableTrunk")]
    public bool? EnableTrunk { get; set; }

    /// <summary>How a vSwitch is chosen for new ENIs.</summary>
    [JsonPropertyName("vSwitchSelectPolicy")]
    [SchemaRequired]
    [SchemaEnum(typeof(VSwitchSelectionPolicies))]
    public string? VSwitchSelectPolicy { get; set; }

    /// <summary>Allocate IP prefixes instead of single IPs; cannot change once set.</summary>
    [JsonPropertyName("enableIPPrefix")]
    public bool? EnableIpPrefix { get; set; }

    /// <summary>IPv4 /28 prefixes to keep in prefix mode.</summary>
    [JsonPropertyName("ipv4PrefixCount")]
    public int? Ipv4PrefixCount { get; set; }

    /// <summary>IPv6 prefixes to keep in prefix mode (0 or 1).</summary>
    [JsonPropertyName("ipv6PrefixCount")]
    public int? Ipv6PrefixCount { get; set; }
}

/// <summary>An ENI tag key and value.</summary>
public sealed class EniTag
{
    /// <summary>Tag key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; set; }

    /// <summary>Tag value.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

/// <summary>IP pool settings of a node.</summary>
public sealed class PoolSpec
{
    /// <summary>Idle IPs above this are released.</summary>
    [JsonPropertyName("maxPoolSize")]
    [SchemaMinimum(0)]
    public int? MaxPoolSize { get; set; }

    /// <summary>Idle IPs kept ready.</summary>
    [JsonPropertyName("minPoolSize")]
    [SchemaMinimum(0)]
    public int? MinPoolSize { get; set; }

    /// <summary>How often the pool is adjusted, as a Go duration.</summary>
    [JsonPropertyName("poolSyncPeriod")]
    public string? PoolSyncPeriod { get; set; }

    /// <summary>IPs allocated once when the node joins.</summary>
    [JsonPropertyName("warmUpSize")]
    public int? WarmUpSize { get; set; }

    /// <summary>How idle IPs are reclaimed.</summary>
    [JsonPropertyName("reclaim")]
    public IpReclaimPolicy? Reclaim { get; set; }
}

/// <summary>Idle IP reclaim policy.</summary>
public sealed class IpReclaimPolicy
{
    /// <summary>How long an IP must be idle before it may be reclaimed, as a Go duration.</summary>
    [JsonPropertyName("after")]
    public string? After { get; set; }

    /// <summary>Time between reclaim passes, as a Go duration.</summary>
    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    /// <summary>Most IPs reclaimed per pass.</summary>
    [JsonPropertyName("batchSize")]
    public int? BatchSize { get; set; }

    /// <summary>Jitter applied to the interval, as a decimal string (e.g. 0.1).</summary>
    [JsonPropertyName("jitterFactor")]
    public string? JitterFactor { get; set; }
}

/// <summary>A number of ENIs of one type and traffic mode.</summary>
public sealed class Flavor
{
    /// <summary>ENI type.</summary>
    [JsonPropertyName("networkInterfaceType")]
    [SchemaRequired]
    [SchemaEnum(typeof(EniTypes))]
    public string NetworkInterfaceType { get; set; } = "";

    /// <summary>Traffic mode.</summary>
    [JsonPropertyName("networkInterfaceTrafficMode")]
    [SchemaRequired]
    [SchemaEnum(typeof(NetworkInterfaceTrafficModes))]
    public string NetworkInterfaceTrafficMode { get; set; } = "";

    /// <summary>Number of ENIs.</summary>
    [JsonPropertyName("count")]
    [SchemaRequired]
    [SchemaMinimum(0)]
    public int Count { get; set; }
}

/// <summary>ENIs and IPs held for a node.</summary>
public sealed class NodeStatus : IConditionedStatus
{
    /// <summary>When the operator next reads the node's ENIs from the cloud.</summary>
    [JsonPropertyName("nextSyncOpenAPITime")]
    public DateTime? NextSyncOpenApiTime { get; set; }

    /// <summary>When the operator last read the node's ENIs from the cloud.</summary>
    [JsonPropertyName("lastSyncOpenAPITime")]
    public DateTime? LastSyncOpenApiTime { get; set; }

    /// <summary>When an IP was last assigned or released.</summary>
    [JsonPropertyName("lastModifiedTime")]
    public DateTime? LastModifiedTime { get; set; }

    /// <summary>When idle IPs are next reclaimed.</summary>
    [JsonPropertyName("nextIdleIPReclaimTime")]
    public DateTime? NextIdleIpReclaimTime { get; set; }

    /// <summary>IPs the one-time warm-up aims for.</summary>
    [JsonPropertyName("warmUpTarget")]
    public int? WarmUpTarget { get; set; }

    /// <summary>IPs allocated so far by the warm-up.</summary>
    [JsonPropertyName("warmUpAllocatedCount")]
    public int? WarmUpAllocatedCount { get; set; }

    /// <summary>Whether the warm-up has finished.</summary>
    [JsonPropertyName("warmUpCompleted")]
    public bool? WarmUpCompleted { get; set; }

    /// <summary>The node's ENIs by ENI ID.</summary>
    [JsonPropertyName("networkInterfaces")]
    public IDictionary<string, Nic>? NetworkInterfaces { get; set; }

    /// <summary>kstatus conditions: Ready, Reconciling and Stalled.</summary>
    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>The metadata.generation this status describes.</summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }
}

/// <summary>An ENI held for a node and its IPs.</summary>
public sealed class Nic
{
    /// <summary>ENI ID.</summary>
    [JsonPropertyName("id")]
    [SchemaRequired]
    public string Id { get; set; } = "";

    /// <summary>ECS status of the ENI: Available, Attaching, InUse, Detaching or Deleting.</summary>
    [JsonPropertyName("status")]
    [SchemaRequired]
    public string Status { get; set; } = "";

    /// <summary>MAC address.</summary>
    [JsonPropertyName("macAddress")]
    public string? MacAddress { get; set; }

    /// <summary>vSwitch ID.</summary>
    [JsonPropertyName("vSwitchID")]
    public string? VSwitchId { get; set; }

    /// <summary>Security group IDs.</summary>
    [JsonPropertyName("securityGroupIDs")]
    public IList<string>? SecurityGroupIds { get; set; }

    /// <summary>Primary private IP of the ENI.</summary>
    [JsonPropertyName("primaryIPAddress")]
    public string? PrimaryIpAddress { get; set; }

    /// <summary>Traffic mode.</summary>
    [JsonPropertyName("networkInterfaceTrafficMode")]
    [SchemaEnum(typeof(NetworkInterfaceTrafficModes))]
    public string? NetworkInterfaceTrafficMode { get; set; }

    /// <summary>ENI type.</summary>
    [JsonPropertyName("networkInterfaceType")]
    [SchemaEnum(typeof(EniTypes))]
    public string? NetworkInterfaceType { get; set; }

    /// <summary>True when the ENI must not serve new pods (blocked by tag, or eRDMA not managed).</summary>
    [JsonPropertyName("unschedulable")]
    public bool? Unschedulable { get; set; }

    /// <summary>IPv4 addresses by address.</summary>
    [JsonPropertyName("ipv4")]
    public IDictionary<string, NicIp>? Ipv4 { get; set; }

    /// <summary>IPv6 addresses by address.</summary>
    [JsonPropertyName("ipv6")]
    public IDictionary<string, NicIp>? Ipv6 { get; set; }

    /// <summary>IPv4 prefixes (prefix mode).</summary>
    [JsonPropertyName("ipv4Prefix")]
    public IList<IpPrefix>? Ipv4Prefix { get; set; }

    /// <summary>IPv6 prefixes (prefix mode).</summary>
    [JsonPropertyName("ipv6Prefix")]
    public IList<IpPrefix>? Ipv6Prefix { get; set; }

    /// <summary>IPv4 CIDR of the ENI's vSwitch.</summary>
    [JsonPropertyName("ipv4CIDR")]
    public string? Ipv4Cidr { get; set; }

    /// <summary>IPv6 CIDR of the ENI's vSwitch.</summary>
    [JsonPropertyName("ipv6CIDR")]
    public string? Ipv6Cidr { get; set; }

    /// <summary>Problems with the ENI by condition name (InsufficientIP, OperationErr).</summary>
    [JsonPropertyName("conditions")]
    public IDictionary<string, NicCondition>? Conditions { get; set; }
}

/// <summary>An IP address on an ENI and the pod using it.</summary>
public sealed class NicIp
{
    /// <summary>The address.</summary>
    [JsonPropertyName("ip")]
    [SchemaRequired]
    public string Ip { get; set; } = "";

    /// <summary>Whether this is the ENI's primary address.</summary>
    [JsonPropertyName("primary")]
    [SchemaRequired]
    public bool Primary { get; set; }

    /// <summary>Valid, Invalid or Deleting.</summary>
    [JsonPropertyName("status")]
    [SchemaRequired]
    [SchemaEnum(typeof(IPStatuses))]
    public string Status { get; set; } = "";

    /// <summary>The pod using the address, as namespace/name.</summary>
    [JsonPropertyName("podID")]
    public string? PodId { get; set; }

    /// <summary>UID of the pod using the address.</summary>
    [JsonPropertyName("podUID")]
    public string? PodUid { get; set; }

    /// <summary>Cloud-side name of the address.</summary>
    [JsonPropertyName("ipName")]
    public string? IpName { get; set; }
}

/// <summary>An IP prefix on an ENI.</summary>
public sealed class IpPrefix
{
    /// <summary>The prefix in CIDR notation.</summary>
    [JsonPropertyName("prefix")]
    public string? Prefix { get; set; }

    /// <summary>Valid, Frozen, Invalid or Deleting.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; set; }

    /// <summary>When a Frozen prefix becomes usable again.</summary>
    [JsonPropertyName("frozenExpireAt")]
    public DateTime? FrozenExpireAt { get; set; }
}

/// <summary>A problem observed on an ENI.</summary>
public sealed class NicCondition
{
    /// <summary>When it was observed.</summary>
    [JsonPropertyName("observedTime")]
    public DateTime? ObservedTime { get; set; }

    /// <summary>What was observed.</summary>
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
