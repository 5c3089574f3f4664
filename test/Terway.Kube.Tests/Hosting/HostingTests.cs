using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Hosting;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Hosting;

[TestFixture]
public sealed class HostingTests
{
    [Test]
    public async Task AddKubeManager_ControllerWithDependencies_ReconcilesFromSharedCacheAndStopsGracefully()
    {
        var client = new InMemoryKubeApiClient();
        client.Seed(Objects.Pod("ns", "a", "n1"));
        client.Seed(Objects.Pod("ns", "b", "n1"));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<ReconcileLog>();
        builder.Services
            .AddKubeManager(o => o.Manager = new KubeManagerOptions
            {
                MeterName = $"host-{Guid.NewGuid():N}",
                Events = new EventRecorderOptions { ReportingController = "test" },
            })
            .AddIndex<V1Pod>("node", Indexes.ByField<V1Pod>(p => p.Spec.NodeName))
            .AddController<V1Pod, NodePodsReconciler>("node-pods", c => c.WithMaxConcurrentReconciles(2));
        builder.Services.AddSingleton<IKubeApiClient>(client);
        using var host = builder.Build();

        await host.StartAsync();
        var log = host.Services.GetRequiredService<ReconcileLog>();
        await Eventually.That(() => log.Seen.Count == 2, "both pods reconciled");
        await host.StopAsync();

        Assert.That(log.Seen.Values, Is.All.EqualTo(2), "each reconcile saw both pods on n1 through the index");
        Assert.That(host.Services.GetRequiredService<IEventRecorder>(), Is.Not.Null);
        Assert.That(host.Services.GetRequiredService<KubeManager>().Controllers.Single().IsRunning, Is.False);
    }

    internal sealed class ReconcileLog
    {
        public ConcurrentDictionary<ObjectKey, int> Seen { get; } = new();
    }

    internal sealed class NodePodsReconciler(KubeManager manager, ReconcileLog log) : IReconciler<V1Pod>
    {
        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            var cache = manager.GetCache<V1Pod>();
            if (cache.Get(key) is { } pod)
            {
                log.Seen[key] = cache.ByIndex("node", pod.Spec.NodeName).Count;
            }

            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
