using System.Net.NetworkInformation;
using Terway.CniShim.Protocol;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Allocation;

/// <summary>
/// Centralized shared-ENI IPAM (Terway's "centralized shared IP wait"): the pod's address is the
/// secondary IP the operator recorded in the Node CR, on an InUse ENI, with status Valid,
/// <c>podID</c> = <c>namespace/name</c> and (when set) the pod's UID. The pod rides on that ENI (found
/// by its MAC) with a veth or an ipvlan child. Pure: inputs in, verdict out.
/// </summary>
internal static class NodeCrEvaluator
{
    public static AllocationCheck Evaluate(PodIdentityKey pod, string nodeName, V1Beta1Node? nodeCr, EniIpVirtualType virtualType)
    {
        if (nodeCr is null)
        {
            return new AllocationCheck.Waiting($"Node CR {nodeName} does not exist", "waiting for the operator to create it");
        }

        var podId = PodIdentity.Key(pod.Namespace, pod.Name);
        var nics = nodeCr.Status?.NetworkInterfaces ?? new Dictionary<string, Nic>();
        foreach (var (eniId, nic) in nics.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            var v4 = Find(nic.Ipv4, podId, pod.Uid);
            var v6 = Find(nic.Ipv6, podId, pod.Uid);
            if (v4 is null && v6 is null)
            {
                continue;
            }

            if (nic.Status != EniStatuses.InUse)
            {
                return new AllocationCheck.Waiting($"the IP of pod {pod} in Node CR {nodeName} is on ENI {eniId}, which is {TrunkResolver.Or(nic.Status, "in no state")}",
                    "waiting for the ENI to become InUse");
            }

            if (!PhysicalAddress.TryParse(nic.MacAddress, out var mac) || mac.GetAddressBytes().Length != 6)
            {
                return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, $"Node CR {nodeName}: ENI {eniId} has no valid macAddress (\"{nic.MacAddress}\")");
            }

            var ipv4 = PodEniEvaluator.Address(v4?.Ip, nic.Ipv4Cidr, out var p4);
            var ipv6 = PodEniEvaluator.Address(v6?.Ip, nic.Ipv6Cidr, out var p6);
            if (p4 is not null || p6 is not null)
            {
                return new AllocationCheck.Failed(CniErrorCodes.InvalidAllocation, $"Node CR {nodeName}, ENI {eniId}: {p4 ?? p6}");
            }

            var mode = virtualType == EniIpVirtualType.IPvlan ? DatapathMode.EniIpIpvlan : DatapathMode.EniIpVeth;
            return new AllocationCheck.Ready(new PodAllocation(mode, ipv4, ipv6, mac, null, $"Node CR {nodeName} ENI {eniId}"));
        }

        var conditions = nics.Values
            .SelectMany(n => (n.Conditions ?? new Dictionary<string, NicCondition>()).Select(c => $"{n.Id}: {c.Key} {c.Value.Message}".TrimEnd()))
            .ToList();
        var hint = "waiting for the operator to assign one";
        if (conditions.Count > 0)
        {
            hint += $" (ENI conditions: {string.Join("; ", conditions)})";
        }

        return new AllocationCheck.Waiting($"Node CR {nodeName} has no IP for pod {pod}", hint);
    }

    private static NicIp? Find(IDictionary<string, NicIp>? ips, string podId, string? podUid) =>
        ips?.Values.FirstOrDefault(ip => ip.PodId == podId
            && ip.Status == IPStatuses.Valid
            && (string.IsNullOrEmpty(ip.PodUid) || podUid is null || ip.PodUid == podUid));
}
