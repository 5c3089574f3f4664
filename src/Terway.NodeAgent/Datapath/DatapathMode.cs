namespace Terway.NodeAgent.Datapath;

/// <summary>How a pod's network namespace is wired; one implementation folder per mode.</summary>
public enum DatapathMode
{
    /// <summary>VPC routes: veth pair, pod address from the node's podCIDR, host route.</summary>
    Vpc,

    /// <summary>A whole ENI moved into the pod as eth0, plus veth1 to the host for Service and node traffic.</summary>
    ExclusiveEni,

    /// <summary>Shared ENI secondary IP on a veth with policy routing (table 1000+ENI ifindex, rules 512/2048).</summary>
    EniIpVeth,

    /// <summary>Shared ENI secondary IP on an ipvlan L2 child of the ENI, Service traffic redirected to the host slave.</summary>
    EniIpIpvlan,

    /// <summary>Trunk member ENI as an 802.1Q sub-interface of the trunk ENI moved into the pod.</summary>
    TrunkVlan,

    /// <summary>Trunk member ENI through tc on the trunk ENI: VLAN pushed/popped by per-pod cls_bpf programs, veth to the pod.</summary>
    TrunkTc,
}
