using System.Net;
using k8s.Models;

namespace Terway.Kube.Client;

/// <summary>
/// A non-success answer from the API server (or an ERROR event on a watch), with the HTTP status and the
/// server's <see cref="V1Status"/> when it sent one, so callers classify failures instead of parsing messages.
/// </summary>
public class KubeApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KubeApiException(HttpStatusCode statusCode, V1Status? status, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>The HTTP status (or the code carried in a watch ERROR event).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's status object, if any.</summary>
    public V1Status? Status { get; }

    /// <summary>The status reason (<c>NotFound</c>, <c>Conflict</c>, <c>Expired</c>, ...), if the server sent one.</summary>
    public string? Reason => Status?.Reason;

    /// <summary>404.</summary>
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>409 because of a stale resourceVersion (not because the object already exists).</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    /// <summary>409 AlreadyExists on create.</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>410: the requested resourceVersion is no longer in the server's history.</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    /// <summary>429 or 5xx: worth retrying later.</summary>
    public bool IsTransient => (int)StatusCode == 429 || (int)StatusCode >= 500;
}

/// <summary>Helpers to classify exceptions from the client.</summary>
public static class KubeErrors
{
    /// <summary>True when <paramref name="ex"/> is a 404 from the API server.</summary>
    public static bool IsNotFound(Exception ex) => ex is KubeApiException { IsNotFound: true };

    /// <summary>True when <paramref name="ex"/> is a resourceVersion conflict.</summary>
    public static bool IsConflict(Exception ex) => ex is KubeApiException { IsConflict: true };

    /// <summary>True when <paramref name="ex"/> is a 410 Gone/Expired.</summary>
    public static bool IsGone(Exception ex) => ex is KubeApiException { IsGone: true };
}
