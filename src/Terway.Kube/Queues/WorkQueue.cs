namespace Terway.Kube.Queues;

/// <summary>Receives the work queue's metric signals (see Metrics.KubeMetrics).</summary>
internal interface IWorkQueueObserver
{
    void Added();

    void DepthChanged(int delta);

    void Started(TimeSpan queued);

    void Finished(TimeSpan worked);

    void Retried();
}

/// <summary>
/// The default <see cref="IWorkQueue{TKey}"/>: dirty and processing sets as in client-go, a timer heap for
/// delayed adds driven by an injected <see cref="TimeProvider"/>, and a rate limiter.
/// </summary>
/// <typeparam name="TKey">The item type.</typeparam>
public sealed class WorkQueue<TKey> : IWorkQueue<TKey>, IDisposable
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly IRateLimiter<TKey> _rateLimiter;
    private readonly IWorkQueueObserver? _observer;

    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly Dictionary<TKey, long> _processing = [];
    private readonly Dictionary<TKey, long> _queuedAt = [];
    private readonly LinkedList<Waiter> _waiters = new();

    private readonly PriorityQueue<TKey, long> _delayed = new();
    private readonly Dictionary<TKey, long> _delayedDue = [];
    private ITimer? _timer;
    private long _timerDue = long.MaxValue;

    private bool _shuttingDown;
    private TaskCompletionSource? _drained;

    /// <summary>Creates a queue.</summary>
    /// <param name="time">The clock for delays, backoff and metrics.</param>
    /// <param name="rateLimiter">The limiter behind <see cref="AddRateLimited"/> (default: controller-runtime's).</param>
    public WorkQueue(TimeProvider time, IRateLimiter<TKey>? rateLimiter = null)
        : this(time, rateLimiter, null)
    {
    }

    internal WorkQueue(TimeProvider time, IRateLimiter<TKey>? rateLimiter, IWorkQueueObserver? observer)
    {
        _time = time;
        _rateLimiter = rateLimiter ?? RateLimiters.DefaultController<TKey>(time);
        _observer = observer;
    }

    /// <inheritdoc/>
    public int Length
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <inheritdoc/>
    public bool ShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Items currently handed out to workers.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Items waiting for their delay to pass.</summary>
    public int Delayed
    {
        get
        {
            lock (_lock)
            {
                return _delayedDue.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void Add(TKey item)
    {
        lock (_lock)
        {
            AddLocked(item);
        }
    }

    /// <inheritdoc/>
    public void AddAfter(TKey item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = _time.GetTimestamp() + ToTicks(delay);
            if (_delayedDue.TryGetValue(item, out var existing) && existing <= due)
            {
                return;
            }

            _delayedDue[item] = due;
            _delayed.Enqueue(item, due);
            ScheduleTimerLocked();
        }
    }

    /// <inheritdoc/>
    public void AddRateLimited(TKey item)
    {
        _observer?.Retried();
        AddAfter(item, _rateLimiter.When(item));
    }

    /// <inheritdoc/>
    public void Forget(TKey item) => _rateLimiter.Forget(item);

    /// <inheritdoc/>
    public int NumRequeues(TKey item) => _rateLimiter.NumRequeues(item);

    /// <inheritdoc/>
    public ValueTask<(TKey Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken = default)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_queue.Count > 0)
            {
                return ValueTask.FromResult((TakeLocked(), false));
            }

            if (_shuttingDown)
            {
                return ValueTask.FromResult((default(TKey)!, true));
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter();
            waiter.Node = _waiters.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(static state =>
            {
                var (queue, w) = ((WorkQueue<TKey>, Waiter))state!;
                lock (queue._lock)
                {
                    // Only a waiter still in the list can be cancelled; one already handed an item keeps it.
                    if (w.Node?.List is not null)
                    {
                        queue._waiters.Remove(w.Node);
                        w.Completion.TrySetCanceled();
                    }
                }
            }, (this, waiter));
        }

        return new ValueTask<(TKey, bool)>(waiter.Completion.Task);
    }

    /// <inheritdoc/>
    public void Done(TKey item)
    {
        lock (_lock)
        {
            if (!_processing.Remove(item, out var started))
            {
                return;
            }

            _observer?.Finished(_time.GetElapsedTime(started));
            if (_dirty.Contains(item))
            {
                EnqueueLocked(item);
            }
            else if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <inheritdoc/>
    public void ShutDown()
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            _timer?.Dispose();
            _timer = null;
            _delayed.Clear();
            _delayedDue.Clear();

            // Workers waiting on an empty queue learn of the shutdown; queued items are still handed out.
            if (_queue.Count == 0)
            {
                while (_waiters.First is { } node)
                {
                    _waiters.RemoveFirst();
                    node.Value.Complete((default!, true));
                }
            }
        }
    }

    /// <inheritdoc/>
    public async Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        Task wait;
        lock (_lock)
        {
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_processing.Count == 0)
            {
                _drained.TrySetResult();
            }

            wait = _drained.Task;
        }

        ShutDown();
        await wait.WaitAsync(cancellationToken);
    }

    /// <summary>Seconds of work in flight not yet marked done, and the longest single one (for metrics).</summary>
    internal (double Unfinished, double Longest) ProcessingSeconds()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            double total = 0, longest = 0;
            foreach (var started in _processing.Values)
            {
                var s = _time.GetElapsedTime(started, now).TotalSeconds;
                total += s;
                longest = Math.Max(longest, s);
            }

            return (total, longest);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => ShutDown();

    private void AddLocked(TKey item)
    {
        if (_shuttingDown || !_dirty.Add(item))
        {
            return;
        }

        _observer?.Added();
        if (_processing.ContainsKey(item))
        {
            return;
        }

        EnqueueLocked(item);
    }

    private void EnqueueLocked(TKey item)
    {
        _queuedAt[item] = _time.GetTimestamp();
        _queue.Enqueue(item);
        _observer?.DepthChanged(1);
        while (_waiters.First is { } node && _queue.Count > 0)
        {
            _waiters.RemoveFirst();
            var taken = TakeLocked();
            if (!node.Value.Complete((taken, false)))
            {
                // The waiter was cancelled concurrently; put the item back at the front is not possible with
                // Queue<T>, so re-queue it through the normal path.
                _processing.Remove(taken);
                _dirty.Add(taken);
                _queuedAt[taken] = _time.GetTimestamp();
                _queue.Enqueue(taken);
                _observer?.DepthChanged(1);
            }
        }
    }

    private TKey TakeLocked()
    {
        var item = _queue.Dequeue();
        _observer?.DepthChanged(-1);
        _dirty.Remove(item);
        var now = _time.GetTimestamp();
        if (_queuedAt.Remove(item, out var queued))
        {
            _observer?.Started(_time.GetElapsedTime(queued, now));
        }

        _processing[item] = now;
        return item;
    }

    private void ScheduleTimerLocked()
    {
        if (!_delayed.TryPeek(out _, out var due) || _shuttingDown)
        {
            return;
        }

        if (due >= _timerDue && _timer is not null)
        {
            return;
        }

        _timerDue = due;
        var delay = TimeSpan.FromTicks(Math.Max(1, FromTicks(due - _time.GetTimestamp()).Ticks));
        _timer ??= _time.CreateTimer(static s => ((WorkQueue<TKey>)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            _timerDue = long.MaxValue;
            var now = _time.GetTimestamp();
            while (_delayed.TryPeek(out var item, out var due) && due <= now)
            {
                _delayed.Dequeue();
                if (_delayedDue.TryGetValue(item, out var current) && current == due)
                {
                    _delayedDue.Remove(item);
                    AddLocked(item);
                }
            }

            ScheduleTimerLocked();
        }
    }

    private long ToTicks(TimeSpan delay) => (long)(delay.TotalSeconds * _time.TimestampFrequency);

    private TimeSpan FromTicks(long timestampTicks) => TimeSpan.FromSeconds((double)timestampTicks / _time.TimestampFrequency);

    private sealed class Waiter
    {
        public TaskCompletionSource<(TKey, bool)> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public bool Complete((TKey, bool) result)
        {
            // Unregister, not Dispose: Dispose would wait for a cancellation callback blocked on the queue lock.
            Registration.Unregister();
            return Completion.TrySetResult(result);
        }
    }
}
