namespace Terway.Crds.Names;

/// <summary>Label keys Terway and this project read or write (terway.md §1.2, §1.4, §2.5).</summary>
public static class Labels
{
    /// <summary>PodENI: the node the pod runs on.</summary>
    public const string Node = Annotations.Prefix + "node";

    /// <summary>Pod or node: "true" makes Terway leave it alone.</summary>
    public const string IgnoreByTerway = Annotations.Prefix + "ignore-by-terway";

    /// <summary>Node and Node CR: <c>default</c> or <c>eniOnly</c> (exclusive ENI node pool); immutable.</summary>
    public const string ExclusiveModeEniType = Annotations.Prefix + "exclusive-mode-eni-type";

    /// <summary>Namespace: "false" keeps the pod webhook away from the namespace (same key as the pod annotation).</summary>
    public const string NamespacePodEni = Annotations.PodEni;

    /// <summary>Node: name of a ConfigMap whose eni_conf is merge-patched over eni-config for this node.</summary>
    public const string TerwayConfig = "terway-config";

    /// <summary>Node: "true" on Lingjun workers.</summary>
    public const string LingjunWorker = "alibabacloud.com/lingjun-worker";

    /// <summary>Node CR: the node's name.</summary>
    public const string Name = "name";

    /// <summary>Node: <c>virtual-kubelet</c> marks nodes Terway skips.</summary>
    public const string NodeType = "type";

    /// <summary>Value of <see cref="NodeType"/> on virtual-kubelet nodes.</summary>
    public const string VirtualKubelet = "virtual-kubelet";

    /// <summary>Well-known Kubernetes label: zone of a node.</summary>
    public const string TopologyZone = "topology.kubernetes.io/zone";

    /// <summary>Well-known Kubernetes label: region of a node.</summary>
    public const string TopologyRegion = "topology.kubernetes.io/region";

    /// <summary>Well-known Kubernetes label: instance type of a node.</summary>
    public const string InstanceType = "node.kubernetes.io/instance-type";
}

/// <summary>Values of <see cref="Labels.ExclusiveModeEniType"/>.</summary>
public static class ExclusiveModeEniTypes
{
    /// <summary>Ordinary node.</summary>
    public const string Default = "default";

    /// <summary>Exclusive-ENI node: every pod gets its own ENI.</summary>
    public const string EniOnly = "eniOnly";
}
