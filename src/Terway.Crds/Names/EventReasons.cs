namespace Terway.Crds.Names;

/// <summary>Kubernetes event reasons, as Terway emits them (terway.md §4).</summary>
public static class EventReasons
{
    /// <summary>ENI created.</summary>
    public const string CreateEniSucceed = "CreateENISucceed";

    /// <summary>ENI creation failed.</summary>
    public const string CreateEniFailed = "CreateENIFailed";

    /// <summary>ENI attached.</summary>
    public const string AttachEniSucceed = "AttachENISucceed";

    /// <summary>ENI attach failed.</summary>
    public const string AttachEniFailed = "AttachENIFailed";

    /// <summary>ENI detached.</summary>
    public const string DetachEniSucceed = "DetachENISucceed";

    /// <summary>ENI detach failed.</summary>
    public const string DetachEniFailed = "DetachENIFailed";

    /// <summary>ENI deleted.</summary>
    public const string DeleteEniSucceed = "DeleteENISucceed";

    /// <summary>ENI deletion failed.</summary>
    public const string DeleteEniFailed = "DeleteENIFailed";

    /// <summary>A PodENI update failed.</summary>
    public const string UpdatePodEniFailed = "UpdatePodENIFailed";

    /// <summary>A PodENI deletion failed.</summary>
    public const string DeletePodEniFailed = "DeletePodENIFailed";

    /// <summary>Allocating ENIs for a new pod failed.</summary>
    public const string PodCreateFailed = "PodCreateFailed";

    /// <summary>Releasing a deleted pod's ENIs failed.</summary>
    public const string PodDeleteFailed = "PodDeleteFailed";

    /// <summary>A PodNetworking's vSwitches were resolved.</summary>
    public const string SyncPodNetworkingSucceed = "SyncPodNetworkingSucceed";

    /// <summary>Resolving a PodNetworking's vSwitches failed.</summary>
    public const string SyncPodNetworkingFailed = "SyncPodNetworkingFailed";

    /// <summary>The configuration is invalid.</summary>
    public const string ConfigError = "ConfigError";

    /// <summary>The node agent gave a pod its IP ("Alloc IP ... took ...").</summary>
    public const string AllocIpSucceed = "AllocIPSucceed";

    /// <summary>Giving a pod an IP failed.</summary>
    public const string AllocIpFailed = "AllocIPFailed";

    /// <summary>A Node CR was synced with the cloud.</summary>
    public const string SyncOpenApiSuccess = "SyncOpenAPISuccess";

    /// <summary>Syncing a Node CR with the cloud failed.</summary>
    public const string SyncOpenApiFailed = "SyncOpenAPIFailed";

    /// <summary>A node's prefix mode was asked to change, which is not allowed.</summary>
    public const string PrefixModeImmutable = "PrefixModeImmutable";

    /// <summary>The node agent fell back from ipvlan to veth.</summary>
    public const string VirtualModeChanged = "VirtualModeChanged";

    /// <summary>CNI CHECK repaired a pod's interface.</summary>
    public const string ConfigCheck = "ConfigCheck";
}
