using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Allocation;

/// <summary>What the pod's network interface gets: addresses, the ENI it rides on and how it is wired.</summary>
/// <param name="Mode">The datapath (before any ipvlan → veth fallback).</param>
/// <param name="IPv4">IPv4 address, vSwitch (or podCIDR) prefix length and gateway.</param>
/// <param name="IPv6">IPv6 address, if any.</param>
/// <param name="EniMac">The ENI the pod uses (exclusive, shared or trunk ENI); null in VPC mode.</param>
/// <param name="VlanId">The member ENI's VLAN (trunk modes).</param>
/// <param name="Source">Where it came from, for logs and the checkpoint.</param>
internal sealed record PodAllocation(DatapathMode Mode, PodIPConfig? IPv4, PodIPConfig? IPv6, PhysicalAddress? EniMac, ushort? VlanId, string Source)
{
    /// <summary>The addresses as Terway's events and the pod-ips annotation print them.</summary>
    public IEnumerable<IPAddress> Addresses => new[] { IPv4?.Address, IPv6?.Address }.OfType<IPAddress>();
}

/// <summary>The outcome of looking at the cluster for a pod's allocation once.</summary>
internal abstract record AllocationCheck
{
    private AllocationCheck()
    {
    }

    /// <summary>The allocation is there.</summary>
    public sealed record Ready(PodAllocation Allocation) : AllocationCheck;

    /// <summary>
    /// Not yet: <paramref name="State"/> says what the agent sees ("PodENI default/web-0 is in phase
    /// Binding"), <paramref name="Hint"/> what it waits for ("waiting for the operator to attach eni-1 to
    /// trunk eni-2"). On timeout they make the error and the pod event.
    /// </summary>
    public sealed record Waiting(string State, string Hint) : AllocationCheck;

    /// <summary>Cannot succeed by waiting: a CNI error with a plugin code.</summary>
    public sealed record Failed(int Code, string Message) : AllocationCheck;
}
