using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Terway.Kube.Cache;

namespace Terway.Sandbox.Cluster.Workloads;

/// <summary>Pods from templates, owner references and template hashes, shared by the workload controllers.</summary>
internal static class PodTemplates
{
    /// <summary>Index of pods (and ReplicaSets) by their controller owner's UID.</summary>
    public const string ByControllerUid = "controllerUid";

    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>The controller owner's UID of <paramref name="obj"/>, for <see cref="ByControllerUid"/>.</summary>
    public static IEnumerable<string> ControllerUid(IMetadata<V1ObjectMeta> obj) =>
        obj.Metadata?.OwnerReferences?.Where(r => r.Controller == true).Select(r => r.Uid) ?? [];

    /// <summary>A controller owner reference to <paramref name="owner"/> (blockOwnerDeletion, as the real controllers set it).</summary>
    public static V1OwnerReference ControllerReference(IKubernetesObject<V1ObjectMeta> owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>A new pod from <paramref name="template"/>: its labels and annotations plus <paramref name="extraLabels"/>, its spec, owned by <paramref name="owner"/>.</summary>
    public static V1Pod NewPod(V1PodTemplateSpec template, IKubernetesObject<V1ObjectMeta> owner, string? name, string? generateName, IReadOnlyDictionary<string, string>? extraLabels = null)
    {
        var copy = KubeObjects.DeepCopy(template);
        var labels = new Dictionary<string, string>(copy.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in extraLabels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                GenerateName = generateName,
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = copy.Metadata?.Annotations,
                OwnerReferences = [ControllerReference(owner)],
            },
            Spec = copy.Spec,
        };
    }

    /// <summary>
    /// A short, stable hash of a pod template (FNV-1a over its JSON), written in the alphabet
    /// Kubernetes uses for generated names, as the pod-template-hash label.
    /// </summary>
    public static string Hash(V1PodTemplateSpec template)
    {
        var json = KubernetesJson.Serialize(template);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(json))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder(digits.Length);
        foreach (var c in digits)
        {
            text.Append(SafeAlphabet[c % SafeAlphabet.Length]);
        }

        return text.ToString();
    }

    /// <summary>Running with every container ready (the pod's Ready condition).</summary>
    public static bool IsRunningAndReady(V1Pod pod) =>
        pod.Status?.Phase == "Running" && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>Succeeded or Failed.</summary>
    public static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Being deleted.</summary>
    public static bool IsDeleting(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null;
}
