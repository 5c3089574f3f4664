using System.Threading.Channels;

namespace Terway.Sandbox.KubeApi.Storage;

/// <summary>
/// The cluster's state: every object of every resource, a cluster-wide monotonic resourceVersion,
/// and a bounded window of past events (the watch cache). Everything happens under one lock;
/// writers hold it only to compare, commit and fan out, never across network calls.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Dictionary<string, ResourceTable> _tables = new(StringComparer.Ordinal);
    private readonly StoreEvent?[] _ring;
    private readonly Dictionary<string, List<WatchSubscription>> _watchers = new(StringComparer.Ordinal);
    private readonly List<ChannelWriter<StoreEvent>> _listeners = [];
    private readonly List<Action<StoreEvent>> _committed = [];
    private int _ringStart;
    private int _ringCount;

    public ObjectStore(int historySize)
    {
        _ring = new StoreEvent?[Math.Max(16, historySize)];
    }

    /// <summary>The lock every read-modify-write holds.</summary>
    public object Gate { get; } = new();

    /// <summary>The highest resourceVersion handed out.</summary>
    public long CurrentRevision { get; private set; } = 1;

    /// <summary>Events at or below this revision are gone from the window.</summary>
    public long CompactedRevision { get; private set; } = 1;

    public ResourceTable Table(string storageKey)
    {
        if (!_tables.TryGetValue(storageKey, out var t))
        {
            t = new ResourceTable();
            _tables[storageKey] = t;
        }

        return t;
    }

    public IEnumerable<string> StorageKeys => _tables.Keys;

    /// <summary>Reserves the next resourceVersion; the caller must commit with it while holding <see cref="Gate"/>.</summary>
    public long NextRevision() => ++CurrentRevision;

    /// <summary>Commits a create/update/delete and fans the event out to the watchers of that resource.</summary>
    public void Commit(string storageKey, WatchEventType type, StoredObject obj, StoredObject? previous)
    {
        var table = Table(storageKey);
        if (type == WatchEventType.Deleted)
        {
            table.Remove(obj.Key);
        }
        else
        {
            table.Put(obj);
        }

        var ev = new StoreEvent(obj.ResourceVersion, storageKey, type, obj, previous);
        Append(ev);
        foreach (var action in _committed)
        {
            action(ev);
        }

        foreach (var l in _listeners)
        {
            l.TryWrite(ev);
        }

        if (_watchers.TryGetValue(storageKey, out var subs))
        {
            for (var i = subs.Count - 1; i >= 0; i--)
            {
                if (!subs[i].Channel.Writer.TryWrite(ev))
                {
                    // The real server closes a watcher that cannot keep up instead of blocking writers.
                    subs[i].Channel.Writer.TryComplete();
                    subs.RemoveAt(i);
                }
            }
        }
    }

    private void Append(StoreEvent ev)
    {
        if (_ringCount == _ring.Length)
        {
            var dropped = _ring[_ringStart]!;
            CompactedRevision = Math.Max(CompactedRevision, dropped.ResourceVersion);
            _ring[_ringStart] = ev;
            _ringStart = (_ringStart + 1) % _ring.Length;
        }
        else
        {
            _ring[(_ringStart + _ringCount) % _ring.Length] = ev;
            _ringCount++;
        }
    }

    /// <summary>Drops the whole event window: every older resourceVersion now answers 410.</summary>
    public void Compact()
    {
        Array.Clear(_ring);
        _ringStart = 0;
        _ringCount = 0;
        CompactedRevision = CurrentRevision;
    }

    /// <summary>Events of one resource after <paramref name="afterRevision"/>, oldest first.</summary>
    public List<StoreEvent> EventsAfter(string storageKey, long afterRevision)
    {
        var list = new List<StoreEvent>();
        for (var i = 0; i < _ringCount; i++)
        {
            var ev = _ring[(_ringStart + i) % _ring.Length]!;
            if (ev.ResourceVersion > afterRevision && ev.StorageKey == storageKey)
            {
                list.Add(ev);
            }
        }

        return list;
    }

    /// <summary>
    /// The objects of one resource as they were at <paramref name="revision"/>, in key order,
    /// rebuilt by undoing the retained events after it. Null when the window no longer reaches back.
    /// </summary>
    public SortedDictionary<string, StoredObject>? SnapshotAt(string storageKey, long revision)
    {
        if (revision < CompactedRevision)
        {
            return null;
        }

        var table = Table(storageKey);
        var snap = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
        foreach (var o in table.All())
        {
            snap[o.Key] = o;
        }

        var events = EventsAfter(storageKey, revision);
        for (var i = events.Count - 1; i >= 0; i--)
        {
            var ev = events[i];
            switch (ev.Type)
            {
                case WatchEventType.Added:
                    snap.Remove(ev.Object.Key);
                    break;
                default:
                    if (ev.Previous != null)
                    {
                        snap[ev.Previous.Key] = ev.Previous;
                    }

                    break;
            }
        }

        return snap;
    }

    /// <summary>Registers an in-process controller that sees every committed event (unbounded).</summary>
    /// <summary>
    /// Calls <paramref name="action"/> for every commit, synchronously under <see cref="Gate"/>, before the write
    /// returns: for state derived from the store that the very next request must see (RBAC). It must be cheap and
    /// must not take other locks.
    /// </summary>
    public void OnCommit(Action<StoreEvent> action)
    {
        lock (Gate)
        {
            _committed.Add(action);
        }
    }

    public ChannelReader<StoreEvent> AddListener()
    {
        var ch = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (Gate)
        {
            _listeners.Add(ch.Writer);
        }

        return ch.Reader;
    }

    public WatchSubscription Subscribe(string storageKey, int capacity)
    {
        var sub = new WatchSubscription(storageKey, Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        }));
        if (!_watchers.TryGetValue(storageKey, out var list))
        {
            list = [];
            _watchers[storageKey] = list;
        }

        list.Add(sub);
        return sub;
    }

    public void Unsubscribe(WatchSubscription sub)
    {
        if (_watchers.TryGetValue(sub.StorageKey, out var list))
        {
            list.Remove(sub);
        }
    }

    /// <summary>Ends every open watch stream (test hook: the server drops watches mid-stream).</summary>
    public int CloseAllWatches(bool markDropped = true)
    {
        var n = 0;
        foreach (var list in _watchers.Values)
        {
            foreach (var s in list)
            {
                s.Dropped = markDropped;
                s.Channel.Writer.TryComplete();
                n++;
            }

            list.Clear();
        }

        return n;
    }

    public int WatcherCount => _watchers.Values.Sum(l => l.Count);
}

/// <summary>The objects of one resource, in etcd key order.</summary>
internal sealed class ResourceTable
{
    private readonly Dictionary<string, StoredObject> _byKey = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);

    public int Count => _byKey.Count;

    public bool TryGet(string key, out StoredObject obj) => _byKey.TryGetValue(key, out obj!);

    public void Put(StoredObject obj)
    {
        if (_byKey.TryAdd(obj.Key, obj))
        {
            _keys.Add(obj.Key);
        }
        else
        {
            _byKey[obj.Key] = obj;
        }
    }

    public void Remove(string key)
    {
        if (_byKey.Remove(key))
        {
            _keys.Remove(key);
        }
    }

    public IEnumerable<StoredObject> All()
    {
        foreach (var k in _keys)
        {
            yield return _byKey[k];
        }
    }

    /// <summary>Objects with key strictly after <paramref name="after"/> (or all), optionally within one namespace.</summary>
    public IEnumerable<StoredObject> Range(string? ns, string? after)
    {
        if (_keys.Count == 0)
        {
            yield break;
        }

        string lower = ns == null ? "" : ns + "/";
        string upper = ns == null ? "\uffff" : ns + "0";
        if (after != null && string.CompareOrdinal(after, lower) >= 0)
        {
            lower = after + "\0";
        }

        if (string.CompareOrdinal(lower, upper) > 0)
        {
            yield break;
        }

        foreach (var k in _keys.GetViewBetween(lower, upper))
        {
            if (after != null && string.CompareOrdinal(k, after) <= 0)
            {
                continue;
            }

            yield return _byKey[k];
        }
    }
}

/// <summary>One open watch's queue of events.</summary>
internal sealed class WatchSubscription(string storageKey, Channel<StoreEvent> channel)
{
    public string StorageKey { get; } = storageKey;
    public Channel<StoreEvent> Channel { get; } = channel;

    /// <summary>Set when the stream was cut on purpose (test hook), not by overflow.</summary>
    public volatile bool Dropped;
}
