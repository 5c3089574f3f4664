using System.Net;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Client;
using Terway.Kube.Informers;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Informers;

[TestFixture]
public sealed class ResourceInformerTests
{
    private InMemoryKubeApiClient _client = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _client = new InMemoryKubeApiClient();
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private (ResourceInformer<V1Pod> Informer, RecordingHandler<V1Pod> Handler, Task Run) Start(InformerOptions? options = null, TimeProvider? time = null)
    {
        var informer = new ResourceInformer<V1Pod>(_client, options ?? new InformerOptions { PageSize = 2 }, time);
        var handler = new RecordingHandler<V1Pod>();
        informer.AddEventHandler(handler);
        var run = Task.Run(() => informer.RunAsync(_stop.Token));
        return (informer, handler, run);
    }

    [Test]
    public async Task Run_InitialPagedList_FillsCacheDeliversInitialAddsThenWatchesFromListVersion()
    {
        for (var i = 0; i < 5; i++)
        {
            _client.Seed(Objects.Pod("ns", $"p{i}"));
        }

        var listVersion = _client.CurrentVersion;
        var (informer, handler, _) = Start();

        await informer.WaitForSyncAsync(_stop.Token);
        var watch = await _client.NextWatchAsync();

        Assert.That(informer.Cache.Count, Is.EqualTo(5));
        Assert.That(handler.Events.Select(e => (e.Kind, e.Flag)), Is.All.EqualTo(("add", true)));
        Assert.That(_client.Calls.Count(c => c.StartsWith("LIST", StringComparison.Ordinal)), Is.EqualTo(3), "5 objects in pages of 2");
        Assert.That(watch.FromVersion, Is.EqualTo(listVersion));
        Assert.That(watch.TimeoutSeconds, Is.InRange(300, 600));
    }

    [Test]
    public async Task Watch_EventsAndBookmark_UpdateCacheAndResumeFromBookmarkVersion()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var (informer, handler, _) = Start();
        var watch = await _client.NextWatchAsync();

        await watch.SendAsync("ADDED", Objects.Pod("ns", "b", rv: "200"));
        await watch.SendAsync("MODIFIED", Objects.Pod("ns", "a", "n1", rv: "201"));
        await watch.SendAsync("DELETED", Objects.Pod("ns", "b", rv: "202"));
        await watch.BookmarkAsync("250");
        await Eventually.That(() => informer.LastResourceVersion == "250", "bookmark version recorded");
        watch.Close();
        var next = await _client.NextWatchAsync();

        Assert.That(next.FromVersion, Is.EqualTo("250"));
        Assert.That(handler.Events.Skip(1).Select(e => (e.Kind, e.Name, e.Version)), Is.EqualTo(new[]
        {
            ("add", "b", (string?)"200"),
            ("update", "a", "201"),
            ("delete", "b", "202"),
        }));
        Assert.That(informer.Cache.Get(new ObjectKey("ns", "a"))!.Spec.NodeName, Is.EqualTo("n1"));
        Assert.That(informer.Cache.Count, Is.EqualTo(1));
        Assert.That(informer.Stats.Lists, Is.EqualTo(1), "a closed watch resumes; it does not relist");
    }

    [Test]
    public async Task Watch_Expired410Event_RelistsAndSynthesizesMissedChanges()
    {
        _client.Seed(Objects.Pod("ns", "keep"));
        _client.Seed(Objects.Pod("ns", "change"));
        _client.Seed(Objects.Pod("ns", "gone"));
        var (informer, handler, _) = Start();
        var watch = await _client.NextWatchAsync();
        await informer.WaitForSyncAsync(_stop.Token);

        // While "disconnected": one update, one delete, one create.
        _client.Seed(Objects.Pod("ns", "change", "n9"));
        _client.Remove<V1Pod>(new ObjectKey("ns", "gone"));
        _client.Seed(Objects.Pod("ns", "new"));
        var relistVersion = _client.CurrentVersion;
        await watch.ExpireAsync();
        var next = await _client.NextWatchAsync();

        var afterSync = handler.Events.Skip(3).Select(e => (e.Kind, e.Name, e.Flag)).ToList();
        Assert.That(afterSync, Is.EquivalentTo(new[] { ("update", "change", false), ("add", "new", false), ("delete", "gone", true) }));
        Assert.That(informer.Stats.Expired, Is.EqualTo(1));
        Assert.That(informer.Stats.Lists, Is.EqualTo(2));
        Assert.That(next.FromVersion, Is.EqualTo(relistVersion));
        Assert.That(informer.Cache.Keys().Select(k => k.Name).Order(), Is.EqualTo(new[] { "change", "keep", "new" }));
    }

    [Test]
    public async Task Watch_Request410_RelistsInsteadOfRetryingTheSameVersion()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        var (informer, _, _) = Start();
        var first = await _client.NextWatchAsync();
        _client.FailNextWatch = new KubeApiException(HttpStatusCode.Gone, new V1Status { Code = 410, Reason = "Expired" }, "expired");

        first.Close();
        await _client.NextWatchAsync();

        Assert.That(informer.Stats.Expired, Is.EqualTo(1));
        Assert.That(informer.Stats.Lists, Is.EqualTo(2));
    }

    [Test]
    public async Task Watch_SilentLongerThanWatchdog_IsReopenedFromLastVersion()
    {
        var time = new FakeTimeProvider();
        _client.Seed(Objects.Pod("ns", "a"));
        var (informer, _, _) = Start(new InformerOptions { WatchdogTimeout = TimeSpan.FromSeconds(90) }, time);
        var watch = await _client.NextWatchAsync();
        await watch.BookmarkAsync("300");
        await Eventually.That(() => informer.LastResourceVersion == "300", "bookmark seen");

        time.Advance(TimeSpan.FromSeconds(60));
        await Task.Delay(50);
        Assert.That(informer.Stats.WatchdogResets, Is.Zero, "60 s of silence is within the threshold");
        time.Advance(TimeSpan.FromSeconds(31));
        var next = await _client.NextWatchAsync();

        Assert.That(informer.Stats.WatchdogResets, Is.EqualTo(1));
        Assert.That(next.FromVersion, Is.EqualTo("300"));
    }

    [Test]
    public async Task Watch_ActivityResetsWatchdog()
    {
        var time = new FakeTimeProvider();
        var (informer, _, _) = Start(new InformerOptions { WatchdogTimeout = TimeSpan.FromSeconds(90) }, time);
        var watch = await _client.NextWatchAsync();

        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(60));
            await watch.BookmarkAsync((400 + i).ToString());
            await Eventually.That(() => informer.LastResourceVersion == (400 + i).ToString(), "bookmark seen");
        }

        Assert.That(informer.Stats.WatchdogResets, Is.Zero);
        Assert.That(informer.Stats.Watches, Is.EqualTo(1));
    }

    [Test]
    public async Task Watch_EmptyStreamClosed_ReconnectsWithoutRelist()
    {
        var (informer, _, _) = Start();
        var first = await _client.NextWatchAsync();

        first.Close();
        var second = await _client.NextWatchAsync();

        Assert.That(second.FromVersion, Is.EqualTo(first.FromVersion));
        Assert.That(informer.Stats.Lists, Is.EqualTo(1));
        Assert.That(informer.Stats.Failures, Is.Zero);
    }

    [Test]
    public async Task List_Fails_RetriesWithBackoffAndThenSyncs()
    {
        var time = new FakeTimeProvider();
        _client.Seed(Objects.Pod("ns", "a"));
        _client.FailNextList = new HttpRequestException("connection refused");
        var (informer, _, _) = Start(new InformerOptions(), time);

        await Eventually.That(() => informer.Stats.Failures == 1, "first list failed");
        Assert.That(informer.HasSynced, Is.False, "readiness waits for a successful list");
        Assert.That(informer.Stats.Lists, Is.EqualTo(1), "no retry before the backoff elapsed");

        // The informer arms its backoff timer after recording the failure, so advance until the retry ran
        // rather than once (a single advance can land before the timer exists).
        await Eventually.That(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return informer.HasSynced;
        }, "list retried after the backoff and synced");

        Assert.That(informer.Cache.Count, Is.EqualTo(1));
        Assert.That(informer.Stats.Lists, Is.EqualTo(2), "one failed list, one retry");
    }

    [Test]
    public async Task AddEventHandler_AfterSync_ReplaysCachedObjectsAsAdds()
    {
        _client.Seed(Objects.Pod("ns", "a"));
        _client.Seed(Objects.Pod("ns", "b"));
        var (informer, _, _) = Start();
        await informer.WaitForSyncAsync(_stop.Token);

        var late = new RecordingHandler<V1Pod>();
        using var registration = informer.AddEventHandler(late);

        Assert.That(late.Events.Select(e => e.Name).Order(), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public async Task AddEventHandler_Disposed_StopsReceiving()
    {
        var (informer, _, _) = Start();
        var watch = await _client.NextWatchAsync();
        var h = new RecordingHandler<V1Pod>();
        var registration = informer.AddEventHandler(h);

        registration.Dispose();
        await watch.SendAsync("ADDED", Objects.Pod("ns", "x", rv: "500"));
        await Eventually.That(() => informer.Cache.Count == 1, "event applied");

        Assert.That(h.Events, Is.Empty);
    }

    [Test]
    public async Task Handler_Throws_InformerKeepsDeliveringToOthers()
    {
        var (informer, handler, _) = Start();
        var watch = await _client.NextWatchAsync();
        informer.AddEventHandler(new ThrowingHandler());

        await watch.SendAsync("ADDED", Objects.Pod("ns", "x", rv: "500"));
        await watch.SendAsync("ADDED", Objects.Pod("ns", "y", rv: "501"));

        await Eventually.That(() => handler.Events.Count == 2, "both events delivered");
        Assert.That(informer.Stats.Watches, Is.EqualTo(1));
    }

    [Test]
    public async Task CustomResource_TypedModel_ListsAndWatches()
    {
        _client.Seed(Objects.PodEni("ns", "e1", node: "n1"));
        var informer = new ResourceInformer<TestPodEni>(_client);
        informer.Cache.AddIndex("node", Terway.Kube.Cache.Indexes.ByLabel<TestPodEni>("k8s.aliyun.com/node"));
        _ = Task.Run(() => informer.RunAsync(_stop.Token));
        var watch = await _client.NextWatchAsync();
        await watch.SendAsync("ADDED", Objects.PodEni("ns", "e2", rv: "900", node: "n1"));

        await Eventually.That(() => informer.Cache.Count == 2, "custom resource event applied");
        Assert.That(informer.Cache.ByIndex("node", "n1"), Has.Count.EqualTo(2));
        Assert.That(informer.Cache.Get(new ObjectKey("ns", "e2"))!.Kind, Is.EqualTo("PodENI"));
    }

    [Test]
    public async Task WaitForCacheSync_ListKeepsFailing_ReturnsFalseAtTimeout()
    {
        _client.FailNextList = new HttpRequestException("refused");
        var informer = new ResourceInformer<V1Pod>(_client, new InformerOptions { InitialBackoff = TimeSpan.FromSeconds(30) });
        _ = Task.Run(() => informer.RunAsync(_stop.Token));

        var synced = await new IInformer[] { informer }.WaitForCacheSyncAsync(TimeSpan.FromMilliseconds(200));

        Assert.That(synced, Is.False);
        Assert.That(informer.HasSynced, Is.False);
    }

    private sealed class ThrowingHandler : IResourceEventHandler<V1Pod>
    {
        public void OnAdd(V1Pod obj, bool isInInitialList) => throw new InvalidOperationException("boom");

        public void OnUpdate(V1Pod oldObj, V1Pod newObj) => throw new InvalidOperationException("boom");

        public void OnDelete(V1Pod obj, bool finalStateUnknown) => throw new InvalidOperationException("boom");
    }
}
