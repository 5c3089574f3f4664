using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using k8s;
using k8s.Models;

namespace Terway.Kube.Client;

/// <summary>
/// Typed access to any kind the API server serves, built-in or custom, over the <see cref="Kubernetes"/>
/// client's own <see cref="HttpClient"/> (its TLS, auth and handlers). Requests are built by hand from
/// <see cref="ResourceType"/> so every kind gets paging, watch with bookmarks, the <c>/status</c> subresource
/// and patches the same way, and so a watch returns as soon as the response headers arrive (the generated
/// <c>watch: true</c> calls block until the first event line).
/// </summary>
public interface IKubeApiClient
{
    /// <summary>The underlying client, for calls this interface does not cover.</summary>
    IKubernetes Kubernetes { get; }

    /// <summary>Reads one object; throws <see cref="KubeApiException"/> (404 when absent).</summary>
    Task<T> GetAsync<T>(ObjectKey key, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Reads one page of a list.</summary>
    Task<ListPage<T>> ListPageAsync<T>(ListOptions options, int? limit, string? continueToken, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// Opens a watch from <paramref name="resourceVersion"/> with bookmarks. Returns once the server has
    /// answered with headers; events are read from the returned stream.
    /// </summary>
    Task<WatchStream<T>> WatchAsync<T>(ListOptions options, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Creates an object (POST).</summary>
    Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Replaces an object (PUT), guarded by its <c>metadata.resourceVersion</c> when set.</summary>
    Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Replaces the <c>/status</c> subresource (PUT), guarded by <c>metadata.resourceVersion</c>.</summary>
    Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>Patches an object or one of its subresources (<c>status</c>).</summary>
    Task<T> PatchAsync<T>(ObjectKey key, Patch patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;

    /// <summary>
    /// Deletes an object (with optional preconditions, grace period, propagation policy); 404 is reported as an
    /// exception (use <see cref="KubeErrors.IsNotFound"/>).
    /// </summary>
    Task DeleteAsync<T>(ObjectKey key, V1DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>;
}

/// <summary>The default <see cref="IKubeApiClient"/>.</summary>
public sealed class KubeApiClient : IKubeApiClient
{
    private readonly Kubernetes _kubernetes;
    private readonly TimeSpan _requestTimeout;

    /// <summary>Wraps a client. <paramref name="requestTimeout"/> bounds every non-watch request (default 30 s).</summary>
    public KubeApiClient(Kubernetes kubernetes, TimeSpan? requestTimeout = null)
    {
        _kubernetes = kubernetes;
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
    }

    /// <inheritdoc/>
    public IKubernetes Kubernetes => _kubernetes;

    /// <inheritdoc/>
    public async Task<T> GetAsync<T>(ObjectKey key, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        return await SendAsync<T>(HttpMethod.Get, type.ObjectPath(key), null, null, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<ListPage<T>> ListPageAsync<T>(ListOptions options, int? limit, string? continueToken, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        var query = new QueryBuilder()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", limit?.ToString())
            .Add("continue", continueToken);
        var list = await SendAsync<KubernetesList<T>>(HttpMethod.Get, type.CollectionPath(options.Namespace) + query, null, null, cancellationToken);
        var items = (IReadOnlyList<T>?)list.Items ?? [];
        foreach (var item in items)
        {
            // List items come without apiVersion/kind; stamp them so cached objects are self-describing.
            type.Stamp(item);
        }

        var next = list.Metadata?.ContinueProperty;
        return new ListPage<T>(items, list.Metadata?.ResourceVersion ?? "", string.IsNullOrEmpty(next) ? null : next);
    }

    /// <inheritdoc/>
    public async Task<WatchStream<T>> WatchAsync<T>(ListOptions options, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        var query = new QueryBuilder()
            .Add("watch", "true")
            .Add("allowWatchBookmarks", "true")
            .Add("resourceVersion", resourceVersion)
            .Add("timeoutSeconds", timeoutSeconds.ToString())
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector);
        using var request = new HttpRequestMessage(HttpMethod.Get, BuildUri(type.CollectionPath(options.Namespace) + query));
        await AuthorizeAsync(request, cancellationToken);
        var response = await _kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
        }

        return new WatchStream<T>(response, type);
    }

    /// <inheritdoc/>
    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        type.Stamp(obj);
        return SendAsync<T>(HttpMethod.Post, type.CollectionPath(obj.Metadata?.NamespaceProperty), KubernetesJson.Serialize(obj), "application/json", cancellationToken);
    }

    /// <inheritdoc/>
    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        type.Stamp(obj);
        return SendAsync<T>(HttpMethod.Put, type.ObjectPath(ObjectKey.From(obj)), KubernetesJson.Serialize(obj), "application/json", cancellationToken);
    }

    /// <inheritdoc/>
    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        type.Stamp(obj);
        return SendAsync<T>(HttpMethod.Put, type.ObjectPath(ObjectKey.From(obj), "status"), KubernetesJson.Serialize(obj), "application/json", cancellationToken);
    }

    /// <inheritdoc/>
    public Task<T> PatchAsync<T>(ObjectKey key, Patch patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        return SendAsync<T>(HttpMethod.Patch, type.ObjectPath(key, subresource), patch.Body, patch.ContentType, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task DeleteAsync<T>(ObjectKey key, V1DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = ResourceType.Of<T>();
        if (options is not null)
        {
            options.ApiVersion ??= "v1";
            options.Kind ??= "DeleteOptions";
        }

        var body = options is null ? null : KubernetesJson.Serialize(options);
        using var response = await SendRawAsync(HttpMethod.Delete, type.ObjectPath(key), body, body is null ? null : "application/json", cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string pathAndQuery, string? body, string? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, pathAndQuery, body, contentType, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return KubernetesJson.Deserialize<T>(text)
            ?? throw new KubeApiException(response.StatusCode, null, $"{method} {pathAndQuery}: empty response body");
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string pathAndQuery, string? body, string? contentType, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        using var request = new HttpRequestMessage(method, BuildUri(pathAndQuery));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        await AuthorizeAsync(request, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await _kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {pathAndQuery} did not complete within {_requestTimeout}");
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
        }

        return response;
    }

    private Uri BuildUri(string pathAndQuery)
    {
        var baseText = _kubernetes.BaseUri.ToString().TrimEnd('/');
        return new Uri(baseText + pathAndQuery);
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }
    }

    internal static async Task<KubeApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        V1Status? status = null;
        try
        {
            status = text.Length > 0 ? KubernetesJson.Deserialize<V1Status>(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status document (a proxy's HTML page, say); the HTTP code still classifies the error.
        }

        var method = response.RequestMessage?.Method.Method ?? "?";
        var path = response.RequestMessage?.RequestUri?.AbsolutePath ?? "?";
        return new KubeApiException(response.StatusCode, status,
            $"{method} {path}: {(int)response.StatusCode} {status?.Reason ?? response.ReasonPhrase}: {status?.Message ?? Truncate(text)}");
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

    private sealed class QueryBuilder
    {
        private readonly StringBuilder _text = new();

        public QueryBuilder Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }

            return this;
        }

        public override string ToString() => _text.ToString();
    }
}

/// <summary>
/// An open watch response. Read events with <see cref="ReadAllAsync"/>; an ERROR event is thrown as
/// <see cref="KubeApiException"/> (410 Expired included, never swallowed). A stream that ends, with or without
/// lines, simply ends the enumeration.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class WatchStream<T> : IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly HttpResponseMessage _response;
    private readonly ResourceType _type;

    internal WatchStream(HttpResponseMessage response, ResourceType type)
    {
        _response = response;
        _type = type;
    }

    /// <summary>Reads events until the server closes the stream or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<WatchEvent<T>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = await _response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken);
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // The connection dropped mid-stream: same as a close; the informer resumes from the last version.
                yield break;
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            var ev = WatchLineParser.Parse<T>(line);
            if (ev.Type == WatchEventType.Error)
            {
                throw WatchLineParser.ToException(ev.Status);
            }

            if (ev.Object is not null && ev.Type != WatchEventType.Bookmark)
            {
                _type.Stamp(ev.Object);
            }

            yield return ev;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _response.Dispose();
}
