using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Hosting;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Controllers;

[TestFixture]
public sealed class ControllerTests
{
    private InMemoryKubeApiClient _client = null!;
    private FakeTimeProvider _time = null!;
    private KubeManager _manager = null!;
    private MetricCollector _metrics = null!;
    private CapturingLoggerProvider _logs = null!;
    private ILoggerFactory _loggerFactory = null!;
    private readonly ConcurrentDictionary<ObjectKey, int> _calls = new();

    [SetUp]
    public void SetUp()
    {
        _client = new InMemoryKubeApiClient();
        _time = new FakeTimeProvider();
        var meter = $"test-{Guid.NewGuid():N}";
        _metrics = new MetricCollector(meter);
        _logs = new CapturingLoggerProvider();
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        _manager = new KubeManager(_client, new KubeManagerOptions { MeterName = meter }, _time, _loggerFactory);
        _calls.Clear();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _manager.DisposeAsync();
        _metrics.Dispose();
        _loggerFactory.Dispose();
        _logs.Dispose();
    }

    private static Task WaitDelayed(Controller<V1Pod> controller, string what) =>
        Eventually.That(() => controller.Queue is Terway.Kube.Queues.WorkQueue<ObjectKey> { Delayed: 1 }, what);

    private int Calls(string name) => _calls.TryGetValue(new ObjectKey("ns", name), out var n) ? n : 0;

    private Controller<V1Pod> Build(Func<ObjectKey, int, CancellationToken, Task<ReconcileResult>> reconcile, Action<ControllerBuilder<V1Pod>>? configure = null)
    {
        var builder = _manager.NewController<V1Pod>("pods");
        configure?.Invoke(builder);
        return builder.Build(async (key, ct) =>
        {
            var n = _calls.AddOrUpdate(key, 1, (_, c) => c + 1);
            return await reconcile(key, n, ct);
        });
    }

    [Test]
    public async Task Reconcile_Done_RunsOncePerEventAndCountsSuccess()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        Build((_, _, _) => Task.FromResult(ReconcileResult.Done));

        await _manager.StartAsync();
        await Eventually.That(() => Calls("a") == 1, "initial reconcile");
        _time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(50);

        Assert.That(Calls("a"), Is.EqualTo(1));
        await Eventually.That(() => _metrics.Sum("controller_runtime_reconcile_total", ("controller", "pods"), ("result", "success")) == 1, "success counted");
    }

    [Test]
    public async Task Reconcile_RequeueAfter_RunsAgainAfterTheDelay()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var controller = Build((_, n, _) => Task.FromResult(n < 3 ? ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)) : ReconcileResult.Done));

        await _manager.StartAsync();
        await WaitDelayed(controller, "initial reconcile requeued");
        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        Assert.That(Calls("a"), Is.EqualTo(1), "not before 30 s");
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.That(() => Calls("a") == 2, "second run at 30 s");
        await WaitDelayed(controller, "second run requeued");
        _time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.That(() => Calls("a") == 3, "third run");

        await Eventually.That(() => _metrics.Sum("controller_runtime_reconcile_total", ("result", "requeue_after")) == 2, "requeue_after counted");
    }

    [Test]
    public async Task Reconcile_Throws_RetriedWithExponentialBackoffAndCounted()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var controller = Build((_, n, _) => n <= 3 ? throw new HttpRequestException("cloud API down") : Task.FromResult(ReconcileResult.Done));

        await _manager.StartAsync();
        await WaitDelayed(controller, "first attempt failed");
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.That(() => Calls("a") == 2, "retry after 5 ms");
        await WaitDelayed(controller, "second attempt failed");
        _time.Advance(TimeSpan.FromMilliseconds(9));
        await Task.Delay(50);
        Assert.That(Calls("a"), Is.EqualTo(2), "second retry waits 10 ms");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.That(() => Calls("a") == 3, "retry after 10 ms");
        await WaitDelayed(controller, "third attempt failed");
        _time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.That(() => Calls("a") == 4, "retry after 20 ms then success");

        await Eventually.That(() => _metrics.Sum("controller_runtime_reconcile_errors_total", ("controller", "pods")) == 3, "errors counted");
        Assert.That(_metrics.Sum("controller_runtime_reconcile_panics_total"), Is.Zero, "HTTP errors are not panics");
        Assert.That(_metrics.Sum("workqueue_retries_total", ("name", "pods")), Is.EqualTo(3));
    }

    [Test]
    public async Task Reconcile_InvalidOperation_CountedAsPanicAndRetried()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var controller = Build((_, n, _) => n == 1 ? throw new InvalidOperationException("bug") : Task.FromResult(ReconcileResult.Done));

        await _manager.StartAsync();
        await WaitDelayed(controller, "first attempt failed");
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.That(() => Calls("a") == 2, "retried");

        Assert.That(_metrics.Sum("controller_runtime_reconcile_panics_total", ("controller", "pods")), Is.EqualTo(1));
    }

    [Test]
    public async Task Reconcile_TerminalError_NotRetriedButCounted()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        Build((_, _, _) => throw new TerminalReconcileException("invalid spec"));

        await _manager.StartAsync();
        await Eventually.That(() => Calls("a") == 1, "first attempt");
        _time.Advance(TimeSpan.FromHours(1));
        await Task.Delay(100);

        Assert.That(Calls("a"), Is.EqualTo(1));
        await Eventually.That(() => _metrics.Sum("controller_runtime_terminal_reconcile_errors_total", ("controller", "pods")) == 1, "terminal counted");
        Assert.That(_metrics.Sum("controller_runtime_reconcile_errors_total", ("controller", "pods")), Is.EqualTo(1));
    }

    [Test]
    public async Task Reconcile_ExceedsTimeout_TokenCancelledCountedAndRetried()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var cancelled = 0;
        var controller = Build(
            async (_, n, ct) =>
            {
                if (n == 1)
                {
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Increment(ref cancelled);
                        throw;
                    }
                }

                return ReconcileResult.Done;
            },
            b => b.WithReconcileTimeout(TimeSpan.FromSeconds(10)));

        await _manager.StartAsync();
        await Eventually.That(() => Calls("a") == 1, "first attempt running");
        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.That(() => cancelled == 1, "token cancelled at the timeout");
        await WaitDelayed(controller, "timed-out reconcile requeued");
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.That(() => Calls("a") == 2, "retried after backoff");

        Assert.That(_metrics.Sum("controller_runtime_reconcile_timeouts_total", ("controller", "pods")), Is.EqualTo(1));
    }

    [Test]
    public async Task Workers_MaxConcurrentReconciles_BoundsParallelismAndNeverRunsOneKeyTwice()
    {
        for (var i = 0; i < 12; i++)
        {
            _client.Seed(Objects.Pod("ns", $"p{i}"));
        }

        var active = 0;
        var maxActive = 0;
        var perKey = new ConcurrentDictionary<ObjectKey, int>();
        var violations = 0;
        var controller = Build(
            async (key, _, ct) =>
            {
                if (perKey.AddOrUpdate(key, 1, (_, c) => c + 1) > 1)
                {
                    Interlocked.Increment(ref violations);
                }

                var now = Interlocked.Increment(ref active);
                int seen;
                while ((seen = Volatile.Read(ref maxActive)) < now && Interlocked.CompareExchange(ref maxActive, now, seen) != seen)
                {
                }

                await Task.Delay(30, ct);
                Interlocked.Decrement(ref active);
                perKey.AddOrUpdate(key, 0, (_, c) => c - 1);
                return ReconcileResult.Done;
            },
            b => b.WithMaxConcurrentReconciles(3));

        await _manager.StartAsync();
        await Eventually.That(() => _calls.Values.Sum() >= 12, "every key reconciled");
        for (var i = 0; i < 12; i++)
        {
            controller.Enqueue(new ObjectKey("ns", $"p{i % 2}"));
        }

        await Eventually.That(() => controller.Queue is { Length: 0 } && active == 0, "queue drained");
        Assert.That(maxActive, Is.EqualTo(3));
        Assert.That(violations, Is.Zero);
    }

    [Test]
    public async Task Reconcile_LogScope_CarriesControllerKeyAndReconcileId()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var logger = _loggerFactory.CreateLogger("reconciler");
        string? contextId = null;
        Build((_, _, _) =>
        {
            contextId = ReconcileContext.Current?.ReconcileId;
            logger.LogInformation("inside reconcile");
            return Task.FromResult(ReconcileResult.Done);
        });

        await _manager.StartAsync();
        await Eventually.That(() => _logs.Entries.Any(e => e.Message == "inside reconcile"), "reconciler logged");

        var entry = _logs.Entries.First(e => e.Message == "inside reconcile");
        Assert.That(entry.Scope["controller"], Is.EqualTo("pods"));
        Assert.That(entry.Scope["key"], Is.EqualTo("ns/a"));
        Assert.That(entry.Scope["reconcileID"], Is.EqualTo(contextId).And.Not.Null);
    }

    [Test]
    public async Task Watches_PodEventMapsToPodEniKey_ReconcilesThePodEni()
    {
        var keys = new ConcurrentQueue<ObjectKey>();
        _manager.NewController<TestPodEni>("podeni")
            .Watches<V1Pod>(pod => [new ObjectKey(pod.Metadata.NamespaceProperty, pod.Metadata.Name)])
            .Build((key, _) =>
            {
                keys.Enqueue(key);
                return Task.FromResult(ReconcileResult.Done);
            });

        await _manager.StartAsync();
        var watches = new[] { await _client.NextWatchAsync(), await _client.NextWatchAsync() };
        foreach (var w in watches)
        {
            await w.SendAsync("ADDED", Objects.Pod("ns", "web-0", rv: "900"));
        }

        await Eventually.That(() => keys.Contains(new ObjectKey("ns", "web-0")), "pod event enqueued the PodENI key");
    }

    [Test]
    public async Task Owns_ChildWithControllerReference_EnqueuesOwner()
    {
        var keys = new ConcurrentQueue<ObjectKey>();
        var child = Objects.Pod("ns", "child");
        child.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "network.alibabacloud.com/v1beta1", Kind = "PodENI", Name = "owner", Uid = "u", Controller = true }];
        _client.Seed(child);
        _manager.NewController<TestPodEni>("podeni").Owns<V1Pod>().Build((key, _) =>
        {
            keys.Enqueue(key);
            return Task.FromResult(ReconcileResult.Done);
        });

        await _manager.StartAsync();

        await Eventually.That(() => keys.Contains(new ObjectKey("ns", "owner")), "owner enqueued");
    }

    [Test]
    public async Task Predicates_GenerationChanged_StatusOnlyUpdateDoesNotReconcile()
    {
        _client.Seed(Objects.Pod("ns", "a", generation: 1));
        Build((_, _, _) => Task.FromResult(ReconcileResult.Done), b => b.WithPredicates(Terway.Kube.Handlers.Predicates.GenerationChanged<V1Pod>()));

        await _manager.StartAsync();
        var watch = await _client.NextWatchAsync();
        await Eventually.That(() => Calls("a") == 1, "initial reconcile");
        await watch.SendAsync("MODIFIED", Objects.Pod("ns", "a", rv: "990", generation: 1));
        await watch.SendAsync("MODIFIED", Objects.Pod("ns", "a", rv: "991", generation: 2));

        await Eventually.That(() => Calls("a") == 2, "spec change reconciled");
        await Task.Delay(50);
        Assert.That(Calls("a"), Is.EqualTo(2));
    }

    [Test]
    public async Task Stop_InFlightReconcile_DrainsBeforeReturning()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var release = new TaskCompletionSource();
        var finished = false;
        Build(async (_, _, _) =>
        {
            await release.Task;
            finished = true;
            return ReconcileResult.Done;
        });

        await _manager.StartAsync();
        await Eventually.That(() => Calls("a") == 1, "reconcile running");
        var stop = _manager.StopAsync();
        await Task.Delay(50);
        Assert.That(stop.IsCompleted, Is.False, "stop waits for the in-flight reconcile");

        release.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(finished, Is.True);
    }

    [Test]
    public async Task Stop_ReconcileIgnoresToken_CancelledAfterGrace()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var sawCancel = new TaskCompletionSource();
        Build(async (_, _, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                sawCancel.TrySetResult();
                throw;
            }

            return ReconcileResult.Done;
        }, b => b.WithOptions(new ControllerOptions { ShutdownGrace = TimeSpan.FromSeconds(5), NeedLeaderElection = false }));

        await _manager.StartAsync();
        await Eventually.That(() => Calls("a") == 1, "reconcile running");
        var stop = _manager.StopAsync();
        await Task.Delay(50);
        Assert.That(sawCancel.Task.IsCompleted, Is.False, "grace period first");
        _time.Advance(TimeSpan.FromSeconds(5));

        await sawCancel.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public void Add_DuplicateControllerName_Throws()
    {
        Build((_, _, _) => Task.FromResult(ReconcileResult.Done));

        Assert.That(() => Build((_, _, _) => Task.FromResult(ReconcileResult.Done)), Throws.InvalidOperationException);
    }
}
