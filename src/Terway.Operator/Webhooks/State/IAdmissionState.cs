using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Hosting;

namespace Terway.Operator.Webhooks.State;

/// <summary>What the webhooks read about the cluster. Served from informer caches: an admission call must not wait on the API server.</summary>
internal interface IAdmissionState
{
    /// <summary>Every PodNetworking, sorted by name (shared instances: never change them).</summary>
    IReadOnlyList<V1Beta1PodNetworking> PodNetworkings();

    /// <summary>Labels of <paramref name="namespace"/>; empty when the namespace is unknown.</summary>
    ValueTask<IReadOnlyDictionary<string, string>> NamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken);

    /// <summary>The PodENI <paramref name="namespace"/>/<paramref name="name"/>, or null.</summary>
    V1Beta1PodEni? PodEni(string @namespace, string name);

    /// <summary>Completes once the caches have their first full list.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IAdmissionState"/> over the operator's shared informers (PodNetworkings, Namespaces, PodENIs). They
/// run on every replica, leader or not, so every replica can answer admission calls.
/// </summary>
internal sealed class KubeCacheAdmissionState : IAdmissionState
{
    private readonly KubeManager _manager;

    public KubeCacheAdmissionState(KubeManager manager)
    {
        _manager = manager;

        // Creating the informers registers them with the manager, which starts them (at once if it runs already).
        _ = manager.GetInformer<V1Beta1PodNetworking>();
        _ = manager.GetInformer<V1Namespace>();
        _ = manager.GetInformer<V1Beta1PodEni>();
    }

    /// <inheritdoc/>
    public IReadOnlyList<V1Beta1PodNetworking> PodNetworkings() =>
        [.. _manager.GetCache<V1Beta1PodNetworking>().List().OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, string>> NamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken)
    {
        if (_manager.GetCache<V1Namespace>().TryGet(ObjectKey.Cluster(@namespace), out var cached))
        {
            return Labels(cached);
        }

        // A namespace created a moment ago may not have reached the cache yet; one GET is better than a wrong match.
        try
        {
            return Labels(await _manager.Client.GetAsync<V1Namespace>(ObjectKey.Cluster(@namespace), cancellationToken));
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <inheritdoc/>
    public V1Beta1PodEni? PodEni(string @namespace, string name) =>
        _manager.GetCache<V1Beta1PodEni>().Get(new ObjectKey(@namespace, name));

    /// <inheritdoc/>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => Task.WhenAll(
        _manager.GetInformer<V1Beta1PodNetworking>().WaitForSyncAsync(cancellationToken),
        _manager.GetInformer<V1Namespace>().WaitForSyncAsync(cancellationToken),
        _manager.GetInformer<V1Beta1PodEni>().WaitForSyncAsync(cancellationToken));

    private static Dictionary<string, string> Labels(V1Namespace ns) =>
        new Dictionary<string, string>(ns.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
}
