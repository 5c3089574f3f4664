namespace Terway.Kube.Informers;

/// <summary>client-go's <c>WaitForCacheSync</c>.</summary>
public static class CacheSync
{
    /// <summary>
    /// Waits until every informer has synced. Returns false (instead of throwing) when
    /// <paramref name="timeout"/> passes first; throws only when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static async Task<bool> WaitForCacheSyncAsync(this IEnumerable<IInformer> informers, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cts.Token)));
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
