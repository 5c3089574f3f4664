using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Events;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Events;

[TestFixture]
public sealed class EventRecorderTests
{
    private InMemoryKubeApiClient _client = null!;
    private FakeTimeProvider _time = null!;
    private CancellationTokenSource _stop = null!;

    [SetUp]
    public void SetUp()
    {
        _client = new InMemoryKubeApiClient();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    }

    [TearDown]
    public void TearDown()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private EventRecorder Start(EventRecorderOptions? options = null)
    {
        var recorder = new EventRecorder(_client, options ?? new EventRecorderOptions { ReportingController = "terway.alibabacloud.com/operator", ReportingInstance = "op-0" }, _time);
        _ = Task.Run(() => recorder.RunAsync(_stop.Token));
        return recorder;
    }

    [Test]
    public async Task Publish_FirstOccurrence_CreatesEventsV1Event()
    {
        var recorder = Start();
        var pod = Objects.Pod("ns", "web-0");
        var node = new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "n1", Uid = "node-uid" } };

        recorder.Publish(pod, EventTypes.Warning, "AllocIPFailed", "Allocate", "no free IP in vSwitch vsw-1", node);
        await Eventually.That(() => recorder.Idle, "event written");

        var ev = _client.Stored<Eventsv1Event>().Single();
        Assert.That(ev.Metadata.NamespaceProperty, Is.EqualTo("ns"));
        Assert.That(ev.Metadata.Name, Does.StartWith("web-0."));
        Assert.That((ev.ReportingController, ev.ReportingInstance, ev.Action, ev.Reason, ev.Note, ev.Type),
            Is.EqualTo(("terway.alibabacloud.com/operator", "op-0", "Allocate", "AllocIPFailed", "no free IP in vSwitch vsw-1", "Warning")));
        Assert.That((ev.Regarding.Kind, ev.Regarding.Name, ev.Regarding.Uid), Is.EqualTo(("Pod", "web-0", "uid-ns-web-0")));
        Assert.That(ev.Related.Name, Is.EqualTo("n1"));
        Assert.That(ev.Series, Is.Null);
        Assert.That(ev.EventTime, Is.EqualTo(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Test]
    public async Task Publish_RepeatsWithinWindow_IncrementSeriesInsteadOfNewEvents()
    {
        var recorder = Start();
        var pod = Objects.Pod("ns", "web-0");

        for (var i = 0; i < 5; i++)
        {
            recorder.Publish(pod, EventTypes.Warning, "AllocIPFailed", "Allocate", "no free IP");
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        await Eventually.That(() => recorder.Idle, "events written");
        var ev = _client.Stored<Eventsv1Event>().Single();
        Assert.That(ev.Series.Count, Is.EqualTo(5));
        Assert.That(ev.Series.LastObservedTime, Is.EqualTo(new DateTime(2026, 1, 1, 0, 0, 40, DateTimeKind.Utc)));
        Assert.That(recorder.Stats.Created, Is.EqualTo(1));
        Assert.That(recorder.Stats.Aggregated, Is.EqualTo(4));
        Assert.That(_client.Calls.Count(c => c.StartsWith("PATCH Eventsv1Event", StringComparison.Ordinal)), Is.EqualTo(4));
    }

    [Test]
    public async Task Publish_DifferentNote_IsASeparateEvent()
    {
        var recorder = Start();
        var pod = Objects.Pod("ns", "web-0");

        recorder.Publish(pod, EventTypes.Warning, "AllocIPFailed", "Allocate", "no free IP");
        recorder.Publish(pod, EventTypes.Warning, "AllocIPFailed", "Allocate", "quota exceeded");
        recorder.Publish(Objects.Pod("ns", "web-1"), EventTypes.Warning, "AllocIPFailed", "Allocate", "no free IP");

        await Eventually.That(() => recorder.Idle, "events written");
        Assert.That(_client.Stored<Eventsv1Event>(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Publish_RepeatAfterWindow_StartsANewEvent()
    {
        var recorder = Start();
        var pod = Objects.Pod("ns", "web-0");

        recorder.Publish(pod, EventTypes.Normal, "Bound", "Bind", "ENI bound");
        await Eventually.That(() => recorder.Idle, "first written");
        _time.Advance(TimeSpan.FromMinutes(7));
        recorder.Publish(pod, EventTypes.Normal, "Bound", "Bind", "ENI bound");
        await Eventually.That(() => recorder.Idle, "second written");

        Assert.That(_client.Stored<Eventsv1Event>(), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Publish_HotLoop_RateLimitedWithoutLosingTheCount()
    {
        var recorder = Start(new EventRecorderOptions
        {
            ReportingController = "c",
            BurstPerObject = 3,
            RatePerObject = 1,
            FlushInterval = TimeSpan.FromSeconds(1),
        });
        var pod = Objects.Pod("ns", "web-0");

        for (var i = 0; i < 100; i++)
        {
            recorder.Publish(pod, EventTypes.Warning, "Flapping", "Sync", "same thing again");
        }

        await Eventually.That(() => recorder.Idle, "all handled");
        var writes = _client.Calls.Count(c => c.Contains("Eventsv1Event", StringComparison.Ordinal) && !c.StartsWith("GET", StringComparison.Ordinal));
        Assert.That(writes, Is.EqualTo(3), "1 create + 2 patches within the burst of 3");

        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.That(() => _client.Stored<Eventsv1Event>().Single().Series?.Count == 100, "held-back count flushed with the next token");
    }

    [Test]
    public void Publish_QueueFull_DropsAndCounts()
    {
        var recorder = new EventRecorder(_client, new EventRecorderOptions { ReportingController = "c", QueueCapacity = 2 }, _time);

        for (var i = 0; i < 5; i++)
        {
            recorder.Publish(Objects.Pod("ns", $"p{i}"), EventTypes.Normal, "R", "A", "n");
        }

        Assert.That(recorder.Stats.Dropped, Is.EqualTo(3));
    }

    [Test]
    public async Task Publish_ManyObjectsOverTime_StateIsEvicted()
    {
        var recorder = Start(new EventRecorderOptions { ReportingController = "c", QueueCapacity = 10_000 });
        for (var i = 0; i < 4200; i++)
        {
            recorder.Publish(Objects.Pod("ns", $"p{i}"), EventTypes.Normal, "Started", "Start", "started");
        }

        await Eventually.That(() => recorder.Idle, "first wave written", TimeSpan.FromSeconds(30));
        Assert.That(recorder.TrackedObjects, Is.EqualTo(4200));

        _time.Advance(TimeSpan.FromHours(3));
        recorder.Publish(Objects.Pod("ns", "late"), EventTypes.Normal, "Started", "Start", "started");
        await Eventually.That(() => recorder.Idle, "late event written");

        Assert.That(recorder.TrackedObjects, Is.LessThanOrEqualTo(1));
    }

    [Test]
    public async Task Publish_ClusterScopedObject_EventGoesToDefaultNamespace()
    {
        var recorder = Start();

        recorder.Publish(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "n1", Uid = "u" } }, EventTypes.Normal, "TrunkReady", "Attach", "trunk ENI attached");
        await Eventually.That(() => recorder.Idle, "written");

        Assert.That(_client.Stored<Eventsv1Event>().Single().Metadata.NamespaceProperty, Is.EqualTo("default"));
    }
}
