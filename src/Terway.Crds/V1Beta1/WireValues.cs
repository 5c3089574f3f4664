namespace Terway.Crds.V1Beta1;

// Wire values are plain strings with constant classes, never C# enums: a PodENI phase is
// the empty string while Initial, and an informer must keep working when a newer Terway
// writes a value this build does not know (see docs/crds.md, "Why strings, not enums").
// The generator turns the constants of a class named in [SchemaEnum] into a schema enum,
// in declaration order.

/// <summary>Values of <c>PodNetworking.spec.eniOptions.eniType</c> (Terway's ENIAttachType).</summary>
public static class EniAttachTypes
{
    /// <summary>Member ENI on the node's trunk ENI.</summary>
    public const string Trunk = "Trunk";

    /// <summary>Exclusive secondary ENI.</summary>
    public const string Eni = "ENI";

    /// <summary>Follow the cluster configuration (trunk when the operator enables trunking).</summary>
    public const string Default = "Default";
}

/// <summary>Values of <c>allocationType.type</c> (Terway's IPAllocType).</summary>
public static class IPAllocTypes
{
    /// <summary>The ENI and its IP are released with the pod.</summary>
    public const string Elastic = "Elastic";

    /// <summary>The ENI and its IP survive the pod and follow its name (StatefulSet-style pods only).</summary>
    public const string Fixed = "Fixed";
}

/// <summary>Values of <c>allocationType.releaseStrategy</c>.</summary>
public static class ReleaseStrategies
{
    /// <summary>Release a fixed IP when its pod has not been seen for <c>releaseAfter</c>.</summary>
    public const string Ttl = "TTL";

    /// <summary>Keep a fixed IP until its PodENI is deleted.</summary>
    public const string Never = "Never";
}

/// <summary>Values of <c>vSwitchSelectionPolicy</c> / <c>vSwitchSelectPolicy</c> (Terway's SelectionPolicy).</summary>
public static class VSwitchSelectionPolicies
{
    /// <summary>Use the vSwitches in the order listed.</summary>
    public const string Ordered = "ordered";

    /// <summary>Pick a vSwitch at random.</summary>
    public const string Random = "random";

    /// <summary>Prefer the vSwitch with the most available IPs.</summary>
    public const string Most = "most";
}

/// <summary>Values of <c>PodNetworking.status.status</c> (Terway's NetworkingStatus).</summary>
public static class NetworkingStatuses
{
    /// <summary>vSwitches resolved; pods may match this PodNetworking.</summary>
    public const string Ready = "Ready";

    /// <summary>Resolution failed; see <c>status.message</c>.</summary>
    public const string Fail = "Fail";
}

/// <summary>Values of <c>PodENI.status.phase</c> (Terway's Phase).</summary>
public static class PodEniPhases
{
    /// <summary>Created, not yet bound. On the wire this is the empty string (or an absent field).</summary>
    public const string Initial = "";

    /// <summary>The ENI is attached to the pod's ECS instance.</summary>
    public const string Bind = "Bind";

    /// <summary>A fixed-IP ENI is being attached again (the pod came back).</summary>
    public const string Binding = "Binding";

    /// <summary>A fixed-IP ENI is detached and kept for the pod's return.</summary>
    public const string Unbind = "Unbind";

    /// <summary>A fixed-IP ENI is being detached (its pod went away).</summary>
    public const string Detaching = "Detaching";

    /// <summary>The ENI is being released and the PodENI removed.</summary>
    public const string Deleting = "Deleting";

    /// <summary>True when <paramref name="phase"/> is one this build knows (null counts as Initial).</summary>
    /// <param name="phase">The phase read from the wire.</param>
    public static bool IsKnown(string? phase) => phase switch
    {
        null or Initial or Bind or Binding or Unbind or Detaching or Deleting => true,
        _ => false,
    };
}

/// <summary>Values of <c>eniInfos[].status</c> (Terway's ENIBindStatus).</summary>
public static class EniBindStatuses
{
    /// <summary>Attached.</summary>
    public const string Bind = "Bind";

    /// <summary>Not attached.</summary>
    public const string Unbind = "Unbind";

    /// <summary>Already deleted in the cloud.</summary>
    public const string Deleted = "Deleted";
}

/// <summary>ENI types as Terway records them (Terway's ENIType).</summary>
public static class EniTypes
{
    /// <summary>Secondary ENI (also how member ENIs are created before attaching).</summary>
    public const string Secondary = "Secondary";

    /// <summary>Trunk ENI.</summary>
    public const string Trunk = "Trunk";

    /// <summary>The instance's primary ENI.</summary>
    public const string Primary = "Primary";

    /// <summary>Member ENI attached through a trunk ENI, VLAN-tagged.</summary>
    public const string Member = "Member";
}

/// <summary>Values of <c>networkInterfaceTrafficMode</c>.</summary>
public static class NetworkInterfaceTrafficModes
{
    /// <summary>Ordinary ENI.</summary>
    public const string Standard = "Standard";

    /// <summary>eRDMA-capable ENI.</summary>
    public const string HighPerformance = "HighPerformance";
}

/// <summary>Values of an IP's <c>status</c> in the Node CR (Terway's IPStatus).</summary>
public static class IPStatuses
{
    /// <summary>Assigned in the cloud and usable.</summary>
    public const string Valid = "Valid";

    /// <summary>Known to be unusable.</summary>
    public const string Invalid = "Invalid";

    /// <summary>Being unassigned.</summary>
    public const string Deleting = "Deleting";
}

/// <summary>Values of an IP prefix's <c>status</c> in the Node CR.</summary>
public static class IPPrefixStatuses
{
    /// <summary>Assigned and usable.</summary>
    public const string Valid = "Valid";

    /// <summary>Held back until <c>frozenExpireAt</c>.</summary>
    public const string Frozen = "Frozen";

    /// <summary>Known to be unusable.</summary>
    public const string Invalid = "Invalid";

    /// <summary>Being unassigned.</summary>
    public const string Deleting = "Deleting";
}

/// <summary>ECS status strings recorded in the Node CR's <c>networkInterfaces[].status</c>.</summary>
public static class EniStatuses
{
    /// <summary>Created, not attached.</summary>
    public const string Available = "Available";

    /// <summary>Attach in progress.</summary>
    public const string Attaching = "Attaching";

    /// <summary>Attached.</summary>
    public const string InUse = "InUse";

    /// <summary>Detach in progress.</summary>
    public const string Detaching = "Detaching";

    /// <summary>Delete in progress.</summary>
    public const string Deleting = "Deleting";
}

/// <summary>Values of the Node CR's <c>spec.datapath.type</c>.</summary>
public static class DatapathTypes
{
    /// <summary>veth pair with policy routing.</summary>
    public const string Veth = "veth";

    /// <summary>ipvlan L2 child of the ENI.</summary>
    public const string IPvlan = "ipvlan";

    /// <summary>veth datapath with eBPF policy (Terway's datapathv2).</summary>
    public const string DatapathV2 = "datapathv2";
}

/// <summary>Keys of the per-ENI <c>conditions</c> map in the Node CR.</summary>
public static class NicConditionTypes
{
    /// <summary>The ENI's vSwitch could not supply more IPs.</summary>
    public const string InsufficientIP = "InsufficientIP";

    /// <summary>The last cloud operation on the ENI failed.</summary>
    public const string OperationErr = "OperationErr";
}
