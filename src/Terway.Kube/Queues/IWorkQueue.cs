namespace Terway.Kube.Queues;

/// <summary>
/// A rate-limited work queue with client-go's guarantees:
/// <list type="bullet">
/// <item>an item is handed to at most one worker at a time (between <see cref="GetAsync"/> and <see cref="Done"/>);</item>
/// <item>adding an item already waiting is a no-op (duplicates collapse);</item>
/// <item>an item added while it is being processed is queued again once <see cref="Done"/> is called;</item>
/// <item>delayed adds (<see cref="AddAfter"/>) keep the earliest time per item;</item>
/// <item><see cref="AddRateLimited"/> delays by the rate limiter (per-item backoff and an overall bucket),
/// <see cref="Forget"/> resets the item's backoff.</item>
/// </list>
/// </summary>
/// <typeparam name="TKey">The item type (an <see cref="Client.ObjectKey"/> for controllers).</typeparam>
public interface IWorkQueue<TKey>
    where TKey : notnull
{
    /// <summary>Items ready to be handed out (not counting delayed or in-flight ones).</summary>
    int Length { get; }

    /// <summary>True once <see cref="ShutDown"/> was called.</summary>
    bool ShuttingDown { get; }

    /// <summary>Queues <paramref name="item"/> unless it is already queued; ignored after shutdown.</summary>
    void Add(TKey item);

    /// <summary>Queues <paramref name="item"/> after <paramref name="delay"/>.</summary>
    void AddAfter(TKey item, TimeSpan delay);

    /// <summary>Queues <paramref name="item"/> after the delay its rate limiter assigns (and counts a retry).</summary>
    void AddRateLimited(TKey item);

    /// <summary>Clears the rate limiter's memory of <paramref name="item"/>.</summary>
    void Forget(TKey item);

    /// <summary>How many times <paramref name="item"/> has been rate-limited since it was last forgotten.</summary>
    int NumRequeues(TKey item);

    /// <summary>
    /// Waits for an item. Returns <c>(item, false)</c>, or <c>(default, true)</c> once the queue is shut down
    /// and empty. The caller must call <see cref="Done"/> with the item when finished.
    /// </summary>
    ValueTask<(TKey Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="item"/> finished; re-queues it if it was added meanwhile.</summary>
    void Done(TKey item);

    /// <summary>Stops accepting items and wakes waiting workers.</summary>
    void ShutDown();

    /// <summary>Shuts down and waits until every item handed out has been marked <see cref="Done"/>.</summary>
    Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default);
}
