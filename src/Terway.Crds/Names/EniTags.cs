namespace Terway.Crds.Names;

/// <summary>
/// Tags and descriptions on ENIs this system creates. GC only ever touches ENIs carrying the
/// cluster tag and a creator tag of ours.
/// </summary>
public static class EniTags
{
    /// <summary>Tag key whose value is the cluster ID.</summary>
    public const string ClusterIdKey = "ack.aliyun.com";

    /// <summary>Tag key naming the creator.</summary>
    public const string CreatorKey = "creator";

    /// <summary>Creator value on per-pod ENIs (PodENI: member and exclusive ENIs).</summary>
    public const string CreatorController = "terway-controller";

    /// <summary>Creator value on shared-ENI pool ENIs.</summary>
    public const string CreatorPool = "terway";

    /// <summary>Creator value of eRDMA controller ENIs, blocked from pod use by default.</summary>
    public const string CreatorErdmaController = "alibabacloud-erdma-controller";

    /// <summary>Tag key that, with value "true", blocks an ENI from pod use.</summary>
    public const string ExcludedKey = "terway.alibabacloud.com/excluded";

    /// <summary>
    /// Tag key on ENIs the operator creates for a PodENI; the value is <c>namespace/name</c>. Not a Terway tag:
    /// it lets garbage collection recognise an ENI whose PodENI has not recorded it yet (a crash between create
    /// and record) and lets people see what an ENI is for.
    /// </summary>
    public const string OwnerPodEniKey = "terway.alibabacloud.com/podeni";

    /// <summary>Tag key on trunk ENIs the operator creates; the value is the node name. Not a Terway tag.</summary>
    public const string OwnerNodeKey = "terway.alibabacloud.com/node";

    /// <summary>Description given to every ENI this system creates.</summary>
    public const string Description = "interface create by terway";
}
