namespace Terway.Crds.Names;

/// <summary>Annotation keys Terway and this project read or write (terway.md §2.5).</summary>
public static class Annotations
{
    /// <summary>Prefix shared by Terway's keys.</summary>
    public const string Prefix = "k8s.aliyun.com/";

    /// <summary>Pod: "true" when the pod gets its own ENI through a PodENI (set by the webhook).</summary>
    public const string PodEni = Prefix + "pod-eni";

    /// <summary>Pod: name of the PodNetworking the webhook matched.</summary>
    public const string PodNetworking = Prefix + "pod-networking";

    /// <summary>Pod: explicit network configuration, JSON <c>{"podNetworks":[...]}</c> (see <c>PodNetworksAnnotation</c>).</summary>
    public const string PodNetworks = Prefix + "pod-networks";

    /// <summary>Pod: requested networks by PodNetworking name, JSON list (see <c>PodNetworkRequest</c>).</summary>
    public const string PodNetworksRequest = Prefix + "pod-networks-request";

    /// <summary>PodENI: UID of the pod it was bound for.</summary>
    public const string PodUid = Prefix + "pod-uid";

    /// <summary>Pod: "true" keeps a shared-ENI IP for a while after the pod is deleted (legacy node-local IPAM).</summary>
    public const string PodIpReservation = Prefix + "pod-ip-reservation";

    /// <summary>Pod: comma-separated pod IPs, patched by the node agent.</summary>
    public const string PodIps = Prefix + "pod-ips";

    /// <summary>Pod: traffic priority, guaranteed, burstable or best-effort.</summary>
    public const string NetworkPriority = Prefix + "network-priority";

    /// <summary>Node: ID of the node's attached trunk ENI.</summary>
    public const string TrunkOn = Prefix + "trunk-on";

    /// <summary>Node: shared-ENI IP capacity.</summary>
    public const string MaxAvailableIp = Prefix + "max-available-ip";

    /// <summary>Node: member-ENI capacity.</summary>
    public const string MaxMemberEniIp = Prefix + "max-member-eni-ip";

    /// <summary>Node: eRDMA IP capacity.</summary>
    public const string MaxErdmaIp = Prefix + "max-erdma-ip";

    /// <summary>PodENI: Lingjun (ENO) API marker.</summary>
    public const string EnoApi = Prefix + "eno-api";

    /// <summary>Pod: ingress bandwidth limit (deprecated; prefer <see cref="KubernetesIngressBandwidth"/>).</summary>
    public const string IngressBandwidth = Prefix + "ingress-bandwidth";

    /// <summary>Pod: egress bandwidth limit (deprecated; prefer <see cref="KubernetesEgressBandwidth"/>).</summary>
    public const string EgressBandwidth = Prefix + "egress-bandwidth";

    /// <summary>Pod: the standard Kubernetes ingress bandwidth annotation.</summary>
    public const string KubernetesIngressBandwidth = "kubernetes.io/ingress-bandwidth";

    /// <summary>Pod: the standard Kubernetes egress bandwidth annotation.</summary>
    public const string KubernetesEgressBandwidth = "kubernetes.io/egress-bandwidth";

    /// <summary>Node: instance type facts as JSON, used instead of DescribeInstanceTypes when present.</summary>
    public const string InstanceTypeInfo = "alibabacloud.com/instance-type-info";

    /// <summary>CRD: semantic version of the schema; a CRD is only replaced by a higher version.</summary>
    public const string CrdVersion = "crd.network.alibabacloud.com/version";

    /// <summary>The value "true" used by boolean annotations and labels.</summary>
    public const string True = "true";

    /// <summary>The value "false" used by boolean annotations and labels.</summary>
    public const string False = "false";
}

/// <summary>Values of <see cref="Annotations.NetworkPriority"/>.</summary>
public static class NetworkPriorities
{
    /// <summary>Highest priority band.</summary>
    public const string Guaranteed = "guaranteed";

    /// <summary>Default band.</summary>
    public const string Burstable = "burstable";

    /// <summary>Lowest priority band.</summary>
    public const string BestEffort = "best-effort";
}
