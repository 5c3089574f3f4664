using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Informers;

namespace Terway.NodeAgent.Kube;

/// <summary>
/// Lets ADD wait for the next change to an object instead of polling: an informer handler that
/// completes the waiters of an object's key whenever the informer reports that object. Take the task
/// from <see cref="Next"/> before reading the cache, so a change between the read and the wait is not
/// missed.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
internal sealed class ChangeSignal<T> : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ObjectKey, TaskCompletionSource> _waiters = new();

    /// <summary>Completes at the next add, update or delete of <paramref name="key"/>.</summary>
    public Task Next(ObjectKey key) =>
        _waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void OnAdd(T obj, bool isInInitialList) => Signal(obj);

    public void OnUpdate(T oldObj, T newObj) => Signal(newObj);

    public void OnDelete(T obj, bool finalStateUnknown) => Signal(obj);

    private void Signal(T obj)
    {
        if (_waiters.TryRemove(ObjectKey.From(obj), out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}
