using System.Collections.Concurrent;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Health;
using Terway.Kube.Hosting;
using Terway.Kube.LeaderElection;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Integration;

[TestFixture]
[Category("Integration")]
public sealed class HostingIntegrationTests
{
    [Test]
    public async Task Host_FromKubeconfig_ReconcilesServesProbesAndReleasesLeaseOnStop()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "a"));
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"kube-{Guid.NewGuid():N}.yaml");
        h.Emulator.WriteKubeconfig(kubeconfig);
        var seen = new ConcurrentDictionary<ObjectKey, int>();
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Services
                .AddKubeManager(o =>
                {
                    o.KubeconfigPath = kubeconfig;
                    o.Manager = new KubeManagerOptions
                    {
                        MeterName = $"host-it-{Guid.NewGuid():N}",
                        HealthServer = new HealthServerOptions { Urls = "http://127.0.0.1:0" },
                        LeaderElection = new LeaderElectionOptions { LeaseNamespace = "ns", LeaseName = "terway-operator", Identity = "op-0" },
                    };
                })
                .AddController<V1Pod>("pods", _ => new DelegateReconciler<V1Pod>((key, _) =>
                {
                    seen.AddOrUpdate(key, 1, (_, n) => n + 1);
                    return Task.FromResult(ReconcileResult.Done);
                }));
            using var host = builder.Build();

            await host.StartAsync();
            var manager = host.Services.GetRequiredService<KubeManager>();
            await Eventually.That(() => seen.ContainsKey(new ObjectKey("ns", "a")), "the leader reconciled the pod");
            using var http = new HttpClient { BaseAddress = manager.HealthServer!.Address };
            var ready = await http.GetAsync("/readyz?verbose");
            var metrics = await http.GetStringAsync("/metrics");
            await host.StopAsync();

            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), await ready.Content.ReadAsStringAsync());
            Assert.That(await ready.Content.ReadAsStringAsync(), Does.Contain("[+]leader-election ok: leader"));
            Assert.That(metrics, Does.Contain("leader_election_master_status{name=\"terway-operator\"} 1"));
            var lease = await h.Client.GetAsync<V1Lease>(new ObjectKey("ns", "terway-operator"));
            Assert.That((lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds), Is.EqualTo(((string?)null, (int?)1)), "released on graceful stop");
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }
}
