using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Terway.Kube.Client;

/// <summary>One event from a watch stream.</summary>
/// <typeparam name="T">The model type.</typeparam>
/// <param name="Type">ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</param>
/// <param name="Object">The object (for BOOKMARK only its resourceVersion is meaningful; null for ERROR).</param>
/// <param name="ResourceVersion">The object's (or bookmark's) resourceVersion.</param>
/// <param name="Status">The status carried by an ERROR event.</param>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, string? ResourceVersion, V1Status? Status)
    where T : class, IKubernetesObject<V1ObjectMeta>;

/// <summary>Parses watch lines (<c>{"type":..,"object":..}</c>) with the global KubernetesJson options.</summary>
internal static class WatchLineParser
{
    public static WatchEvent<T> Parse<T>(string line)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var typeText = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (!root.TryGetProperty("object", out var obj))
        {
            throw new JsonException("watch event without object");
        }

        var type = typeText switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => throw new JsonException($"unknown watch event type '{typeText}'"),
        };

        if (type == WatchEventType.Error)
        {
            var status = KubernetesJson.Deserialize<V1Status>(obj);
            return new WatchEvent<T>(type, null, null, status);
        }

        var value = KubernetesJson.Deserialize<T>(obj);
        return new WatchEvent<T>(type, value, value?.Metadata?.ResourceVersion, null);
    }

    /// <summary>Turns an ERROR event into the exception the informer acts on (410 means relist).</summary>
    public static KubeApiException ToException(V1Status? status)
    {
        var code = status?.Code is int c and > 0 ? (HttpStatusCode)c : HttpStatusCode.InternalServerError;
        return new KubeApiException(code, status, $"watch error {(int)code} {status?.Reason}: {status?.Message}");
    }
}
