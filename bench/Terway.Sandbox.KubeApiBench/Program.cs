using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terway.Sandbox.KubeApi;

// Kube API emulator benchmark: 50,000 objects, 200 concurrent watches.
// Prints LIST latency (full and paged), watch fan-out latency (write -> event on all watchers),
// and memory. Bounds judged against are printed with each figure.
var objects = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50_000;
var watchers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var writes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;

await using var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { EventHistorySize = 100_000, WatchQueueCapacity = 100_000 });
using var http = Client(emulator, http2: false);

Console.WriteLine($"kube-api emulator benchmark: {objects} configmaps in 10 namespaces, {watchers} watches, {writes} fan-out writes");
for (var n = 0; n < 10; n++)
{
    await Send(http, HttpMethod.Post, "/api/v1/namespaces", $$$"""{"metadata":{"name":"bench-{{{n}}}"}}""");
}

var seed = Stopwatch.StartNew();
var payload = new string('v', 200);
await Parallel.ForEachAsync(Enumerable.Range(0, objects), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
{
    await Send(http, HttpMethod.Post, $"/api/v1/namespaces/bench-{i % 10}/configmaps",
        $$$"""{"metadata":{"name":"cm-{{{i:D6}}}","labels":{"app":"bench","shard":"s{{{i % 7}}}"}},"data":{"payload":"{{{payload}}}"}}""");
});
seed.Stop();
Console.WriteLine($"seed: {objects} creates in {seed.Elapsed.TotalSeconds:F1} s ({objects / seed.Elapsed.TotalSeconds:F0} creates/s)");

// LIST latency: full list of all namespaces, and paged (limit=500).
var full = new List<double>();
for (var i = 0; i < 5; i++)
{
    var sw = Stopwatch.StartNew();
    var len = await GetLength(http, "/api/v1/configmaps");
    sw.Stop();
    full.Add(sw.Elapsed.TotalMilliseconds);
    if (i == 0)
    {
        Console.WriteLine($"full list body: {len / 1024.0 / 1024.0:F1} MiB");
    }
}

var paged = new List<double>();
var pages = 0;
for (var i = 0; i < 3; i++)
{
    var sw = Stopwatch.StartNew();
    string? cont = null;
    pages = 0;
    do
    {
        var body = await GetString(http, "/api/v1/configmaps?limit=500" + (cont == null ? "" : "&continue=" + Uri.EscapeDataString(cont)));
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        cont = doc.RootElement.GetProperty("metadata").TryGetProperty("continue", out var c) ? c.GetString() : null;
        pages++;
    }
    while (cont != null);
    sw.Stop();
    paged.Add(sw.Elapsed.TotalMilliseconds);
}

var selector = new List<double>();
for (var i = 0; i < 5; i++)
{
    var sw = Stopwatch.StartNew();
    await GetLength(http, "/api/v1/configmaps?labelSelector=shard%3Ds3");
    sw.Stop();
    selector.Add(sw.Elapsed.TotalMilliseconds);
}

Console.WriteLine($"LIST all ({objects} items): median {Median(full):F0} ms, max {full.Max():F0} ms  (bound 2000 ms; ratio {Median(full) / 2000:F2})");
Console.WriteLine($"LIST paged limit=500 ({pages} pages): median {Median(paged):F0} ms total, {Median(paged) / pages:F1} ms/page  (bound 50 ms/page; ratio {Median(paged) / pages / 50:F2})");
Console.WriteLine($"LIST labelSelector (1/7 of items): median {Median(selector):F0} ms");

// Watch fan-out: 200 watches on configmaps in bench-0 over HTTP/2 (KubernetesClient's default);
// each write's latency is the time until the last watcher has its event.
using var watchHttp = Client(emulator, http2: true);
var rv = emulator.CurrentResourceVersion;
var received = new long[watchers];
var arrivals = new System.Collections.Concurrent.ConcurrentDictionary<string, (int Count, long LastTicks)>();
using var stop = new CancellationTokenSource();
var tasks = new List<Task>();
var ready = 0;
for (var w = 0; w < watchers; w++)
{
    var idx = w;
    tasks.Add(Task.Run(async () =>
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/bench-0/configmaps?watch=true&resourceVersion={rv}&allowWatchBookmarks=true")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var resp = await watchHttp.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, stop.Token);
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync(stop.Token));
        Interlocked.Increment(ref ready);
        try
        {
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                var at = Stopwatch.GetTimestamp();
                var nameAt = line.IndexOf("\"name\":\"fan-", StringComparison.Ordinal);
                if (nameAt < 0)
                {
                    continue;
                }

                var name = line.Substring(nameAt + 8, 9);
                arrivals.AddOrUpdate(name, (1, at), (_, v) => (v.Count + 1, Math.Max(v.LastTicks, at)));
                Interlocked.Increment(ref received[idx]);
            }
        }
        catch (OperationCanceledException)
        {
            // Benchmark over.
        }
    }));
}

while (Volatile.Read(ref ready) < watchers)
{
    await Task.Delay(10);
}

await Task.Delay(500);
var latencies = new List<double>();
for (var i = 0; i < writes; i++)
{
    var name = $"fan-{i:D5}";
    var start = Stopwatch.GetTimestamp();
    await Send(http, HttpMethod.Post, "/api/v1/namespaces/bench-0/configmaps", $$$"""{"metadata":{"name":"{{{name}}}"}}""");
    var deadline = DateTime.UtcNow.AddSeconds(10);
    while (!(arrivals.TryGetValue(name, out var a) && a.Count >= watchers) && DateTime.UtcNow < deadline)
    {
        await Task.Delay(1);
    }

    if (arrivals.TryGetValue(name, out var got) && got.Count >= watchers)
    {
        latencies.Add(Stopwatch.GetElapsedTime(start, got.LastTicks).TotalMilliseconds);
    }
}

await stop.CancelAsync();
await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
latencies.Sort();
Console.WriteLine($"watch fan-out to {watchers} watchers over {latencies.Count}/{writes} writes: p50 {Pct(latencies, 0.50):F1} ms, p99 {Pct(latencies, 0.99):F1} ms, max {latencies.LastOrDefault():F1} ms  (bound p99 100 ms; ratio {Pct(latencies, 0.99) / 100:F2})");

GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();
var proc = Process.GetCurrentProcess();
proc.Refresh();
Console.WriteLine($"memory: working set {proc.WorkingSet64 / 1024.0 / 1024.0:F0} MiB, GC heap {GC.GetTotalMemory(false) / 1024.0 / 1024.0:F0} MiB for {objects + writes} objects  (bound 1024 MiB working set; ratio {proc.WorkingSet64 / 1024.0 / 1024.0 / 1024:F2})");

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

static double Pct(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static HttpClient Client(KubeApiEmulator e, bool http2)
{
    var ca = X509CertificateLoader.LoadCertificate(e.CaCertificate.RawData);
    var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, MaxConnectionsPerServer = 64 };
    handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return cert != null && chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
    };
    var client = new HttpClient(handler) { BaseAddress = e.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", e.AdminToken);
    if (http2)
    {
        client.DefaultRequestVersion = HttpVersion.Version20;
    }

    return client;
}

static async Task Send(HttpClient http, HttpMethod method, string path, string body)
{
    using var req = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    using var resp = await http.SendAsync(req);
    if (!resp.IsSuccessStatusCode && resp.StatusCode != HttpStatusCode.Conflict)
    {
        throw new InvalidOperationException($"{method} {path}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync()}");
    }
}

static async Task<long> GetLength(HttpClient http, string path)
{
    using var resp = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
    await using var s = await resp.Content.ReadAsStreamAsync();
    var buffer = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = await s.ReadAsync(buffer)) > 0)
    {
        total += n;
    }

    return total;
}

static async Task<string> GetString(HttpClient http, string path) => await http.GetStringAsync(path);
