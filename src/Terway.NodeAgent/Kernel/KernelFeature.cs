namespace Terway.NodeAgent.Kernel;

/// <summary>Kernel capabilities the datapaths depend on.</summary>
public enum KernelFeature
{
    /// <summary>veth pairs.</summary>
    Veth,

    /// <summary>Linux bridges (used by test fabrics and the sandbox).</summary>
    Bridge,

    /// <summary>802.1Q VLAN devices (module 8021q).</summary>
    Vlan8021Q,

    /// <summary>ipvlan devices.</summary>
    Ipvlan,

    /// <summary>macvlan devices.</summary>
    Macvlan,

    /// <summary>The clsact qdisc (sch_ingress).</summary>
    Clsact,

    /// <summary>The u32 classifier with the mirred action (cls_u32, act_mirred).</summary>
    U32Mirred,

    /// <summary>bpf(2) loading BPF_PROG_TYPE_SCHED_CLS programs.</summary>
    BpfSyscall,

    /// <summary>The bpf_skb_vlan_push/pop helpers in tc programs.</summary>
    BpfVlanHelpers,

    /// <summary>The bpf classifier in direct-action mode (cls_bpf).</summary>
    ClsBpf,
}

/// <summary>Human names for <see cref="KernelFeature"/>.</summary>
public static class KernelFeatureNames
{
    /// <summary>The feature as a kernel engineer would name it, e.g. "8021q (802.1Q VLAN devices)".</summary>
    public static string Describe(KernelFeature feature) => feature switch
    {
        KernelFeature.Veth => "veth",
        KernelFeature.Bridge => "bridge",
        KernelFeature.Vlan8021Q => "8021q (802.1Q VLAN devices)",
        KernelFeature.Ipvlan => "ipvlan",
        KernelFeature.Macvlan => "macvlan",
        KernelFeature.Clsact => "sch_clsact (clsact qdisc)",
        KernelFeature.U32Mirred => "cls_u32 + act_mirred",
        KernelFeature.BpfSyscall => "bpf() BPF_PROG_LOAD for SCHED_CLS",
        KernelFeature.BpfVlanHelpers => "bpf_skb_vlan_push/pop helpers",
        KernelFeature.ClsBpf => "cls_bpf (direct-action)",
        _ => feature.ToString(),
    };
}

/// <summary>Whether one feature is available, and why not when it is not.</summary>
/// <param name="Feature">The feature.</param>
/// <param name="Available">True when the probe succeeded.</param>
/// <param name="Detail">The error the probe hit, or "available".</param>
public sealed record KernelFeatureStatus(KernelFeature Feature, bool Available, string Detail);

/// <summary>The result of probing the running kernel once.</summary>
public sealed class KernelFeatureReport
{
    private readonly Dictionary<KernelFeature, KernelFeatureStatus> _byFeature;

    /// <summary>Creates a report from probe results.</summary>
    public KernelFeatureReport(IEnumerable<KernelFeatureStatus> statuses) =>
        _byFeature = statuses.ToDictionary(s => s.Feature);

    /// <summary>Every probed feature.</summary>
    public IReadOnlyCollection<KernelFeatureStatus> Features => _byFeature.Values;

    /// <summary>True if <paramref name="feature"/> was probed and works.</summary>
    public bool Has(KernelFeature feature) => _byFeature.TryGetValue(feature, out var s) && s.Available;

    /// <summary>The status of one feature.</summary>
    public KernelFeatureStatus this[KernelFeature feature] =>
        _byFeature.TryGetValue(feature, out var s) ? s : new KernelFeatureStatus(feature, false, "not probed");

    /// <summary>Which of <paramref name="required"/> are missing.</summary>
    public IReadOnlyList<KernelFeature> Missing(IEnumerable<KernelFeature> required) =>
        required.Where(f => !Has(f)).ToList();

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(", ", _byFeature.Values.OrderBy(s => s.Feature).Select(s => $"{s.Feature}={(s.Available ? "yes" : "no")}"));
}
