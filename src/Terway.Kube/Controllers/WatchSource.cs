using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Handlers;
using Terway.Kube.Informers;
using Terway.Kube.Queues;

namespace Terway.Kube.Controllers;

/// <summary>One thing a controller watches: an informer, a mapping to keys and a predicate.</summary>
internal interface IWatchSource
{
    IInformer Informer { get; }

    IDisposable Start(IWorkQueue<ObjectKey> queue);
}

internal sealed class WatchSource<T>(ResourceInformer<T> informer, KeyMapper<T> map, EventPredicate<T> predicate) : IWatchSource
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public IInformer Informer => informer;

    public IDisposable Start(IWorkQueue<ObjectKey> queue) =>
        informer.AddEventHandler(new EnqueueHandler<T>(queue, map, predicate));
}
