using System.Text.Json.Serialization;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.PodAnnotations;

/// <summary>
/// The JSON in a pod's <c>k8s.aliyun.com/pod-networks</c> annotation: the network interfaces
/// the pod gets. The webhook writes it (normalized); users may set it by hand. Serialize with
/// <c>k8s.KubernetesJson</c>.
/// </summary>
public sealed class PodNetworksAnnotation
{
    /// <summary>One entry per pod interface.</summary>
    [JsonPropertyName("podNetworks")]
    public IList<PodNetwork>? PodNetworks { get; set; }
}

/// <summary>One pod interface in the pod-networks annotation.</summary>
public sealed class PodNetwork
{
    /// <summary>Interface name in the pod (eth0 when empty; 1 to 5 characters).</summary>
    [JsonPropertyName("interface")]
    public string? Interface { get; set; }

    /// <summary>vSwitch IDs to choose from.</summary>
    [JsonPropertyName("vSwitchOptions")]
    public IList<string>? VSwitchOptions { get; set; }

    /// <summary>Security group IDs (at most 10).</summary>
    [JsonPropertyName("securityGroupIDs")]
    public IList<string>? SecurityGroupIds { get; set; }

    /// <summary>Extra routes through the interface.</summary>
    [JsonPropertyName("extraRoutes")]
    public IList<Route>? ExtraRoutes { get; set; }

    /// <summary>ENI type.</summary>
    [JsonPropertyName("eniOptions")]
    public EniOptions? EniOptions { get; set; }

    /// <summary>vSwitch selection policy.</summary>
    [JsonPropertyName("vSwitchSelectOptions")]
    public VSwitchSelectOptions? VSwitchSelectOptions { get; set; }

    /// <summary>Resource group for the ENI.</summary>
    [JsonPropertyName("resourceGroupID")]
    public string? ResourceGroupId { get; set; }

    /// <summary>Standard or HighPerformance.</summary>
    [JsonPropertyName("networkInterfaceTrafficMode")]
    public string? NetworkInterfaceTrafficMode { get; set; }

    /// <summary>Whether the pod's default route uses this interface.</summary>
    [JsonPropertyName("defaultRoute")]
    public bool? DefaultRoute { get; set; }

    /// <summary>Allocation type (the webhook defaults it to Elastic).</summary>
    [JsonPropertyName("allocationType")]
    public AllocationType? AllocationType { get; set; }
}

/// <summary>
/// One entry of the JSON list in a pod's <c>k8s.aliyun.com/pod-networks-request</c>
/// annotation: a pod interface backed by a named PodNetworking (which must be Ready and have
/// no selector).
/// </summary>
public sealed class PodNetworkRequest
{
    /// <summary>Interface name in the pod.</summary>
    [JsonPropertyName("interfaceName")]
    public string? InterfaceName { get; set; }

    /// <summary>Name of the PodNetworking.</summary>
    [JsonPropertyName("network")]
    public string? Network { get; set; }

    /// <summary>Whether the pod's default route uses this interface.</summary>
    [JsonPropertyName("defaultRoute")]
    public bool? DefaultRoute { get; set; }

    /// <summary>Extra routes through the interface.</summary>
    [JsonPropertyName("routes")]
    public IList<Route>? Routes { get; set; }
}
