using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Terway.Sandbox.Hosting;

/// <summary>A manifest the API server refused.</summary>
public sealed class ManifestException(string message) : Exception(message);

/// <summary>
/// Creates or replaces objects of any kind from manifests, as <c>kubectl apply</c> does for new
/// objects: the resource path comes from the server's discovery documents (so custom resources
/// work once their CRD is served), an existing object is replaced keeping its resourceVersion.
/// </summary>
public sealed class ManifestApplier
{
    private readonly Kubernetes _client;
    private readonly ConcurrentDictionary<string, JsonArray> _discovery = new(StringComparer.Ordinal);

    /// <summary>Applies with <paramref name="client"/>'s credentials.</summary>
    public ManifestApplier(Kubernetes client) => _client = client;

    /// <summary>Applies every document in order; namespaced objects without a namespace go to <paramref name="defaultNamespace"/>.</summary>
    public async Task ApplyAllAsync(IEnumerable<JsonObject> documents, string defaultNamespace = "default", CancellationToken ct = default)
    {
        foreach (var doc in documents)
        {
            await ApplyAsync(doc, defaultNamespace, ct);
        }
    }

    /// <summary>Creates the object, or replaces it if it exists; returns the stored object.</summary>
    public async Task<JsonObject> ApplyAsync(JsonObject document, string defaultNamespace = "default", CancellationToken ct = default)
    {
        var doc = (JsonObject)document.DeepClone();
        var apiVersion = doc["apiVersion"]?.GetValue<string>() ?? throw new ManifestException("a manifest without apiVersion");
        var kind = doc["kind"]?.GetValue<string>() ?? throw new ManifestException("a manifest without kind");
        var meta = doc["metadata"] as JsonObject ?? throw new ManifestException($"{kind} without metadata");
        var name = meta["name"]?.GetValue<string>() ?? throw new ManifestException($"{kind} without a name");
        var (plural, namespaced) = await ResolveAsync(apiVersion, kind, ct);
        var prefix = apiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + apiVersion : "/api/" + apiVersion;
        string collection;
        if (namespaced)
        {
            var ns = meta["namespace"]?.GetValue<string>() ?? defaultNamespace;
            meta["namespace"] = ns;
            collection = $"{prefix}/namespaces/{ns}/{plural}";
        }
        else
        {
            collection = $"{prefix}/{plural}";
        }

        var (status, text) = await SendAsync(HttpMethod.Post, collection, doc.ToJsonString(), ct);
        if (status == HttpStatusCode.Conflict)
        {
            var (getStatus, current) = await SendAsync(HttpMethod.Get, $"{collection}/{name}", null, ct);
            if (getStatus != HttpStatusCode.OK)
            {
                throw new ManifestException($"{kind} {name}: {(int)getStatus} {current}");
            }

            meta["resourceVersion"] = JsonNode.Parse(current)?["metadata"]?["resourceVersion"]?.GetValue<string>();
            (status, text) = await SendAsync(HttpMethod.Put, $"{collection}/{name}", doc.ToJsonString(), ct);
        }

        if (status is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            throw new ManifestException($"{kind} {name}: {(int)status} {Message(text)}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Waits until the CRD called <paramref name="name"/> is Established (its kinds are served).</summary>
    public async Task WaitForCrdAsync(string name, TimeSpan timeout, CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var (status, text) = await SendAsync(HttpMethod.Get, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name, null, deadline.Token);
            if (status == HttpStatusCode.OK && JsonNode.Parse(text)?["status"]?["conditions"] is JsonArray conditions
                && conditions.Any(c => c?["type"]?.GetValue<string>() == "Established" && c["status"]?.GetValue<string>() == "True"))
            {
                _discovery.Clear();
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    private async Task<(string Plural, bool Namespaced)> ResolveAsync(string apiVersion, string kind, CancellationToken ct)
    {
        if (!_discovery.TryGetValue(apiVersion, out var resources))
        {
            var path = apiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + apiVersion : "/api/" + apiVersion;
            var (status, text) = await SendAsync(HttpMethod.Get, path, null, ct);
            if (status != HttpStatusCode.OK)
            {
                throw new ManifestException($"the server does not serve {apiVersion} ({(int)status})");
            }

            resources = JsonNode.Parse(text)?["resources"] as JsonArray ?? [];
            _discovery[apiVersion] = resources;
        }

        foreach (var r in resources.OfType<JsonObject>())
        {
            var resourceName = r["name"]?.GetValue<string>() ?? "";
            if (r["kind"]?.GetValue<string>() == kind && !resourceName.Contains('/', StringComparison.Ordinal))
            {
                return (resourceName, r["namespaced"]?.GetValue<bool>() == true);
            }
        }

        throw new ManifestException($"the server does not serve kind {kind} in {apiVersion}");
    }

    private async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpMethod method, string path, string? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_client.BaseUri.ToString().TrimEnd('/') + path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, ct);
        }

        using var response = await _client.HttpClient.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static string Message(string statusText)
    {
        try
        {
            return JsonNode.Parse(statusText)?["message"]?.GetValue<string>() ?? statusText;
        }
        catch (System.Text.Json.JsonException)
        {
            return statusText;
        }
    }
}
