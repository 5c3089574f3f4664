using k8s.Models;
using Terway.Crds.Names;

namespace Terway.Crds.Workloads;

/// <summary>
/// How Terway classifies pods and nodes (terway.md §2.4): which pods keep their identity
/// across re-creation, which are DaemonSet pods, which nodes to skip.
/// </summary>
public static class PodIdentity
{
    /// <summary>Owner kind whose pods keep their names across re-creation.</summary>
    public const string StatefulSetKind = "StatefulSet";

    /// <summary>Owner kind of DaemonSet pods.</summary>
    public const string DaemonSetKind = "DaemonSet";

    /// <summary>
    /// A "fixed-name" pod may hold a Fixed IP: it has no owner references, or an owner of kind
    /// StatefulSet or one of <paramref name="customStatefulKinds"/>. The owner's kind alone
    /// decides (not its API group), as in Terway.
    /// </summary>
    /// <param name="owners">The pod's metadata.ownerReferences.</param>
    /// <param name="customStatefulKinds">Extra kinds from the operator configuration (customStatefulWorkloadKinds).</param>
    /// <returns>Whether the pod is fixed-name.</returns>
    public static bool IsFixedName(IEnumerable<V1OwnerReference>? owners, IEnumerable<string>? customStatefulKinds = null)
    {
        var any = false;
        foreach (var owner in owners ?? [])
        {
            any = true;
            if (owner.Kind == StatefulSetKind || (customStatefulKinds?.Contains(owner.Kind, StringComparer.Ordinal) ?? false))
            {
                return true;
            }
        }

        return !any;
    }

    /// <summary>A "fixed-name" pod may hold a Fixed IP; see <see cref="IsFixedName(IEnumerable{V1OwnerReference}?, IEnumerable{string}?)"/>.</summary>
    /// <param name="pod">The pod.</param>
    /// <param name="customStatefulKinds">Extra stateful owner kinds.</param>
    /// <returns>Whether the pod is fixed-name.</returns>
    public static bool IsFixedName(V1Pod pod, IEnumerable<string>? customStatefulKinds = null) =>
        IsFixedName(pod?.Metadata?.OwnerReferences, customStatefulKinds);

    /// <summary>True when an owner reference has kind DaemonSet (the webhook adds no zone affinity to these).</summary>
    /// <param name="pod">The pod.</param>
    /// <returns>Whether the pod belongs to a DaemonSet.</returns>
    public static bool IsDaemonSetPod(V1Pod pod) =>
        pod?.Metadata?.OwnerReferences?.Any(o => o.Kind == DaemonSetKind) ?? false;

    /// <summary>True when the pod's sandbox has exited for good (phase Succeeded or Failed): its network can be released.</summary>
    /// <param name="pod">The pod.</param>
    /// <returns>Whether the pod has terminated.</returns>
    public static bool IsSandboxExited(V1Pod pod) =>
        pod?.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>True when the pod or node carries <c>k8s.aliyun.com/ignore-by-terway: "true"</c>.</summary>
    /// <param name="metadata">The object's metadata.</param>
    /// <returns>Whether Terway leaves the object alone.</returns>
    public static bool IsIgnored(V1ObjectMeta? metadata) =>
        metadata?.Labels is { } labels && labels.TryGetValue(Labels.IgnoreByTerway, out var v) && v == Annotations.True;

    /// <summary>True for virtual-kubelet nodes (label <c>type: virtual-kubelet</c>), which Terway skips.</summary>
    /// <param name="node">The node.</param>
    /// <returns>Whether the node is virtual.</returns>
    public static bool IsVirtualKubeletNode(V1Node node) =>
        node?.Metadata?.Labels is { } labels && labels.TryGetValue(Labels.NodeType, out var v) && v == Labels.VirtualKubelet;

    /// <summary>The pod key used in the Node CR's <c>podID</c> and as a PodENI identity: <c>namespace/name</c>.</summary>
    /// <param name="podNamespace">Pod namespace.</param>
    /// <param name="podName">Pod name.</param>
    /// <returns>The key.</returns>
    public static string Key(string podNamespace, string podName) => podNamespace + "/" + podName;
}
