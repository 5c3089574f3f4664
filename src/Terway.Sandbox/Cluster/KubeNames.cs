namespace Terway.Sandbox.Cluster;

/// <summary>
/// Kubernetes' own well-known names that the sandbox's cluster stand-ins (kubelet, scheduler,
/// workload controllers) use. Terway's names live in Terway.Crds; these are Kubernetes'.
/// </summary>
internal static class KubeNames
{
    /// <summary>Node label: the node's host name.</summary>
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>Node label: operating system.</summary>
    public const string OsLabel = "kubernetes.io/os";

    /// <summary>Node label: CPU architecture.</summary>
    public const string ArchLabel = "kubernetes.io/arch";

    /// <summary>StatefulSet pod label: the pod's name.</summary>
    public const string StatefulSetPodName = "statefulset.kubernetes.io/pod-name";

    /// <summary>StatefulSet pod label: the pod's ordinal.</summary>
    public const string PodIndex = "apps.kubernetes.io/pod-index";

    /// <summary>StatefulSet pod label: the revision the pod was made from.</summary>
    public const string ControllerRevisionHash = "controller-revision-hash";

    /// <summary>ReplicaSet/Deployment label: hash of the pod template.</summary>
    public const string PodTemplateHash = "pod-template-hash";

    /// <summary>The scheduler pods name when they do not name another.</summary>
    public const string DefaultScheduler = "default-scheduler";

    /// <summary>Taint of a node with <c>spec.unschedulable</c>.</summary>
    public const string UnschedulableTaint = "node.kubernetes.io/unschedulable";

    /// <summary>Event reason: the scheduler bound a pod.</summary>
    public const string ScheduledReason = "Scheduled";

    /// <summary>Event reason: no node fits a pod.</summary>
    public const string FailedSchedulingReason = "FailedScheduling";

    /// <summary>Condition reason of PodScheduled=False.</summary>
    public const string UnschedulableReason = "Unschedulable";

    /// <summary>Event reason: CNI ADD (the pod sandbox) failed; kubelet retries.</summary>
    public const string FailedCreatePodSandBoxReason = "FailedCreatePodSandBox";

    /// <summary>Event reason: the pod's sandbox is up (kubelet's "Started" for the sandbox stand-in).</summary>
    public const string StartedReason = "Started";

    /// <summary>Event reason: a workload controller created a pod.</summary>
    public const string SuccessfulCreateReason = "SuccessfulCreate";

    /// <summary>Event reason: a workload controller deleted a pod.</summary>
    public const string SuccessfulDeleteReason = "SuccessfulDelete";

    /// <summary>Extended resources are any resource name with a domain other than kubernetes.io.</summary>
    public static bool IsExtendedResource(string name) =>
        name.Contains('/', StringComparison.Ordinal) && !name.StartsWith("kubernetes.io/", StringComparison.Ordinal) && !name.StartsWith("requests.", StringComparison.Ordinal);
}
