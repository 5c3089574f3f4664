using System.Diagnostics;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Kube.Informers;
using Terway.Kube.Patching;
using Terway.Kube.Tests.Support;
using Terway.Sandbox.KubeApi;

namespace Terway.Kube.Tests.Integration;

[TestFixture]
[Category("Integration")]
public sealed class InformerIntegrationTests
{
    private static readonly ListOptions InNs = new() { Namespace = "ns" };

    // Scheduled pods are deleted gracefully (they stay, terminating, until the kubelet confirms); no kubelet here.
    private static V1DeleteOptions Now => new() { GracePeriodSeconds = 0 };

    private static async Task<Dictionary<ObjectKey, string>> ServerStateAsync(KubeApiClient client)
    {
        var result = new Dictionary<ObjectKey, string>();
        string? cont = null;
        do
        {
            var page = await client.ListPageAsync<V1Pod>(InNs, 500, cont);
            foreach (var p in page.Items)
            {
                result[ObjectKey.From(p)] = p.Metadata.ResourceVersion;
            }

            cont = page.Continue;
        }
        while (cont is not null);
        return result;
    }

    private static Dictionary<ObjectKey, string> CacheState(ResourceInformer<V1Pod> informer) =>
        informer.Cache.List().ToDictionary(ObjectKey.From, p => p.Metadata.ResourceVersion);

    private static async Task ConvergeAsync(KubeApiClient client, ResourceInformer<V1Pod> informer, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var server = await ServerStateAsync(client);
            var cache = CacheState(informer);
            if (server.Count == cache.Count && server.All(p => cache.TryGetValue(p.Key, out var v) && v == p.Value))
            {
                return;
            }

            if (sw.Elapsed > (timeout ?? TimeSpan.FromSeconds(20)))
            {
                Assert.Fail($"cache did not converge: server {server.Count} objects, cache {cache.Count}; stats lists={informer.Stats.Lists} watches={informer.Stats.Watches} expired={informer.Stats.Expired} failures={informer.Stats.Failures}");
            }

            await Task.Delay(50);
        }
    }

    private static Task<V1Pod> LabelAsync(KubeApiClient client, string name, string value) =>
        client.PatchAsync<V1Pod>(new ObjectKey("ns", name), new Patch(PatchKind.Merge, $"{{\"metadata\":{{\"labels\":{{\"v\":\"{value}\"}}}}}}"));

    [Test]
    public async Task Watch_DroppedMidStream_ResumesFromLastVersionWithoutRelistAndLosesNothing()
    {
        await using var h = await EmulatorHarness.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{i}"));
        }

        var informer = new ResourceInformer<V1Pod>(h.NewClient(), new InformerOptions { Selection = InNs, ReconnectRate = 50, ReconnectBurst = 50 });
        var recorder = new KeyedRecorder<V1Pod>();
        informer.AddEventHandler(recorder);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var deleted = new HashSet<ObjectKey>();
        var next = 20;
        for (var round = 0; round < 3; round++)
        {
            var abort = round % 2 == 0;
            await Eventually.That(() => h.Emulator.DropWatches(abort) >= 1, "the informer's watch was open and got cut");
            for (var i = 0; i < 5; i++)
            {
                await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{next++}"));
                await LabelAsync(h.Client, $"p{(round * 5) + i}", $"r{round}");
            }

            for (var i = 0; i < 2; i++)
            {
                var name = $"p{15 + (round * 2) + i}";
                await h.Client.DeleteAsync<V1Pod>(new ObjectKey("ns", name), Now);
                deleted.Add(new ObjectKey("ns", name));
            }

            await ConvergeAsync(h.Client, informer);
        }

        var server = await ServerStateAsync(h.Client);
        var problems = recorder.Verify(server, deleted);
        await stop.CancelAsync();
        await run;

        Assert.That(problems, Is.Empty);
        Assert.That(informer.Stats.Lists, Is.EqualTo(1), "dropped watches resume; they do not relist");
        Assert.That(informer.Stats.Expired, Is.Zero);
        Assert.That(informer.Stats.Watches, Is.GreaterThanOrEqualTo(4));
    }

    [Test]
    public async Task Server_Restarted_InformerReconnectsAndCatchesUp()
    {
        await using var h = await EmulatorHarness.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{i}"));
        }

        var informer = new ResourceInformer<V1Pod>(h.NewClient(), new InformerOptions
        {
            Selection = InNs,
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromSeconds(1),
        });
        var recorder = new KeyedRecorder<V1Pod>();
        informer.AddEventHandler(recorder);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await h.Emulator.StopAsync();
        await Eventually.That(() => informer.Stats.Failures >= 1, "the informer noticed the server is gone");
        await h.Emulator.RestartAsync(samePort: true);
        for (var i = 10; i < 15; i++)
        {
            await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{i}"));
        }

        await h.Client.DeleteAsync<V1Pod>(new ObjectKey("ns", "p0"), Now);
        await LabelAsync(h.Client, "p1", "after-restart");
        await ConvergeAsync(h.Client, informer);

        var problems = recorder.Verify(await ServerStateAsync(h.Client), new HashSet<ObjectKey> { new("ns", "p0") });
        await stop.CancelAsync();
        await run;
        TestContext.Out.WriteLine($"restart: lists={informer.Stats.Lists} watches={informer.Stats.Watches} failures={informer.Stats.Failures} expired={informer.Stats.Expired}");
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public async Task Watch_HistoryCompactedDuringBurst_RelistsAndCacheEndsIdenticalWithNoEventLost()
    {
        await using var h = await EmulatorHarness.StartAsync(new KubeApiEmulatorOptions { EventHistorySize = 200 });
        for (var i = 0; i < 100; i++)
        {
            await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{i}"));
        }

        var informer = new ResourceInformer<V1Pod>(h.NewClient(), new InformerOptions
        {
            Selection = InNs,
            InitialBackoff = TimeSpan.FromMilliseconds(300),
            MaxBackoff = TimeSpan.FromSeconds(1),
        });
        var recorder = new KeyedRecorder<V1Pod>();
        informer.AddEventHandler(recorder);
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // A burst of 400 writes; a third of the way in the watch is cut and reconnects fail for a while;
        // two thirds in the server forgets its history, so the informer's version is gone (410).
        var deleted = new HashSet<ObjectKey>();
        var seenBeforeOutage = new HashSet<ObjectKey>();
        var next = 100;
        var rng = new Random(42);
        for (var w = 0; w < 400; w++)
        {
            if (w == 130)
            {
                seenBeforeOutage.UnionWith(informer.Cache.Keys());
                h.Emulator.InjectFault(new KubeApiFault { Verb = "watch", Resource = "pods", StatusCode = 500, Count = 3 });
                h.Emulator.DropWatches();
            }

            if (w == 260)
            {
                h.Emulator.CompactHistory();
            }

            switch (w % 4)
            {
                case 0:
                case 1:
                    await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", $"p{next++}"));
                    break;
                case 2:
                    try
                    {
                        await LabelAsync(h.Client, $"p{rng.Next(next)}", $"w{w}");
                    }
                    catch (KubeApiException ex) when (ex.IsNotFound)
                    {
                        // That pod was deleted earlier in the burst.
                    }

                    break;
                default:
                    var victim = new ObjectKey("ns", $"p{w / 4}");
                    if (deleted.Add(victim))
                    {
                        await h.Client.DeleteAsync<V1Pod>(victim, Now);
                    }

                    break;
            }
        }

        await ConvergeAsync(h.Client, informer, TimeSpan.FromSeconds(30));
        var server = await ServerStateAsync(h.Client);
        var deletedAfterSeen = deleted.Where(k => recorder.Events.ContainsKey(k)).ToHashSet();
        var problems = recorder.Verify(server, deletedAfterSeen);
        await stop.CancelAsync();
        await run;

        var synthesized = recorder.Events.Values.Sum(q => q.Count(e => e.Kind == "delete" && e.FinalStateUnknown));
        TestContext.Out.WriteLine($"burst: lists={informer.Stats.Lists} expired={informer.Stats.Expired} failures={informer.Stats.Failures} synthesized deletes={synthesized} objects={server.Count}");
        Assert.That(problems, Is.Empty);
        Assert.That(informer.Stats.Expired, Is.GreaterThanOrEqualTo(1), "the 410 was surfaced, not swallowed");
        Assert.That(synthesized, Is.GreaterThanOrEqualTo(1), "deletes missed while disconnected are synthesized");
    }

    [Test]
    public async Task Watch_QuietResource_ReturnsOnHeadersWithoutWaitingForAnEvent()
    {
        await using var h = await EmulatorHarness.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromMinutes(5) });
        var page = await h.Client.ListPageAsync<V1Pod>(InNs, 10, null);

        var sw = Stopwatch.StartNew();
        using var stream = await h.Client.WatchAsync<V1Pod>(InNs, page.ResourceVersion, 60).WaitAsync(TimeSpan.FromSeconds(10));
        var opened = sw.Elapsed;
        var first = Task.Run(async () =>
        {
            await foreach (var ev in stream.ReadAllAsync())
            {
                return ev;
            }

            return default;
        });
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "late"));
        var ev = await first.WaitAsync(TimeSpan.FromSeconds(10));

        TestContext.Out.WriteLine($"watch opened in {opened.TotalMilliseconds:F1} ms on a quiet resource");
        Assert.That(opened, Is.LessThan(TimeSpan.FromSeconds(2)), "the generated watch calls would block here until the first event line");
        Assert.That((ev.Type, ev.Object?.Metadata.Name), Is.EqualTo((k8s.WatchEventType.Added, "late")));
    }

    [Test]
    public async Task Watch_ServerSendsBookmarks_ResumeVersionAdvancesWithoutEvents()
    {
        await using var h = await EmulatorHarness.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var informer = new ResourceInformer<V1Pod>(h.NewClient(), new InformerOptions { Selection = InNs, WatchdogTimeout = TimeSpan.FromSeconds(1) });
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var listed = informer.LastResourceVersion;

        // A write outside the watched namespace moves the cluster's version without an event for this watch.
        await h.EnsureNamespaceAsync("other");
        await Eventually.That(() => informer.LastResourceVersion != listed, "a bookmark moved the resume version");
        await Task.Delay(1500);
        await stop.CancelAsync();
        await run;

        Assert.That(informer.Stats.WatchdogResets, Is.Zero, "bookmarks keep a quiet watch alive");
        Assert.That(informer.Stats.Lists, Is.EqualTo(1));
    }

    [Test]
    public async Task FieldSelector_NodeName_CachesOnlyThatNodesPods()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "a", "node-1"));
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "b", "node-2"));
        var informer = new ResourceInformer<V1Pod>(h.NewClient(), new InformerOptions { Selection = new ListOptions { FieldSelector = "spec.nodeName=node-2" } });
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "c", "node-2"));
        await h.Client.CreateAsync(EmulatorHarness.NewPod("ns", "d", "node-1"));
        await Eventually.That(() => informer.Cache.Count == 2, "node-2 pods cached");
        await Task.Delay(100);
        await stop.CancelAsync();
        await run;

        Assert.That(informer.Cache.Keys().Select(k => k.Name).Order(), Is.EqualTo(new[] { "b", "c" }));
    }

    [Test]
    public async Task CustomResource_InformerAndStatusSubresource_RoundTripTypedModel()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var created = await h.Client.CreateAsync(new TestPodEni { Metadata = new V1ObjectMeta { Name = "e1", NamespaceProperty = "ns" }, Spec = new TestPodEniSpec { EniId = "eni-1" } });
        var informer = new ResourceInformer<TestPodEni>(h.NewClient());
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        created.Status = new TestPodEniStatus { Phase = "Bind" };
        await h.Client.UpdateStatusAsync(created);
        await Eventually.That(() => informer.Cache.Get(new ObjectKey("ns", "e1"))?.Status?.Phase == "Bind", "status update seen by the watch");
        await stop.CancelAsync();
        await run;

        Assert.That(informer.Cache.Get(new ObjectKey("ns", "e1"))!.Spec.EniId, Is.EqualTo("eni-1"));
    }
}
