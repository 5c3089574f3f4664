using k8s.Models;
using Terway.Cloud.Ecs;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.Operator.Controllers.PodEni;

namespace Terway.Operator.Controllers.Node;

/// <summary>A node's identity in the cloud, read from the core Node (Terway's rules).</summary>
/// <param name="RegionId">Label <c>topology.kubernetes.io/region</c>, else the providerID's region.</param>
/// <param name="ZoneId">Label <c>topology.kubernetes.io/zone</c>.</param>
/// <param name="InstanceType">Label <c>node.kubernetes.io/instance-type</c>.</param>
/// <param name="InstanceId">From <c>spec.providerID</c> = <c>&lt;region&gt;.&lt;instanceId&gt;</c>.</param>
internal sealed record NodeIdentity(string? RegionId, string? ZoneId, string? InstanceType, string? InstanceId)
{
    /// <summary>Everything the node controller needs is known.</summary>
    public bool IsComplete => !string.IsNullOrEmpty(ZoneId) && !string.IsNullOrEmpty(InstanceType) && !string.IsNullOrEmpty(InstanceId);

    /// <summary>The fields that are missing, for a condition message.</summary>
    public IEnumerable<string> Missing()
    {
        if (string.IsNullOrEmpty(InstanceId))
        {
            yield return "spec.providerID (<region>.<instanceId>)";
        }

        if (string.IsNullOrEmpty(ZoneId))
        {
            yield return "label " + Labels.TopologyZone;
        }

        if (string.IsNullOrEmpty(InstanceType))
        {
            yield return "label " + Labels.InstanceType;
        }
    }
}

/// <summary>Pure readings of core Nodes and Node CRs.</summary>
internal static class NodeInfo
{
    /// <summary>Parses the node's identity. The providerID is <c>&lt;region&gt;.&lt;instanceId&gt;</c>, optionally after a <c>scheme://</c>.</summary>
    public static NodeIdentity Identity(V1Node node)
    {
        var labels = node.Metadata?.Labels ?? new Dictionary<string, string>();
        var (providerRegion, instanceId) = ParseProviderId(node.Spec?.ProviderID);
        return new NodeIdentity(
            labels.TryGetValue(Labels.TopologyRegion, out var region) && region.Length > 0 ? region : providerRegion,
            labels.TryGetValue(Labels.TopologyZone, out var zone) && zone.Length > 0 ? zone : null,
            labels.TryGetValue(Labels.InstanceType, out var type) && type.Length > 0 ? type : null,
            instanceId);
    }

    /// <summary>Splits a providerID into region and instance ID.</summary>
    public static (string? Region, string? InstanceId) ParseProviderId(string? providerId)
    {
        if (string.IsNullOrWhiteSpace(providerId))
        {
            return (null, null);
        }

        var text = providerId;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == text.Length - 1)
        {
            return (null, null);
        }

        var instance = text[(dot + 1)..];
        return instance.StartsWith("i-", StringComparison.Ordinal) ? (text[..dot], instance) : (null, null);
    }

    /// <summary>Whether the node is in exclusive-ENI mode (label <c>k8s.aliyun.com/exclusive-mode-eni-type: eniOnly</c>).</summary>
    public static bool IsEniOnly(V1Node? node) =>
        node?.Metadata?.Labels is { } labels && labels.TryGetValue(Labels.ExclusiveModeEniType, out var v) && v == ExclusiveModeEniTypes.EniOnly;

    /// <summary>The trunk ENI recorded in the Node CR status (any state), if any.</summary>
    public static Nic? RecordedTrunk(V1Beta1Node? cr) =>
        cr?.Status?.NetworkInterfaces?.Values.FirstOrDefault(n => n.NetworkInterfaceType == EniTypes.Trunk);

    /// <summary>Whether the node should have a trunk ENI: cluster trunking on, not eniOnly, not virtual-kubelet, and a type that supports it.</summary>
    public static bool WantsTrunk(bool enableTrunk, V1Node node, int memberAdapterLimit) =>
        enableTrunk && !IsEniOnly(node) && !PodIdentity.IsVirtualKubeletNode(node) && memberAdapterLimit > 0;

    /// <summary>The Node CR's <c>spec.nodeCap</c> from an instance type (Terway's <c>limit.go</c> formulas).</summary>
    public static NodeCap Capacity(InstanceTypeInfo type) => new()
    {
        Adapters = type.EniQuantity,
        TotalAdapters = type.EniTotalQuantity,
        Ipv4PerAdapter = type.EniPrivateIpAddressQuantity,
        Ipv6PerAdapter = type.EniIpv6AddressQuantity,
        EriQuantity = type.EriQuantity,
        MemberAdapterLimit = type.MemberEniLimit,
        // Inferred: with no secondary ENI attached, every slot but the primary could hold a member.
        MaxMemberAdapterLimit = type.EniTrunkSupported && type.EniTotalQuantity > 1 ? type.EniTotalQuantity - 1 : 0,
        NetworkCardsCount = type.NetworkCardQuantity,
    };

    /// <summary>What the PodENI controller needs to know about a pod's node.</summary>
    public static NodeFacts Facts(string name, V1Node? node, V1Beta1Node? cr, bool enableTrunk)
    {
        if (node is null)
        {
            return new NodeFacts(name, Exists: false, cr?.Spec.NodeMetadata?.InstanceId, cr?.Spec.NodeMetadata?.ZoneId, null, null);
        }

        var identity = Identity(node);
        var trunk = RecordedTrunk(cr);
        bool? capable = !enableTrunk || IsEniOnly(node) || PodIdentity.IsVirtualKubeletNode(node)
            ? false
            : cr?.Spec.NodeCap?.MemberAdapterLimit is { } limit ? limit > 0 : null;
        return new NodeFacts(name, Exists: true, identity.InstanceId ?? cr?.Spec.NodeMetadata?.InstanceId, identity.ZoneId ?? cr?.Spec.NodeMetadata?.ZoneId,
            trunk is { Status: EniStatuses.InUse } ? trunk.Id : null, capable);
    }
}
