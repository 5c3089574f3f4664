using k8s;
using k8s.Models;

namespace Terway.Kube.Cache;

/// <summary>Small helpers for model objects.</summary>
public static class KubeObjects
{
    /// <summary>
    /// A deep copy through a KubernetesJson round-trip. Use it before changing an object obtained from a cache:
    /// cached objects are shared by every reader and must never be mutated.
    /// </summary>
    public static T DeepCopy<T>(T obj)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(obj);
        return KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj))
            ?? throw new InvalidOperationException($"deep copy of {typeof(T).Name} produced null");
    }

    /// <summary>The object's <c>metadata.resourceVersion</c>, or empty.</summary>
    public static string ResourceVersionOf(IMetadata<V1ObjectMeta> obj) => obj.Metadata?.ResourceVersion ?? "";
}
