namespace Terway.Sandbox.Cloud;

/// <summary>
/// A version counter with waiters: <see cref="Notify"/> moves the version and wakes everyone
/// waiting for a version past the one they saw. Spurious notifications are allowed (a waiter
/// re-reads the state and finds nothing new); a lost one is not.
/// </summary>
internal sealed class ChangeSignal
{
    private readonly Lock _gate = new();
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The current version.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>Moves the version and wakes the waiters.</summary>
    public void Notify()
    {
        TaskCompletionSource woken;
        lock (_gate)
        {
            _version++;
            woken = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        woken.TrySetResult();
    }

    /// <summary>Completes once the version differs from <paramref name="knownVersion"/>; returns the version then.</summary>
    public async Task<long> WaitAsync(long knownVersion, CancellationToken ct)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_version != knownVersion)
                {
                    return _version;
                }

                next = _next.Task;
            }

            await next.WaitAsync(ct).ConfigureAwait(false);
        }
    }
}
