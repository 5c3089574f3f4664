using k8s;
using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;

namespace Terway.Kube.Informers;

/// <summary>
/// Receives an informer's notifications. Called on the informer's own loop, in order, one at a time:
/// implementations must be quick and must not block (enqueue a key, do the work elsewhere).
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public interface IResourceEventHandler<in T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>An object appeared (or was present in the initial list, or when the handler was added late).</summary>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>An object changed (a watch MODIFIED, or a relist found a newer resourceVersion).</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <summary>
    /// An object was deleted. <paramref name="finalStateUnknown"/> is true when the deletion was inferred from
    /// a relist after a disconnect: <paramref name="obj"/> is then the last state the cache knew
    /// (client-go's <c>DeletedFinalStateUnknown</c>).
    /// </summary>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>What kind of change an informer event is.</summary>
public enum InformerEventKind
{
    /// <summary>A new object.</summary>
    Added,

    /// <summary>A changed object.</summary>
    Updated,

    /// <summary>A removed object.</summary>
    Deleted,
}

/// <summary>A change to deliver to handlers and apply to the cache.</summary>
/// <typeparam name="T">The model type.</typeparam>
/// <param name="Kind">Added, Updated or Deleted.</param>
/// <param name="Object">The new object (for Deleted, the last known object).</param>
/// <param name="OldObject">The previous object for Updated; null otherwise.</param>
/// <param name="FinalStateUnknown">For Deleted: true when synthesized by a relist.</param>
public readonly record struct InformerEvent<T>(InformerEventKind Kind, T Object, T? OldObject, bool FinalStateUnknown)
    where T : class, IKubernetesObject<V1ObjectMeta>;

/// <summary>
/// The relist diff: what happened while the watch was not looking. Pure function of the cached objects and a
/// fresh list, so it is table-tested on its own.
/// </summary>
public static class RelistDiff
{
    /// <summary>
    /// Events that take <paramref name="cached"/> to <paramref name="listed"/>: Added for new keys, Updated for
    /// keys whose resourceVersion changed (unchanged objects produce nothing), Deleted with
    /// <c>FinalStateUnknown</c> and the last known object for keys that are gone. Deletes come last.
    /// </summary>
    public static List<InformerEvent<T>> Compute<T>(IReadOnlyDictionary<ObjectKey, T> cached, IReadOnlyList<T> listed)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var events = new List<InformerEvent<T>>();
        var seen = new HashSet<ObjectKey>();
        foreach (var obj in listed)
        {
            var key = ObjectKey.From(obj);
            if (!seen.Add(key))
            {
                continue;
            }

            if (!cached.TryGetValue(key, out var old))
            {
                events.Add(new InformerEvent<T>(InformerEventKind.Added, obj, null, false));
            }
            else if (KubeObjects.ResourceVersionOf(old) != KubeObjects.ResourceVersionOf(obj))
            {
                events.Add(new InformerEvent<T>(InformerEventKind.Updated, obj, old, false));
            }
        }

        foreach (var (key, old) in cached)
        {
            if (!seen.Contains(key))
            {
                events.Add(new InformerEvent<T>(InformerEventKind.Deleted, old, null, true));
            }
        }

        return events;
    }
}
