using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Informers;
using Terway.Kube.Queues;

namespace Terway.Kube.Handlers;

/// <summary>
/// Bridges an informer to a work queue: filters events with a predicate, maps objects to keys and adds the
/// keys. On updates both the old and the new object are mapped (an owner or a node that changed enqueues
/// both sides), duplicates collapse in the queue.
/// </summary>
/// <typeparam name="T">The watched model type.</typeparam>
public sealed class EnqueueHandler<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IWorkQueue<ObjectKey> _queue;
    private readonly KeyMapper<T> _map;
    private readonly EventPredicate<T> _predicate;

    /// <summary>Creates the bridge.</summary>
    public EnqueueHandler(IWorkQueue<ObjectKey> queue, KeyMapper<T> map, EventPredicate<T>? predicate = null)
    {
        _queue = queue;
        _map = map;
        _predicate = predicate ?? Predicates.All<T>();
    }

    /// <inheritdoc/>
    public void OnAdd(T obj, bool isInInitialList)
    {
        if (_predicate.Create(obj))
        {
            Enqueue(obj);
        }
    }

    /// <inheritdoc/>
    public void OnUpdate(T oldObj, T newObj)
    {
        if (!_predicate.Update(oldObj, newObj))
        {
            return;
        }

        // Distinct keys only: adding the same key twice could hand it to a worker in between and run it twice.
        var keys = new HashSet<ObjectKey>(_map(newObj));
        keys.UnionWith(_map(oldObj));
        foreach (var key in keys)
        {
            _queue.Add(key);
        }
    }

    /// <inheritdoc/>
    public void OnDelete(T obj, bool finalStateUnknown)
    {
        if (_predicate.Delete(obj))
        {
            Enqueue(obj);
        }
    }

    private void Enqueue(T obj)
    {
        foreach (var key in _map(obj))
        {
            _queue.Add(key);
        }
    }
}
