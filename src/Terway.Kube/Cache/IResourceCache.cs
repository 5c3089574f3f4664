using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Cache;

/// <summary>
/// A read-only, indexed view of the objects of one kind as last seen by an informer.
/// <para>
/// <b>Sharing contract.</b> Lookups return the cached instances themselves, not copies, so they are cheap
/// and every reader sees the same object. Callers must treat them as immutable. To change an object, take a
/// private copy with <see cref="GetForUpdate"/> (or <see cref="KubeObjects.DeepCopy{T}"/>), change the copy
/// and write it to the API server; the cache is updated by the watch, never by callers. With
/// <see cref="CacheOptions.DetectMutations"/> the cache keeps a serialized snapshot of each object and
/// reports any instance that was changed in place (<see cref="ResourceCache{T}.VerifyNoMutations"/>).
/// </para>
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public interface IResourceCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>True once the informer feeding this cache has completed its first list.</summary>
    bool HasSynced { get; }

    /// <summary>How many objects are cached.</summary>
    int Count { get; }

    /// <summary>The cached object with this key (shared; do not mutate).</summary>
    bool TryGet(ObjectKey key, out T value);

    /// <summary>The cached object with this key, or null (shared; do not mutate).</summary>
    T? Get(ObjectKey key);

    /// <summary>A private deep copy of the cached object, safe to change; null if absent.</summary>
    T? GetForUpdate(ObjectKey key);

    /// <summary>Every cached object (shared instances in a new list).</summary>
    IReadOnlyList<T> List();

    /// <summary>The cached objects in <paramref name="ns"/>.</summary>
    IReadOnlyList<T> List(string ns);

    /// <summary>The objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);

    /// <summary>The keys of the objects whose index <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    IReadOnlyList<ObjectKey> KeysByIndex(string indexName, string value);

    /// <summary>Every cached key.</summary>
    IReadOnlyList<ObjectKey> Keys();
}

/// <summary>An index function: the index values an object is filed under (none, one or several).</summary>
/// <typeparam name="T">The model type.</typeparam>
public delegate IEnumerable<string> IndexFunc<in T>(T obj);

/// <summary>Options of a cache.</summary>
public sealed record CacheOptions
{
    /// <summary>
    /// Keep a serialized snapshot of every object and check, when an object is replaced or on
    /// <see cref="ResourceCache{T}.VerifyNoMutations"/>, that nobody changed it in place. Costs a serialization
    /// per event; meant for tests and debugging (client-go's cache mutation detector).
    /// </summary>
    public bool DetectMutations { get; init; }
}

/// <summary>Well-known index names and index functions.</summary>
public static class Indexes
{
    /// <summary>The namespace index every cache has.</summary>
    public const string Namespace = "namespace";

    /// <summary>An index over the value of label <paramref name="labelKey"/> (objects without it are not indexed).</summary>
    public static IndexFunc<T> ByLabel<T>(string labelKey)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        obj => obj.Metadata?.Labels is { } labels && labels.TryGetValue(labelKey, out var v) ? [v] : [];

    /// <summary>The conventional name of a label index (<c>label:key</c>).</summary>
    public static string LabelIndexName(string labelKey) => $"label:{labelKey}";

    /// <summary>An index over one string field (e.g. pods by <c>spec.nodeName</c>); null or empty values are not indexed.</summary>
    public static IndexFunc<T> ByField<T>(Func<T, string?> field) =>
        obj => field(obj) is { Length: > 0 } v ? [v] : [];
}
