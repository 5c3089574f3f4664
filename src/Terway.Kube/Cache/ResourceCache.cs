using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Cache;

/// <summary>
/// The thread-safe indexed store behind an informer (client-go's <c>Indexer</c>). Readers use the
/// <see cref="IResourceCache{T}"/> surface; only the informer writes.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class ResourceCache<T> : IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, Entry> _items = [];
    private readonly List<IndexDef> _indexes = [];
    private readonly Dictionary<string, int> _indexOrdinals = new(StringComparer.Ordinal);
    private readonly bool _detectMutations;
    private readonly List<ObjectKey> _mutationsSeen = [];
    private volatile bool _synced;

    /// <summary>Creates an empty cache with the namespace index.</summary>
    public ResourceCache(CacheOptions? options = null)
    {
        _detectMutations = options?.DetectMutations ?? false;
        AddIndex(Indexes.Namespace, static o => o.Metadata?.NamespaceProperty is { Length: > 0 } ns ? [ns] : []);
    }

    /// <inheritdoc/>
    public bool HasSynced => _synced;

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>
    /// Registers an index. Objects already cached are indexed at once. Names are unique per cache; registering
    /// the same name twice throws.
    /// </summary>
    public void AddIndex(string name, IndexFunc<T> index)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_lock)
        {
            if (_indexOrdinals.ContainsKey(name))
            {
                throw new InvalidOperationException($"index '{name}' is already registered");
            }

            var def = new IndexDef(name, index);
            _indexOrdinals[name] = _indexes.Count;
            _indexes.Add(def);
            foreach (var (key, entry) in _items)
            {
                var values = index(entry.Object).Distinct(StringComparer.Ordinal).ToArray();
                entry.IndexValues.Add(values);
                foreach (var v in values)
                {
                    def.Add(v, key);
                }
            }
        }
    }

    /// <summary>True if an index with this name exists.</summary>
    public bool HasIndex(string name)
    {
        lock (_lock)
        {
            return _indexOrdinals.ContainsKey(name);
        }
    }

    /// <inheritdoc/>
    public bool TryGet(ObjectKey key, out T value)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(key, out var entry))
            {
                value = entry.Object;
                return true;
            }
        }

        value = null!;
        return false;
    }

    /// <inheritdoc/>
    public T? Get(ObjectKey key) => TryGet(key, out var v) ? v : null;

    /// <inheritdoc/>
    public T? GetForUpdate(ObjectKey key) => TryGet(key, out var v) ? KubeObjects.DeepCopy(v) : null;

    /// <inheritdoc/>
    public IReadOnlyList<T> List()
    {
        lock (_lock)
        {
            var result = new T[_items.Count];
            var i = 0;
            foreach (var entry in _items.Values)
            {
                result[i++] = entry.Object;
            }

            return result;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<T> List(string ns) => ByIndex(Indexes.Namespace, ns);

    /// <inheritdoc/>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            var keys = IndexKeysLocked(indexName, value);
            if (keys is null)
            {
                return [];
            }

            var result = new T[keys.Count];
            var i = 0;
            foreach (var key in keys)
            {
                result[i++] = _items[key].Object;
            }

            return result;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ObjectKey> KeysByIndex(string indexName, string value)
    {
        lock (_lock)
        {
            return IndexKeysLocked(indexName, value) is { } keys ? [.. keys] : [];
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ObjectKey> Keys()
    {
        lock (_lock)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>
    /// Checks every cached object against the snapshot taken when it was stored (only with
    /// <see cref="CacheOptions.DetectMutations"/>); throws <see cref="CacheMutationException"/> naming the
    /// objects that were changed in place.
    /// </summary>
    public void VerifyNoMutations()
    {
        if (!_detectMutations)
        {
            throw new InvalidOperationException("mutation detection is off for this cache (CacheOptions.DetectMutations)");
        }

        List<ObjectKey> mutated = [];
        lock (_lock)
        {
            mutated.AddRange(_mutationsSeen);
            foreach (var (key, entry) in _items)
            {
                if (entry.Snapshot != KubernetesJson.Serialize(entry.Object))
                {
                    mutated.Add(key);
                }
            }
        }

        if (mutated.Count > 0)
        {
            throw new CacheMutationException(typeof(T).Name, mutated);
        }
    }

    /// <summary>A consistent copy of the key → object map (for the relist diff).</summary>
    internal Dictionary<ObjectKey, T> Snapshot()
    {
        lock (_lock)
        {
            return _items.ToDictionary(p => p.Key, p => p.Value.Object);
        }
    }

    internal void MarkSynced() => _synced = true;

    /// <summary>Stores <paramref name="obj"/> and returns the object it replaced, if any.</summary>
    internal T? Upsert(T obj)
    {
        var key = ObjectKey.From(obj);
        lock (_lock)
        {
            var old = RemoveLocked(key);
            var entry = new Entry(obj, _detectMutations ? KubernetesJson.Serialize(obj) : null);
            foreach (var def in _indexes)
            {
                var values = def.Func(obj).Distinct(StringComparer.Ordinal).ToArray();
                entry.IndexValues.Add(values);
                foreach (var v in values)
                {
                    def.Add(v, key);
                }
            }

            _items[key] = entry;
            return old;
        }
    }

    /// <summary>Removes the object with <paramref name="key"/> and returns it, if it was cached.</summary>
    internal T? Remove(ObjectKey key)
    {
        lock (_lock)
        {
            return RemoveLocked(key);
        }
    }

    private T? RemoveLocked(ObjectKey key)
    {
        if (!_items.Remove(key, out var entry))
        {
            return null;
        }

        if (entry.Snapshot is not null && entry.Snapshot != KubernetesJson.Serialize(entry.Object))
        {
            // Remembered rather than thrown: the informer must keep running; VerifyNoMutations reports it.
            _mutationsSeen.Add(key);
        }

        for (var i = 0; i < _indexes.Count; i++)
        {
            foreach (var v in entry.IndexValues[i])
            {
                _indexes[i].Remove(v, key);
            }
        }

        return entry.Object;
    }

    private HashSet<ObjectKey>? IndexKeysLocked(string indexName, string value)
    {
        if (!_indexOrdinals.TryGetValue(indexName, out var ordinal))
        {
            throw new ArgumentException($"no index named '{indexName}' on the {typeof(T).Name} cache", nameof(indexName));
        }

        return _indexes[ordinal].Map.TryGetValue(value, out var keys) ? keys : null;
    }

    private sealed record Entry(T Object, string? Snapshot)
    {
        public List<string[]> IndexValues { get; } = [];
    }

    private sealed class IndexDef(string name, IndexFunc<T> func)
    {
        public string Name { get; } = name;

        public IndexFunc<T> Func { get; } = func;

        public Dictionary<string, HashSet<ObjectKey>> Map { get; } = new(StringComparer.Ordinal);

        public void Add(string value, ObjectKey key)
        {
            if (!Map.TryGetValue(value, out var set))
            {
                Map[value] = set = [];
            }

            set.Add(key);
        }

        public void Remove(string value, ObjectKey key)
        {
            if (Map.TryGetValue(value, out var set) && set.Remove(key) && set.Count == 0)
            {
                Map.Remove(value);
            }
        }
    }
}

/// <summary>Thrown when a cached object was changed in place by a caller (a broken sharing contract).</summary>
public sealed class CacheMutationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public CacheMutationException(string kind, IReadOnlyList<ObjectKey> keys)
        : base($"cached {kind} objects were mutated in place: {string.Join(", ", keys)}; use GetForUpdate/DeepCopy before changing an object")
    {
        Keys = keys;
    }

    /// <summary>The keys of the mutated objects.</summary>
    public IReadOnlyList<ObjectKey> Keys { get; }
}
