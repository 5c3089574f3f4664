using System.Runtime.CompilerServices;
using k8s.Models;
using Terway.Kube.Hosting;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Hosting;

[TestFixture]
public sealed class ManagerLifetimeTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RunAndDropAsync(InMemoryKubeApiClient client)
    {
        var manager = new KubeManager(client, new KubeManagerOptions { MeterName = $"leak-{Guid.NewGuid():N}" });
        var informer = manager.GetInformer<V1Pod>();
        var weak = new WeakReference(informer.Cache);
        await manager.StartAsync();
        await manager.WaitForCacheSyncAsync(TimeSpan.FromSeconds(10));
        await manager.StopAsync();
        await manager.DisposeAsync();
        return weak;
    }

    [Test]
    public async Task Manager_DisposedAfterRun_CacheIsCollectable()
    {
        var client = new InMemoryKubeApiClient();
        client.Seed(Objects.Pod("ns", "a"));
        var weak = await RunAndDropAsync(client);
        for (var i = 0; i < 5 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(100);
        }

        Assert.That(weak.IsAlive, Is.False);
    }
}
