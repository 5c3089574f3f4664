using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Handlers;

/// <summary>Turns an object into the keys to enqueue (controller-runtime's event handlers).</summary>
/// <typeparam name="T">The model type of the watched kind.</typeparam>
/// <param name="obj">The object of the event.</param>
/// <returns>The keys of the controller's primary kind to reconcile.</returns>
public delegate IEnumerable<ObjectKey> KeyMapper<in T>(T obj);

/// <summary>The standard mappings.</summary>
public static class Mappings
{
    /// <summary>The object's own key (<c>EnqueueRequestForObject</c>).</summary>
    public static KeyMapper<T> Self<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        static obj => [ObjectKey.From(obj)];

    /// <summary>
    /// The keys of the object's owners of kind <typeparamref name="TOwner"/>, from <c>ownerReferences</c>
    /// matched by kind and API group (<c>EnqueueRequestForOwner</c>). With <paramref name="onlyController"/>
    /// only the reference with <c>controller: true</c> counts. Namespaced owners are looked up in the object's
    /// namespace (owner references cannot cross namespaces).
    /// </summary>
    public static KeyMapper<T> Owner<T, TOwner>(bool onlyController = true)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TOwner : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = ResourceType.Of<TOwner>();
        return obj => OwnerKeys(obj, owner, onlyController);
    }

    /// <summary>Keys computed by a function (<c>EnqueueRequestsFromMapFunc</c>): e.g. a Pod event → its PodENI key.</summary>
    public static KeyMapper<T> FromFunc<T>(Func<T, IEnumerable<ObjectKey>> map)
        where T : class, IKubernetesObject<V1ObjectMeta> => obj => map(obj);

    /// <summary>One key computed by a function; null means none.</summary>
    public static KeyMapper<T> FromFunc<T>(Func<T, ObjectKey?> map)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        obj => map(obj) is { } key ? [key] : [];

    internal static IEnumerable<ObjectKey> OwnerKeys<T>(T obj, ResourceType owner, bool onlyController)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var refs = obj.Metadata?.OwnerReferences;
        if (refs is null)
        {
            yield break;
        }

        foreach (var r in refs)
        {
            if (r.Kind != owner.Kind || GroupOf(r.ApiVersion) != owner.Group)
            {
                continue;
            }

            if (onlyController && r.Controller != true)
            {
                continue;
            }

            yield return new ObjectKey(owner.Namespaced ? obj.Metadata!.NamespaceProperty : null, r.Name);
        }
    }

    private static string GroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
        {
            return "";
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : apiVersion[..slash];
    }
}
