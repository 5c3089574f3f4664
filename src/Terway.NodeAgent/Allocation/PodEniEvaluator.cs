using System.Net;
using System.Net.NetworkInformation;
using Terway.CniShim.Protocol;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Allocation;

/// <summary>The pod a CNI call is for, as the agent resolved it.</summary>
/// <param name="Namespace">Namespace.</param>
/// <param name="Name">Name.</param>
/// <param name="Uid">UID.</param>
internal sealed record PodIdentityKey(string Namespace, string Name, string? Uid)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>
/// Decides whether a pod's PodENI is ready for the agent, as Terway's daemon does: not being deleted,
/// phase Bind, bound for this pod's UID, allocations present, the ENI listed in <c>status.eniInfos</c>,
/// and for a member ENI the node's own trunk (a different trunk is a hard error, "PodENI used a
/// different trunk"). A trunk pod rides on the trunk ENI's MAC with the member's VLAN; an exclusive-ENI
/// pod gets the ENI itself (found by the allocation's MAC). Pure: inputs in, verdict out.
/// </summary>
internal static class PodEniEvaluator
{
    public static AllocationCheck Evaluate(PodIdentityKey pod, string ifName, V1Beta1PodEni? podEni, Func<(TrunkInfo? Trunk, AllocationCheck.Waiting? Missing)> trunk, VlanStripType vlanStripType)
    {
        var subject = $"PodENI {pod}";
        if (podEni is null)
        {
            return new AllocationCheck.Waiting($"{subject} does not exist", "waiting for the operator to create it");
        }

        if (podEni.Metadata?.DeletionTimestamp is not null)
        {
            return new AllocationCheck.Waiting($"{subject} is being deleted", "waiting for the operator to create a new one for this pod");
        }

        var allocation = podEni.Spec?.Allocations?.FirstOrDefault(a => (string.IsNullOrEmpty(a.Interface) ? "eth0" : a.Interface) == ifName);
        var eniId = allocation?.Eni?.Id ?? podEni.Spec?.Allocations?.FirstOrDefault()?.Eni?.Id ?? "its ENI";
        var isTrunk = allocation?.Eni?.AttachmentOptions?.Trunk == true;
        var phase = podEni.Status?.Phase ?? PodEniPhases.Initial;
        if (phase != PodEniPhases.Bind)
        {
            var target = isTrunk ? $"trunk {TrunkResolver.Or(podEni.Status?.TrunkEniId, "of the node")}" : "the node";
            return new AllocationCheck.Waiting($"{subject} is in phase {TrunkResolver.Or(phase, "Initial")}", $"waiting for the operator to attach {eniId} to {target}");
        }

        var boundUid = podEni.Metadata?.Annotations is { } a && a.TryGetValue(Annotations.PodUid, out var u) ? u : null;
        if (pod.Uid is not null && boundUid != pod.Uid)
        {
            return new AllocationCheck.Waiting($"{subject} is bound for pod UID {TrunkResolver.Or(boundUid, "(none)")}, the pod's UID is {pod.Uid}",
                "waiting for the operator to rebind it to this pod");
        }

        if (podEni.Spec?.Allocations is not { Count: > 0 })
        {
            return new AllocationCheck.Waiting($"{subject} has no allocations", "waiting for the operator to allocate an ENI");
        }

        if (allocation?.Eni?.Id is not { Length: > 0 } id)
        {
            return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, $"{subject} has no allocation for interface {ifName}");
        }

        if (podEni.Status?.EniInfos is not { } infos || !infos.TryGetValue(id, out var info))
        {
            return new AllocationCheck.Waiting($"{subject} has no status.eniInfos entry for {id}", "waiting for the operator to record the attachment");
        }

        var (ipv4, ipv6, problem) = Addresses(subject, allocation);
        if (problem is not null)
        {
            return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, problem);
        }

        if (isTrunk)
        {
            var (node, missing) = trunk();
            if (node is null)
            {
                return missing!;
            }

            if (podEni.Status.TrunkEniId != node.EniId)
            {
                return new AllocationCheck.Failed(CniErrorCodes.TrunkMismatch,
                    $"PodENI used a different trunk: {subject} is bound through trunk {TrunkResolver.Or(podEni.Status.TrunkEniId, "(none)")}, this node's trunk is {node.EniId}");
            }

            if (info.Vid is not (> 0 and < 4095))
            {
                return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, $"{subject}: status.eniInfos[{id}].vid is {info.Vid?.ToString() ?? "missing"}, want a VLAN id 1-4094");
            }

            var mode = vlanStripType == VlanStripType.Vlan ? DatapathMode.TrunkVlan : DatapathMode.TrunkTc;
            return new AllocationCheck.Ready(new PodAllocation(mode, ipv4, ipv6, node.Mac, (ushort)info.Vid.Value,
                $"{subject} member {id} VLAN {info.Vid} on trunk {node.EniId}"));
        }

        if (!PhysicalAddress.TryParse(allocation.Eni.Mac, out var mac) || mac.GetAddressBytes().Length != 6)
        {
            return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, $"{subject}: allocation {id} has no valid MAC (\"{allocation.Eni.Mac}\")");
        }

        return new AllocationCheck.Ready(new PodAllocation(DatapathMode.ExclusiveEni, ipv4, ipv6, mac, null, $"{subject} exclusive {id}"));
    }

    private static (PodIPConfig? V4, PodIPConfig? V6, string? Problem) Addresses(string subject, Crds.V1Beta1.Allocation allocation)
    {
        var v4 = Address(allocation.Ipv4, allocation.Ipv4Cidr, out var p4);
        var v6 = Address(allocation.Ipv6, allocation.Ipv6Cidr, out var p6);
        if (p4 is not null || p6 is not null)
        {
            return (null, null, $"{subject}: {p4 ?? p6}");
        }

        return v4 is null && v6 is null ? (null, null, $"{subject}: allocation {allocation.Eni?.Id} has no address") : (v4, v6, null);
    }

    /// <summary>An address with the vSwitch prefix and its gateway (CIDR index −3).</summary>
    internal static PodIPConfig? Address(string? ip, string? cidr, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(ip))
        {
            return null;
        }

        if (!IPAddress.TryParse(ip, out var address))
        {
            problem = $"\"{ip}\" is not an IP address";
            return null;
        }

        if (!IPNetwork.TryParse(cidr, out var network) || !network.Contains(address) || !Terway.Crds.Addressing.VSwitchGateway.TryDerive(cidr, out var gateway))
        {
            problem = $"address {ip} needs the vSwitch CIDR it belongs to (got \"{cidr}\")";
            return null;
        }

        return new PodIPConfig(address, network.PrefixLength, gateway);
    }
}
