using k8s.Models;
using Terway.Crds.Names;
using Terway.NodeAgent.Configuration;

namespace Terway.NodeAgent.Allocation;

/// <summary>Where a pod's allocation comes from.</summary>
internal enum AllocationSource
{
    /// <summary>A PodENI (trunk member ENI or exclusive ENI).</summary>
    PodEni,

    /// <summary>A secondary IP of a shared ENI, from the Node CR.</summary>
    NodeCr,

    /// <summary>The node's podCIDR (VPC mode).</summary>
    PodCidr,
}

/// <summary>How a pod's allocation source is chosen (docs/node-agent.md, "How a pod's mode is chosen").</summary>
internal static class PodClassifier
{
    public static AllocationSource Classify(IpamType ipamType, V1Pod pod, V1Node? node)
    {
        if (ipamType == IpamType.Vpc)
        {
            return AllocationSource.PodCidr;
        }

        if (pod.Metadata?.Annotations is { } a && a.TryGetValue(Annotations.PodEni, out var v) && v == Annotations.True)
        {
            return AllocationSource.PodEni;
        }

        // Exclusive-ENI node pool: the operator gives every pod on such a node its own ENI.
        if (node?.Metadata?.Labels is { } l && l.TryGetValue(Labels.ExclusiveModeEniType, out var t) && t == ExclusiveModeEniTypes.EniOnly)
        {
            return AllocationSource.PodEni;
        }

        return AllocationSource.NodeCr;
    }
}
