using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Finalizers;
using Terway.Kube.Hosting;
using Terway.Kube.LeaderElection;
using Terway.Kube.Patching;
using Terway.Kube.Status;
using Terway.Kube.Tests.Support;
using Terway.Sandbox.KubeApi;

namespace Terway.Kube.Tests.Integration;

[TestFixture]
[Category("Integration")]
public sealed class ControlPlaneIntegrationTests
{
    [Test]
    public async Task UpdateStatus_ConcurrentWritersAndInjected409s_EveryIncrementLands()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.CreateAsync(new TestPodEni { Metadata = new V1ObjectMeta { Name = "e1", NamespaceProperty = "ns" } });
        h.Emulator.InjectFault(new KubeApiFault { Verb = "update", Resource = "podenis", Subresource = "status", StatusCode = 409, Count = 3 });
        var key = new ObjectKey("ns", "e1");
        var attempts = 0;

        async Task Writer(KubeApiClient client)
        {
            for (var i = 0; i < 15; i++)
            {
                await client.UpdateStatusAsync<TestPodEni>(key, e =>
                {
                    Interlocked.Increment(ref attempts);
                    e.Status ??= new TestPodEniStatus();
                    e.Status.Counter = (e.Status.Counter ?? 0) + 1;
                    return true;
                }, maxAttempts: 50);
            }
        }

        await Task.WhenAll(Writer(h.NewClient()), Writer(h.NewClient()), Writer(h.NewClient()));

        var stored = await h.Client.GetAsync<TestPodEni>(key);
        TestContext.Out.WriteLine($"45 increments took {attempts} attempts (409 retries: {attempts - 45})");
        Assert.That(stored.Status.Counter, Is.EqualTo(45));
        Assert.That(attempts, Is.GreaterThanOrEqualTo(48), "the 3 injected conflicts were retried");
    }

    [Test]
    public async Task Finalizers_AndOptimisticMergePatch_AgainstServer()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var eni = await h.Client.CreateAsync(new TestPodEni { Metadata = new V1ObjectMeta { Name = "e1", NamespaceProperty = "ns" } });

        var withOurs = await h.Client.EnsureFinalizerAsync(eni, "network.alibabacloud.com/eni");
        var withBoth = await h.Client.EnsureFinalizerAsync(withOurs, "other.io/keep");
        var stale = KubeObjects.DeepCopy(withOurs);

        Assert.That(async () => await h.Client.RemoveFinalizerAsync(stale, "network.alibabacloud.com/eni"),
            Throws.InstanceOf<KubeApiException>().With.Property(nameof(KubeApiException.IsConflict)).True);
        var removed = await h.Client.RemoveFinalizerAsync(withBoth, "network.alibabacloud.com/eni");
        Assert.That(removed.Metadata.Finalizers, Is.EqualTo(new[] { "other.io/keep" }));

        await h.Client.DeleteAsync<TestPodEni>(new ObjectKey("ns", "e1"));
        var terminating = await h.Client.GetAsync<TestPodEni>(new ObjectKey("ns", "e1"));
        Assert.That(terminating.IsBeingDeleted(), Is.True, "a finalizer holds the object");
        await h.Client.RemoveFinalizerAsync(terminating, "other.io/keep");
        Assert.That(async () => await h.Client.GetAsync<TestPodEni>(new ObjectKey("ns", "e1")),
            Throws.InstanceOf<KubeApiException>().With.Property(nameof(KubeApiException.IsNotFound)).True);
    }

    [Test]
    public async Task Controller_SetsReadyConditionThroughStatusSubresource()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.CreateAsync(new TestPodEni { Metadata = new V1ObjectMeta { Name = "e1", NamespaceProperty = "ns" }, Spec = new TestPodEniSpec { EniId = "eni-1" } });
        await using var manager = new KubeManager(h.NewClient(), new KubeManagerOptions { MeterName = $"it-{Guid.NewGuid():N}" });
        var cache = manager.GetCache<TestPodEni>();
        manager.NewController<TestPodEni>("podeni")
            .WithPredicates(Terway.Kube.Handlers.Predicates.GenerationChanged<TestPodEni>())
            .Build(async (key, ct) =>
            {
                if (cache.Get(key) is not { } eni)
                {
                    return ReconcileResult.Done;
                }

                await manager.Client.UpdateStatusAsync<TestPodEni>(key, e =>
                {
                    e.Status ??= new TestPodEniStatus();
                    e.Status.Conditions ??= [];
                    e.Status.ObservedGeneration = e.Metadata.Generation;
                    return Conditions.MarkReady(e.Status.Conditions, "Bound", $"ENI {e.Spec.EniId} bound", e.Metadata.Generation);
                }, eni, cancellationToken: ct);
                return ReconcileResult.Done;
            });

        await manager.StartAsync();
        await Eventually.That(() => cache.Get(new ObjectKey("ns", "e1"))?.Status?.Conditions is { Count: > 0 }, "Ready condition written and watched back");
        await manager.StopAsync();

        var stored = await h.Client.GetAsync<TestPodEni>(new ObjectKey("ns", "e1"));
        var ready = Conditions.Find(stored.Status.Conditions, Conditions.Ready)!;
        Assert.That((ready.Status, ready.Reason, ready.ObservedGeneration), Is.EqualTo(("True", "Bound", stored.Metadata.Generation)));
        Assert.That(stored.Status.ObservedGeneration, Is.EqualTo(stored.Metadata.Generation));
    }

    [Test]
    public async Task EventRecorder_Repeats_AggregatedIntoOneServerEventWithSeries()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var pod = await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "web-0"));
        var recorder = new EventRecorder(h.NewClient(), new EventRecorderOptions { ReportingController = "terway.alibabacloud.com/operator", ReportingInstance = "op-0" });
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => recorder.RunAsync(stop.Token));

        for (var i = 0; i < 5; i++)
        {
            recorder.Publish(pod, EventTypes.Warning, "AllocIPFailed", "Allocate", "no free IP in vsw-1");
        }

        recorder.Publish(pod, EventTypes.Normal, "Allocated", "Allocate", "IP 10.0.0.5");
        await Eventually.That(() => recorder.Idle, "events written");
        await stop.CancelAsync();
        await run;

        var events = (await h.Client.ListPageAsync<Eventsv1Event>(new ListOptions { Namespace = "ns" }, null, null)).Items;
        TestContext.Out.WriteLine($"recorder: created={recorder.Stats.Created} patched={recorder.Stats.Patched} failed={recorder.Stats.Failed}; server events: {string.Join(", ", events.Select(e => $"{e.Reason}/{e.Series?.Count}"))}");
        var failed = events.Single(e => e.Reason == "AllocIPFailed");
        Assert.That(events, Has.Count.EqualTo(2));
        Assert.That(failed.Series?.Count, Is.EqualTo(5));
        Assert.That((failed.ReportingController, failed.ReportingInstance, failed.Regarding.Name, failed.Regarding.Uid),
            Is.EqualTo(("terway.alibabacloud.com/operator", "op-0", "web-0", pod.Metadata.Uid)));
    }

    private static KubeManager LeaderManager(EmulatorHarness h, string identity, bool release, ConcurrentQueue<(string Who, string Key, long Start, long End)> log)
    {
        var manager = new KubeManager(h.NewClient(), new KubeManagerOptions
        {
            MeterName = $"le-{identity}-{Guid.NewGuid():N}",
            LeaderElection = new LeaderElectionOptions
            {
                LeaseNamespace = "ns",
                LeaseName = "terway-operator",
                Identity = identity,
                LeaseDuration = TimeSpan.FromSeconds(3),
                RenewDeadline = TimeSpan.FromSeconds(2),
                RetryPeriod = TimeSpan.FromMilliseconds(500),
                ReleaseOnCancel = release,
            },
        });
        manager.NewController<V1Pod>("pods").Build(async (key, ct) =>
        {
            var start = Stopwatch.GetTimestamp();
            await Task.Delay(20, ct);
            log.Enqueue((identity, key.ToString(), start, Stopwatch.GetTimestamp()));
            return ReconcileResult.Done;
        });
        return manager;
    }

    [Test]
    public async Task LeaderElection_LeaderCrashes_StandbyTakesOverAfterLeaseExpiry()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "a"));
        var log = new ConcurrentQueue<(string Who, string Key, long Start, long End)>();
        await using var a = LeaderManager(h, "a", release: false, log);
        await a.StartAsync();
        await Eventually.That(() => a.IsLeader, "a leads");
        await using var b = LeaderManager(h, "b", release: true, log);
        await b.StartAsync();
        await b.WaitForCacheSyncAsync(TimeSpan.FromSeconds(10));
        await Eventually.That(() => log.Any(e => e.Who == "a"), "a reconciled");
        await Task.Delay(600);
        Assert.That(b.IsLeader, Is.False, "b is a warm standby");
        Assert.That(b.GetCache<V1Pod>().Count, Is.EqualTo(1), "standby cache is warm");

        // A crash: a stops without releasing the lease.
        await a.StopAsync();
        var stopped = Stopwatch.GetTimestamp();
        await Eventually.That(() => b.IsLeader, "b takes over", TimeSpan.FromSeconds(15));
        var gap = Stopwatch.GetElapsedTime(stopped);
        await Eventually.That(() => log.Any(e => e.Who == "b"), "b reconciles");

        TestContext.Out.WriteLine($"failover gap after a crash (lease 3 s, retry 0.5 s): {gap.TotalSeconds:F2} s");
        Assert.That(gap, Is.GreaterThan(TimeSpan.FromSeconds(2)), "b must wait for the lease to expire");
        Assert.That(gap, Is.LessThan(TimeSpan.FromSeconds(6)));
    }

    [Test]
    public async Task LeaderElection_GracefulStop_ReleasesLeaseAndSuccessorLeadsAtOnceWithoutOverlap()
    {
        await using var h = await EmulatorHarness.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{i}"));
        }

        var log = new ConcurrentQueue<(string Who, string Key, long Start, long End)>();
        await using var a = LeaderManager(h, "a", release: true, log);
        await a.StartAsync();
        await Eventually.That(() => a.IsLeader, "a leads");
        await using var b = LeaderManager(h, "b", release: true, log);
        await b.StartAsync();
        await Eventually.That(() => log.Count(e => e.Who == "a") == 5, "a reconciled everything");
        await Eventually.That(() => b.LeaderElector!.Leader == "a", "b sees a");

        await a.StopAsync();
        var stopped = Stopwatch.GetTimestamp();
        await Eventually.That(() => b.IsLeader, "b takes over", TimeSpan.FromSeconds(10));
        var gap = Stopwatch.GetElapsedTime(stopped);
        await Eventually.That(() => log.Count(e => e.Who == "b") == 5, "b resynced every key");

        TestContext.Out.WriteLine($"hand-over gap after a graceful stop (retry 0.5 s): {gap.TotalSeconds:F2} s");
        var lastA = log.Where(e => e.Who == "a").Max(e => e.End);
        var firstB = log.Where(e => e.Who == "b").Min(e => e.Start);
        Assert.That(gap, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That(firstB, Is.GreaterThan(lastA), "no overlap between the old and the new leader's reconciles");
        var lease = await h.Client.GetAsync<V1Lease>(new ObjectKey("ns", "terway-operator"));
        Assert.That(lease.Spec.HolderIdentity, Is.EqualTo("b"));
        Assert.That(lease.Spec.LeaseTransitions, Is.GreaterThanOrEqualTo(1));
    }
}
