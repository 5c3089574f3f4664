using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Terway.Kube.Client;

namespace Terway.Kube.Tests.Support;

/// <summary>
/// A unit-test double of <see cref="IKubeApiClient"/>: an in-memory object store with resourceVersion
/// checks (409 on stale writes), merge patches with the resourceVersion precondition, paged lists, and
/// watches the test scripts line by line. Integration tests use the real API emulator instead.
/// </summary>
internal sealed class InMemoryKubeApiClient : IKubeApiClient
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Type, ObjectKey), JsonObject> _objects = [];
    private readonly Channel<FakeWatch> _watches = Channel.CreateUnbounded<FakeWatch>();
    private long _version = 100;

    public IKubernetes Kubernetes => throw new InvalidOperationException("no real client in unit tests");

    public List<string> Calls { get; } = [];

    /// <summary>When set, the next WatchAsync throws this instead of opening.</summary>
    public Exception? FailNextWatch { get; set; }

    /// <summary>When set, list calls throw this (once).</summary>
    public Exception? FailNextList { get; set; }

    /// <summary>Conflicts to inject into the next status updates (each one bumps the stored version first).</summary>
    public int ConflictsToInject { get; set; }

    public string CurrentVersion
    {
        get
        {
            lock (_lock)
            {
                return _version.ToString();
            }
        }
    }

    public T Seed<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            ResourceType.Of<T>().Stamp(obj);
            obj.Metadata.ResourceVersion = (++_version).ToString();
            obj.Metadata.Uid ??= Guid.NewGuid().ToString();
            _objects[(typeof(T), ObjectKey.From(obj))] = ToNode(obj);
            return obj;
        }
    }

    public void Remove<T>(ObjectKey key)
    {
        lock (_lock)
        {
            _objects.Remove((typeof(T), key));
            _version++;
        }
    }

    public IReadOnlyList<T> Stored<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            return [.. _objects.Where(p => p.Key.Item1 == typeof(T)).Select(p => FromNode<T>(p.Value))];
        }
    }

    public async Task<FakeWatch> NextWatchAsync(TimeSpan? timeout = null) =>
        await _watches.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public Task<T> GetAsync<T>(ObjectKey key, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            Calls.Add($"GET {typeof(T).Name} {key}");
            return _objects.TryGetValue((typeof(T), key), out var node)
                ? Task.FromResult(FromNode<T>(node))
                : throw NotFound(key);
        }
    }

    public Task<ListPage<T>> ListPageAsync<T>(ListOptions options, int? limit, string? continueToken, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            Calls.Add($"LIST {typeof(T).Name} continue={continueToken}");
            if (FailNextList is { } fail)
            {
                FailNextList = null;
                throw fail;
            }

            var all = _objects.Where(p => p.Key.Item1 == typeof(T) && (options.Namespace is null || p.Key.Item2.Namespace == options.Namespace))
                .OrderBy(p => p.Key.Item2.ToString(), StringComparer.Ordinal)
                .Select(p => FromNode<T>(p.Value))
                .ToList();
            var offset = continueToken is null ? 0 : int.Parse(continueToken);
            var size = limit ?? int.MaxValue;
            var page = all.Skip(offset).Take(size).ToList();
            var next = offset + page.Count < all.Count ? (offset + page.Count).ToString() : null;
            return Task.FromResult(new ListPage<T>(page, _version.ToString(), next));
        }
    }

    public Task<WatchStream<T>> WatchAsync<T>(ListOptions options, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            Calls.Add($"WATCH {typeof(T).Name} rv={resourceVersion}");
            if (FailNextWatch is { } fail)
            {
                FailNextWatch = null;
                throw fail;
            }
        }

        var watch = new FakeWatch(resourceVersion, timeoutSeconds);
        _watches.Writer.TryWrite(watch);
        return Task.FromResult(new WatchStream<T>(watch.Response, ResourceType.Of<T>()));
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            var key = ObjectKey.From(obj);
            Calls.Add($"CREATE {typeof(T).Name} {key}");
            if (_objects.ContainsKey((typeof(T), key)))
            {
                throw new KubeApiException(HttpStatusCode.Conflict, new V1Status { Code = 409, Reason = "AlreadyExists" }, $"{key} already exists");
            }

            var copy = FromNode<T>(ToNode(obj));
            copy.Metadata.ResourceVersion = (++_version).ToString();
            copy.Metadata.Uid ??= Guid.NewGuid().ToString();
            ResourceType.Of<T>().Stamp(copy);
            _objects[(typeof(T), key)] = ToNode(copy);
            return Task.FromResult(FromNode<T>(_objects[(typeof(T), key)]));
        }
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> => Replace(obj, "UPDATE");

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            if (ConflictsToInject > 0)
            {
                ConflictsToInject--;
                var key = ObjectKey.From(obj);
                var stored = _objects[(typeof(T), key)];
                stored["metadata"]!["resourceVersion"] = (++_version).ToString();
            }
        }

        return Replace(obj, "UPDATESTATUS");
    }

    public Task<T> PatchAsync<T>(ObjectKey key, Patch patch, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            Calls.Add($"PATCH {typeof(T).Name} {key} {patch.Body}");
            if (patch.Kind != PatchKind.Merge)
            {
                throw new KubeApiException(HttpStatusCode.UnsupportedMediaType, null, "the unit-test double applies merge patches only");
            }

            if (!_objects.TryGetValue((typeof(T), key), out var stored))
            {
                throw NotFound(key);
            }

            var body = JsonNode.Parse(patch.Body)!.AsObject();
            if (body["metadata"]?["resourceVersion"] is { } rv && (string?)rv != (string?)stored["metadata"]!["resourceVersion"])
            {
                throw Conflict(key);
            }

            var merged = Apply(stored.DeepClone(), body)!.AsObject();
            merged["metadata"]!["resourceVersion"] = (++_version).ToString();
            _objects[(typeof(T), key)] = merged;
            return Task.FromResult(FromNode<T>(merged));
        }
    }

    public Task DeleteAsync<T>(ObjectKey key, V1DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            Calls.Add($"DELETE {typeof(T).Name} {key}");
            if (!_objects.Remove((typeof(T), key)))
            {
                throw NotFound(key);
            }

            _version++;
            return Task.CompletedTask;
        }
    }

    private Task<T> Replace<T>(T obj, string verb)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_lock)
        {
            var key = ObjectKey.From(obj);
            Calls.Add($"{verb} {typeof(T).Name} {key}");
            if (!_objects.TryGetValue((typeof(T), key), out var stored))
            {
                throw NotFound(key);
            }

            if (obj.Metadata.ResourceVersion is { } rv && rv != (string?)stored["metadata"]!["resourceVersion"])
            {
                throw Conflict(key);
            }

            var copy = FromNode<T>(ToNode(obj));
            copy.Metadata.ResourceVersion = (++_version).ToString();
            _objects[(typeof(T), key)] = ToNode(copy);
            return Task.FromResult(FromNode<T>(_objects[(typeof(T), key)]));
        }
    }

    private static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        var t = target as JsonObject ?? [];
        foreach (var (k, v) in p)
        {
            if (v is null)
            {
                t.Remove(k);
            }
            else
            {
                var existing = t[k];
                t.Remove(k);
                t[k] = Apply(existing?.DeepClone(), v);
            }
        }

        return t;
    }

    private static KubeApiException NotFound(ObjectKey key) =>
        new(HttpStatusCode.NotFound, new V1Status { Code = 404, Reason = "NotFound" }, $"{key} not found");

    private static KubeApiException Conflict(ObjectKey key) =>
        new(HttpStatusCode.Conflict, new V1Status { Code = 409, Reason = "Conflict" }, $"{key}: the object has been modified");

    private static JsonObject ToNode(object obj) => JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject();

    private static T FromNode<T>(JsonNode node) => KubernetesJson.Deserialize<T>(node.ToJsonString())!;
}

/// <summary>A watch the test drives: send lines, then close.</summary>
internal sealed class FakeWatch
{
    private readonly Pipe _pipe = new();

    public FakeWatch(string fromVersion, int timeoutSeconds)
    {
        FromVersion = fromVersion;
        TimeoutSeconds = timeoutSeconds;
        Response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(_pipe.Reader.AsStream()) };
    }

    public string FromVersion { get; }

    public int TimeoutSeconds { get; }

    public HttpResponseMessage Response { get; }

    public async Task SendAsync(string type, object obj)
    {
        var line = $"{{\"type\":\"{type}\",\"object\":{KubernetesJson.Serialize(obj)}}}\n";
        await _pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(line));
    }

    public Task BookmarkAsync(string resourceVersion) =>
        SendAsync("BOOKMARK", new { kind = "Pod", apiVersion = "v1", metadata = new { resourceVersion } });

    public Task ExpireAsync() =>
        SendAsync("ERROR", new { kind = "Status", apiVersion = "v1", status = "Failure", reason = "Expired", code = 410, message = "too old resource version" });

    public void Close() => _pipe.Writer.Complete();
}
