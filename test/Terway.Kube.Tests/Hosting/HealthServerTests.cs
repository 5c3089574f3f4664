using System.Net;
using k8s.Models;
using Terway.Kube.Controllers;
using Terway.Kube.Health;
using Terway.Kube.Hosting;
using Terway.Kube.LeaderElection;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Hosting;

[TestFixture]
public sealed class HealthServerTests
{
    private static readonly string[] ExpectedMetricNames =
    [
        "controller_runtime_reconcile_total",
        "controller_runtime_reconcile_errors_total",
        "controller_runtime_terminal_reconcile_errors_total",
        "controller_runtime_reconcile_panics_total",
        "controller_runtime_reconcile_time_seconds",
        "controller_runtime_max_concurrent_reconciles",
        "controller_runtime_active_workers",
        "controller_runtime_reconcile_timeouts_total",
        "workqueue_depth",
        "workqueue_adds_total",
        "workqueue_queue_duration_seconds",
        "workqueue_work_duration_seconds",
        "workqueue_unfinished_work_seconds",
        "workqueue_longest_running_processor_seconds",
        "workqueue_retries_total",
        "leader_election_master_status",
    ];

    [Test]
    public async Task Metrics_Scrape_ExposesControllerRuntimeNamesExactly()
    {
        var client = new InMemoryKubeApiClient();
        client.Seed(Objects.Pod("ns", "a"));
        client.Seed(Objects.Pod("ns", "b"));
        client.Seed(Objects.Pod("ns", "c"));
        await using var manager = new KubeManager(client, new KubeManagerOptions
        {
            MeterName = $"scrape-{Guid.NewGuid():N}",
            HealthServer = new HealthServerOptions { Urls = "http://127.0.0.1:0" },
            LeaderElection = new LeaderElectionOptions { LeaseNamespace = "kube-system", LeaseName = "scrape-test", Identity = "me" },
        });
        var calls = 0;
        manager.NewController<V1Pod>("pods").WithMaxConcurrentReconciles(2).Build((key, _) =>
        {
            var n = Interlocked.Increment(ref calls);
            return n switch
            {
                1 => throw new TerminalReconcileException("bad spec"),
                2 => throw new InvalidOperationException("bug"),
                _ => Task.FromResult(ReconcileResult.Done),
            };
        });

        await manager.StartAsync();
        await Eventually.That(() => Volatile.Read(ref calls) >= 4, "reconciles ran, including a retry");
        using var http = new HttpClient { BaseAddress = manager.HealthServer!.Address };
        var text = await http.GetStringAsync("/metrics");
        var names = text.Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .Select(n => n.EndsWith("_bucket", StringComparison.Ordinal) ? n[..^7] : n.EndsWith("_sum", StringComparison.Ordinal) ? n[..^4] : n.EndsWith("_count", StringComparison.Ordinal) ? n[..^6] : n)
            .ToHashSet();

        Assert.That(names, Is.SupersetOf(ExpectedMetricNames), text);
        Assert.That(names.Where(n => n.EndsWith("_total_total", StringComparison.Ordinal) || n.Contains("seconds_seconds", StringComparison.Ordinal)), Is.Empty);
        Assert.That(text, Does.Contain("controller_runtime_reconcile_total{controller=\"pods\",result=\"success\"}"));
        Assert.That(text, Does.Contain("controller_runtime_terminal_reconcile_errors_total{controller=\"pods\"} 1"));
        Assert.That(text, Does.Contain("controller_runtime_reconcile_panics_total{controller=\"pods\"} 1"));
        Assert.That(text, Does.Contain("controller_runtime_max_concurrent_reconciles{controller=\"pods\"} 2"));
        Assert.That(text, Does.Contain("leader_election_master_status{name=\"scrape-test\"} 1"));
        Assert.That(text, Does.Contain("workqueue_adds_total{controller=\"pods\",name=\"pods\"}"));
        Assert.That(text, Does.Contain("# TYPE controller_runtime_reconcile_time_seconds histogram"));
    }

    [Test]
    public async Task Probes_BeforeAndAfterSync_ReportReadiness()
    {
        var client = new InMemoryKubeApiClient { FailNextList = new HttpRequestException("refused") };
        await using var manager = new KubeManager(client, new KubeManagerOptions
        {
            MeterName = $"probe-{Guid.NewGuid():N}",
            HealthServer = new HealthServerOptions { Urls = "http://127.0.0.1:0", ServeMetrics = false },
            InformerDefaults = new Terway.Kube.Informers.InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(300) },
        });
        manager.GetInformer<V1Pod>();

        await manager.StartAsync();
        using var http = new HttpClient { BaseAddress = manager.HealthServer!.Address };
        var notReady = await http.GetAsync("/readyz");
        var healthy = await http.GetAsync("/healthz");
        await manager.WaitForCacheSyncAsync(TimeSpan.FromSeconds(10));
        var ready = await http.GetAsync("/readyz?verbose");
        var excluded = await http.GetAsync("/readyz?exclude=informers");

        Assert.That(notReady.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await notReady.Content.ReadAsStringAsync(), Does.Contain("[-]informers failed"));
        Assert.That(healthy.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await ready.Content.ReadAsStringAsync(), Does.Contain("[+]informers ok"));
        Assert.That(excluded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
