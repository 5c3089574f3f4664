using k8s;
using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Patching;

namespace Terway.Kube.Finalizers;

/// <summary>
/// Adding and removing finalizers with a resourceVersion-guarded merge patch (the list is replaced whole, so
/// the guard stops us from dropping a finalizer another controller added meanwhile; a 409 means re-read and
/// retry, which the controller's backoff requeue does).
/// </summary>
public static class FinalizerExtensions
{
    /// <summary>True when <paramref name="obj"/> carries <paramref name="finalizer"/>.</summary>
    public static bool HasFinalizer(this IMetadata<V1ObjectMeta> obj, string finalizer) =>
        obj.Metadata?.Finalizers?.Contains(finalizer) == true;

    /// <summary>True when the object is being deleted (has a deletionTimestamp).</summary>
    public static bool IsBeingDeleted(this IMetadata<V1ObjectMeta> obj) => obj.Metadata?.DeletionTimestamp is not null;

    /// <summary>
    /// Makes sure <paramref name="obj"/> carries <paramref name="finalizer"/>; returns the object as stored
    /// (unchanged and without a request when already present). <paramref name="obj"/> is not modified.
    /// </summary>
    public static async Task<T> EnsureFinalizerAsync<T>(this IKubeApiClient client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (obj.HasFinalizer(finalizer))
        {
            return obj;
        }

        var modified = KubeObjects.DeepCopy(obj);
        modified.Metadata.Finalizers = [.. obj.Metadata.Finalizers ?? [], finalizer];
        return await client.MergePatchAsync(obj, modified, optimisticLock: true, cancellationToken: cancellationToken);
    }

    /// <summary>Removes <paramref name="finalizer"/> from <paramref name="obj"/> if present; returns the object as stored.</summary>
    public static async Task<T> RemoveFinalizerAsync<T>(this IKubeApiClient client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (!obj.HasFinalizer(finalizer))
        {
            return obj;
        }

        var modified = KubeObjects.DeepCopy(obj);
        modified.Metadata.Finalizers = [.. obj.Metadata.Finalizers!.Where(f => f != finalizer)];
        return await client.MergePatchAsync(obj, modified, optimisticLock: true, cancellationToken: cancellationToken);
    }
}
