using k8s;
using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;

namespace Terway.Kube.Status;

/// <summary>Status writes through the <c>/status</c> subresource with conflict retry.</summary>
public static class StatusExtensions
{
    /// <summary>
    /// Applies <paramref name="mutate"/> to the object and writes its status (PUT <c>/status</c>, guarded by
    /// resourceVersion). On 409 the object is re-read from the server and the mutation applied again, up to
    /// <paramref name="maxAttempts"/> times. <paramref name="mutate"/> returns false when nothing needs to
    /// change, which skips the write. The first attempt starts from a deep copy of <paramref name="current"/>
    /// if given (e.g. the cached object, saving a GET), else from a fresh read.
    /// </summary>
    /// <returns>The object as stored after the write (or as read when no write was needed).</returns>
    public static async Task<T> UpdateStatusAsync<T>(
        this IKubeApiClient client,
        ObjectKey key,
        Func<T, bool> mutate,
        T? current = null,
        int maxAttempts = 5,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAttempts);
        var obj = current is null ? await client.GetAsync<T>(key, cancellationToken) : KubeObjects.DeepCopy(current);
        for (var attempt = 1; ; attempt++)
        {
            if (!mutate(obj))
            {
                return obj;
            }

            try
            {
                return await client.UpdateStatusAsync(obj, cancellationToken);
            }
            catch (KubeApiException ex) when (ex.IsConflict && attempt < maxAttempts)
            {
                obj = await client.GetAsync<T>(key, cancellationToken);
            }
        }
    }
}
