using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Sandbox.KubeApi;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class SelectorTests : EmulatorFixture
{
    private string _ns = "";

    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        _ns = await NewNamespaceAsync("sel");
        foreach (var (name, labels) in new[] { ("a", """{"app":"web","tier":"fe"}"""), ("b", """{"app":"db"}"""), ("c", "{}") })
        {
            var r = await PostAsync($"/api/v1/namespaces/{_ns}/pods", SemanticsTests.Pod(name, name == "a" ? ",\"nodeName\":\"n1\"" : "", labels));
            Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        }
    }

    private async Task<string[]> Names(string query)
    {
        var r = await GetAsync($"/api/v1/namespaces/{_ns}/pods?{query}");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
        return r.Json["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray();
    }

    [TestCase("labelSelector=app%3Dweb", new[] { "a" })]
    [TestCase("labelSelector=app%3D%3Dweb", new[] { "a" })]
    [TestCase("labelSelector=app!%3Dweb", new[] { "b", "c" })]
    [TestCase("labelSelector=app+in+(web,db)", new[] { "a", "b" })]
    [TestCase("labelSelector=app+notin+(web)", new[] { "b", "c" })]
    [TestCase("labelSelector=tier", new[] { "a" })]
    [TestCase("labelSelector=!tier", new[] { "b", "c" })]
    [TestCase("labelSelector=app,!tier", new[] { "b" })]
    [TestCase("fieldSelector=spec.nodeName%3Dn1", new[] { "a" })]
    [TestCase("fieldSelector=spec.nodeName%3D", new[] { "b", "c" })]
    [TestCase("fieldSelector=status.phase%3DPending,metadata.name!%3Db", new[] { "a", "c" })]
    [TestCase("fieldSelector=spec.schedulerName%3Ddefault-scheduler&labelSelector=app%3Ddb", new[] { "b" })]
    public async Task List_WithSelector_ReturnsMatches(string query, string[] expected) =>
        Assert.That(await Names(query), Is.EqualTo(expected));

    [Test]
    public async Task List_BadLabelSelector_BadRequest()
    {
        var r = await GetAsync($"/api/v1/namespaces/{_ns}/pods?labelSelector=app+in+web");
        AssertStatus(r, 400, "BadRequest");
    }

    [Test]
    public async Task List_UnsupportedFieldSelector_BadRequestWithRealMessage()
    {
        var r = await GetAsync($"/api/v1/namespaces/{_ns}/pods?fieldSelector=spec.foo%3Dx");
        AssertStatus(r, 400, "BadRequest", "field label not supported: spec.foo");
        var cm = await GetAsync($"/api/v1/namespaces/{_ns}/configmaps?fieldSelector=data.x%3D1");
        AssertStatus(cm, 400, "BadRequest", "field label not supported: data.x");
    }

    [Test]
    public async Task List_EventsByInvolvedObject_Filters()
    {
        await PostAsync($"/api/v1/namespaces/{_ns}/events", $$$"""{"metadata":{"name":"ev1"},"involvedObject":{"kind":"Pod","name":"a","namespace":"{{{_ns}}}"},"reason":"R","message":"m","type":"Normal"}""");
        await PostAsync($"/api/v1/namespaces/{_ns}/events", $$$"""{"metadata":{"name":"ev2"},"involvedObject":{"kind":"Pod","name":"b","namespace":"{{{_ns}}}"},"reason":"R","message":"m","type":"Normal"}""");
        var r = await GetAsync($"/api/v1/namespaces/{_ns}/events?fieldSelector=involvedObject.name%3Da,involvedObject.kind%3DPod");
        Assert.That(r.Json["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]), Is.EqualTo(new[] { "ev1" }));
    }
}

[TestFixture]
public sealed class ListWatchTests : EmulatorFixture
{
    protected override KubeApiEmulatorOptions Options => new() { BookmarkInterval = TimeSpan.FromMilliseconds(300), EventHistorySize = 200 };

    private async Task<string> SeedAsync(int count)
    {
        var ns = await NewNamespaceAsync("lw");
        for (var i = 0; i < count; i++)
        {
            await PostAsync($"/api/v1/namespaces/{ns}/configmaps", $$$"""{"metadata":{"name":"cm-{{{i:D3}}}"}}""");
        }

        return ns;
    }

    [Test]
    public async Task List_LimitAndContinue_PagesConsistently()
    {
        var ns = await SeedAsync(5);
        var p1 = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=2")).Json;
        var token = (string)p1["metadata"]!["continue"]!;
        Assert.That((long?)p1["metadata"]!["remainingItemCount"], Is.EqualTo(3));
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"cm-zzz"}}""");
        var p2 = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=2&continue={Uri.EscapeDataString(token)}")).Json;
        var p3 = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=2&continue={Uri.EscapeDataString((string)p2["metadata"]!["continue"]!)}")).Json;
        var names = p1["items"]!.AsArray().Concat(p2["items"]!.AsArray()).Concat(p3["items"]!.AsArray()).Select(i => (string?)i!["metadata"]!["name"]).ToList();
        Assert.That(names, Is.EqualTo(new[] { "cm-000", "cm-001", "cm-002", "cm-003", "cm-004" }), "the snapshot excludes the object created after the first page");
        Assert.That(p3["metadata"]!["continue"], Is.Null);
        Assert.That((string?)p3["metadata"]!["resourceVersion"], Is.EqualTo((string?)p1["metadata"]!["resourceVersion"]));
    }

    [Test]
    public async Task List_ContinueAfterCompaction_Expired410WithFreshToken()
    {
        var ns = await SeedAsync(3);
        var p1 = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=1")).Json;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"later"}}""");
        Emulator.CompactHistory();
        var r = await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=1&continue={Uri.EscapeDataString((string)p1["metadata"]!["continue"]!)}");
        AssertStatus(r, 410, "Expired");
        Assert.That(r.Str("message"), Does.StartWith("The provided continue parameter is too old to display a consistent list result."));
        Assert.That((string?)r.Json["metadata"]!["continue"], Is.Not.Empty);
    }

    [Test]
    public async Task List_ResourceVersionExact_ReturnsPastState()
    {
        var ns = await SeedAsync(1);
        var before = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps")).Json;
        var rv = (string)before["metadata"]!["resourceVersion"]!;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"new"}}""");
        var exact = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?resourceVersion={rv}&resourceVersionMatch=Exact")).Json;
        Assert.That(exact["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That((string?)exact["metadata"]!["resourceVersion"], Is.EqualTo(rv));
        var bad = await GetAsync($"/api/v1/namespaces/{ns}/configmaps?resourceVersionMatch=Exact");
        AssertStatus(bad, 422, "Invalid");
        Assert.That(bad.Str("message"), Does.Contain("resourceVersionMatch is forbidden unless resourceVersion is provided"));
    }

    [Test]
    public async Task List_ResourceVersionInFuture_TimeoutTooLarge()
    {
        var r = await GetAsync($"/api/v1/configmaps?resourceVersion={Emulator.CurrentResourceVersion + 1000}&resourceVersionMatch=Exact");
        AssertStatus(r, 504, "Timeout");
        Assert.That(r.Str("message"), Does.StartWith("Too large resource version"));
    }

    [Test]
    public async Task List_ResourceVersionZero_IgnoresLimit()
    {
        var ns = await SeedAsync(3);
        var r = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps?limit=1&resourceVersion=0")).Json;
        Assert.That(r["items"]!.AsArray(), Has.Count.EqualTo(3));
    }

    private static async Task<List<JsonObject>> ReadEventsAsync(Stream s, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var reader = new StreamReader(s);
        var list = new List<JsonObject>();
        try
        {
            while (list.Count < count)
            {
                var line = await reader.ReadLineAsync(cts.Token);
                if (line == null)
                {
                    break;
                }

                list.Add((JsonObject)JsonNode.Parse(line)!);
            }
        }
        catch (OperationCanceledException)
        {
            // Deadline: return what arrived.
        }
        catch (IOException)
        {
            // The server cut the connection: return what arrived.
        }

        return list;
    }

    private async Task<(HttpResponseMessage Resp, Stream Body)> OpenWatchAsync(string path, bool http2 = false)
    {
        var http = CreateHttpClient(Emulator.AdminToken, http2);
        http.Timeout = Timeout.InfiniteTimeSpan;
        var req = new HttpRequestMessage(HttpMethod.Get, path);
        if (http2)
        {
            req.Version = HttpVersion.Version20;
            req.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        return (resp, await resp.Content.ReadAsStreamAsync());
    }

    [Test]
    public async Task Watch_Unset_SendsSyntheticAddedThenLiveEvents()
    {
        var ns = await SeedAsync(2);
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true");
        Assert.That(resp.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"live"}}""");
        await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/live");
        var events = await ReadEventsAsync(body, 4, TimeSpan.FromSeconds(5));
        Assert.That(events.Select(e => (string?)e["type"]), Is.EqualTo(new[] { "ADDED", "ADDED", "ADDED", "DELETED" }));
        Assert.That((string?)events[2]["object"]!["metadata"]!["name"], Is.EqualTo("live"));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_FromResourceVersion_ReplaysOnlyLaterEvents_OverHttp2()
    {
        var ns = await SeedAsync(1);
        var rv = (string)(await GetAsync($"/api/v1/namespaces/{ns}/configmaps")).Json["metadata"]!["resourceVersion"]!;
        await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/cm-000", """{"data":{"a":"b"}}""", "application/merge-patch+json");
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}", http2: true);
        Assert.That(resp.Version, Is.EqualTo(HttpVersion.Version20));
        var events = await ReadEventsAsync(body, 1, TimeSpan.FromSeconds(5));
        Assert.That((string?)events[0]["type"], Is.EqualTo("MODIFIED"));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_TooOldResourceVersion_ErrorEvent410Expired()
    {
        var ns = await SeedAsync(1);
        var rv = Emulator.CurrentResourceVersion;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"x"}}""");
        Emulator.CompactHistory();
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv - 1}");
        Assert.That(resp.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var events = await ReadEventsAsync(body, 2, TimeSpan.FromSeconds(5));
        Assert.That(events, Has.Count.EqualTo(1), "the stream ends after the error");
        Assert.That((string?)events[0]["type"], Is.EqualTo("ERROR"));
        Assert.That((int?)events[0]["object"]!["code"], Is.EqualTo(410));
        Assert.That((string?)events[0]["object"]!["reason"], Is.EqualTo("Expired"));
        Assert.That((string?)events[0]["object"]!["message"], Does.StartWith("too old resource version:"));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_Bookmarks_CarryOnlyResourceVersion()
    {
        var ns = await SeedAsync(0);
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={Emulator.CurrentResourceVersion}&allowWatchBookmarks=true&timeoutSeconds=2");
        var events = await ReadEventsAsync(body, 100, TimeSpan.FromSeconds(5));
        Assert.That(events, Is.Not.Empty);
        Assert.That(events.All(e => (string?)e["type"] == "BOOKMARK"), Is.True);
        var obj = events[0]["object"]!.AsObject();
        Assert.That(obj.Select(p => p.Key), Is.EquivalentTo(new[] { "kind", "apiVersion", "metadata" }));
        Assert.That(obj["metadata"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "resourceVersion" }));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_SendInitialEvents_EndsInitialListWithAnnotatedBookmark()
    {
        var ns = await SeedAsync(2);
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        var events = await ReadEventsAsync(body, 3, TimeSpan.FromSeconds(5));
        Assert.That(events.Select(e => (string?)e["type"]), Is.EqualTo(new[] { "ADDED", "ADDED", "BOOKMARK" }));
        Assert.That((string?)events[2]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"], Is.EqualTo("true"));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_LabelSelectorTransitions_AddedAndDeleted()
    {
        var ns = await SeedAsync(1);
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&labelSelector=x%3Dy&resourceVersion={Emulator.CurrentResourceVersion}");
        await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/cm-000", """{"metadata":{"labels":{"x":"y"}}}""", "application/merge-patch+json");
        await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/cm-000", """{"metadata":{"labels":{"x":"z"}}}""", "application/merge-patch+json");
        var events = await ReadEventsAsync(body, 2, TimeSpan.FromSeconds(5));
        Assert.That(events.Select(e => (string?)e["type"]), Is.EqualTo(new[] { "ADDED", "DELETED" }));
        resp.Dispose();
    }

    [Test]
    public async Task Watch_TimeoutSeconds_EndsStream()
    {
        var ns = await SeedAsync(0);
        var started = DateTime.UtcNow;
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&timeoutSeconds=1");
        var events = await ReadEventsAsync(body, 10, TimeSpan.FromSeconds(10));
        Assert.That(events, Is.Empty);
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)));
        resp.Dispose();
    }

    [Test]
    public async Task KubernetesClient_WatchAfterCompaction_OnErrorGets410Expired()
    {
        var ns = await SeedAsync(1);
        var rv = Emulator.CurrentResourceVersion;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"x"}}""");
        Emulator.CompactHistory();
        Exception? error = null;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var _ in Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: (rv - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), onError: e => error = e, cancellationToken: cts.Token))
        {
            Assert.Fail("no event expected");
        }

        Assert.That(error, Is.TypeOf<KubernetesException>());
        Assert.That(((KubernetesException)error!).Status.Code, Is.EqualTo(410));
        Assert.That(((KubernetesException)error!).Status.Reason, Is.EqualTo("Expired"));
    }

    [Test]
    public async Task KubernetesClient_Watch_ReceivesEventsAndBookmarks()
    {
        var ns = await SeedAsync(0);
        var rv = Emulator.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var seen = new List<(WatchEventType, string?)>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var task = Task.Run(async () =>
        {
            await foreach (var (type, cm) in Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 3, cancellationToken: cts.Token))
            {
                lock (seen)
                {
                    seen.Add((type, cm.Metadata?.Name));
                }
            }
        });
        await Task.Delay(200);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w" } }, ns);
        await task;
        lock (seen)
        {
            Assert.That(seen, Does.Contain((WatchEventType.Added, (string?)"w")));
            Assert.That(seen.Any(s => s.Item1 == WatchEventType.Bookmark), Is.True);
        }
    }

    [Test]
    public async Task DropWatches_CutsOpenStreams()
    {
        var ns = await SeedAsync(0);
        var (resp, body) = await OpenWatchAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={Emulator.CurrentResourceVersion}");
        await Task.Delay(100);
        Assert.That(Emulator.DropWatches(), Is.GreaterThanOrEqualTo(1));
        var events = await ReadEventsAsync(body, 1, TimeSpan.FromSeconds(5));
        Assert.That(events, Is.Empty);
        resp.Dispose();
    }

    [Test]
    public async Task InjectFault_NextWritesFailWithRetryAfter()
    {
        var ns = await SeedAsync(0);
        Emulator.InjectFault(new KubeApiFault { Verb = "create", Resource = "configmaps", StatusCode = 429, Count = 2, RetryAfterSeconds = 3 });
        var r1 = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"f"}}""");
        AssertStatus(r1, 429, "TooManyRequests");
        Assert.That(r1.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(3)));
        AssertStatus(await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"f"}}"""), 429, "TooManyRequests");
        Assert.That((await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"f"}}""")).Status, Is.EqualTo(HttpStatusCode.Created));
        Emulator.InjectFault(new KubeApiFault { Verb = "update", Resource = "configmaps", StatusCode = 409 });
        AssertStatus(await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"name":"f"}}"""), 409, "Conflict");
        Emulator.InjectFault(new KubeApiFault { Verb = "*", Resource = "configmaps", StatusCode = 500 });
        AssertStatus(await GetAsync($"/api/v1/namespaces/{ns}/configmaps/f"), 500, "InternalError");
    }

    [Test]
    public async Task Restart_SamePort_KeepsState()
    {
        var ns = await SeedAsync(1);
        var port = Emulator.BaseAddress.Port;
        await Emulator.RestartAsync(samePort: true);
        Assert.That(Emulator.BaseAddress.Port, Is.EqualTo(port));
        var r = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/cm-000");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
    }
}
