using System.Net.NetworkInformation;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;

namespace Terway.NodeAgent.Allocation;

/// <summary>The node's trunk ENI.</summary>
/// <param name="EniId">Its ID (core Node annotation <c>k8s.aliyun.com/trunk-on</c>).</param>
/// <param name="Mac">Its MAC (Node CR <c>status.networkInterfaces[id].macAddress</c>): how the link is found on the node.</param>
internal sealed record TrunkInfo(string EniId, PhysicalAddress Mac);

/// <summary>Finds the node's trunk ENI from the core Node's annotation and the Node CR's ENI list.</summary>
internal static class TrunkResolver
{
    /// <summary>The trunk, or a <see cref="AllocationCheck.Waiting"/> saying what is missing.</summary>
    public static (TrunkInfo? Trunk, AllocationCheck.Waiting? Missing) Resolve(string nodeName, V1Node? node, V1Beta1Node? nodeCr)
    {
        if (node is null)
        {
            return (null, new AllocationCheck.Waiting($"node {nodeName} is not in the agent's cache", "waiting for the Node object"));
        }

        if (node.Metadata?.Annotations is not { } annotations || !annotations.TryGetValue(Annotations.TrunkOn, out var trunkId) || string.IsNullOrEmpty(trunkId))
        {
            return (null, new AllocationCheck.Waiting($"node {nodeName} has no {Annotations.TrunkOn} annotation",
                "waiting for the operator to attach a trunk ENI to the node"));
        }

        if (nodeCr?.Status?.NetworkInterfaces is not { } nics || !nics.TryGetValue(trunkId, out var nic))
        {
            return (null, new AllocationCheck.Waiting($"Node CR {nodeName} has no entry for trunk ENI {trunkId}",
                "waiting for the operator to record the trunk ENI in status.networkInterfaces"));
        }

        if (nic.Status != EniStatuses.InUse)
        {
            return (null, new AllocationCheck.Waiting($"trunk ENI {trunkId} of node {nodeName} is {Or(nic.Status, "in no state")}",
                "waiting for it to become InUse"));
        }

        if (!PhysicalAddress.TryParse(nic.MacAddress, out var mac) || mac.GetAddressBytes().Length != 6)
        {
            return (null, new AllocationCheck.Waiting($"trunk ENI {trunkId} of node {nodeName} has no MAC address in the Node CR",
                "waiting for the operator to fill macAddress"));
        }

        return (new TrunkInfo(trunkId, mac), null);
    }

    internal static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}
