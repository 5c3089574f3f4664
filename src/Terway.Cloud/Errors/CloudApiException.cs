namespace Terway.Cloud.Errors;

/// <summary>
/// The one error type of the OpenAPI client: a server error response, or a failure to get a usable
/// response at all (network, timeout, malformed body). Messages never contain credentials.
/// </summary>
public sealed class CloudApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="api">Operation name, e.g. <c>CreateNetworkInterface</c>.</param>
    /// <param name="kind">Classification.</param>
    /// <param name="code">Error code from the server (e.g. <c>Throttling.User</c>) or a client-side code (<c>Client.Timeout</c>, ...).</param>
    /// <param name="message">Server or client message, already scrubbed of secrets.</param>
    /// <param name="httpStatus">HTTP status, or 0 if there was no response.</param>
    /// <param name="requestId">Server request ID, if any.</param>
    /// <param name="hostId">Server host ID, if any.</param>
    /// <param name="recommend">Server troubleshooting URL, if any.</param>
    /// <param name="retryAfter">Server hint (<c>x-ratelimit-*</c> TimeLeft) for when to retry, if any.</param>
    /// <param name="innerException">Underlying exception (network, parse), if any.</param>
    public CloudApiException(
        string api,
        CloudErrorKind kind,
        string code,
        string message,
        int httpStatus = 0,
        string? requestId = null,
        string? hostId = null,
        string? recommend = null,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(Format(api, code, message, httpStatus, requestId), innerException)
    {
        Api = api;
        Kind = kind;
        Code = code;
        ServerMessage = message;
        HttpStatus = httpStatus;
        RequestId = requestId;
        HostId = hostId;
        Recommend = recommend;
        RetryAfter = retryAfter;
    }

    /// <summary>Operation name.</summary>
    public string Api { get; }

    /// <summary>Classification callers act on.</summary>
    public CloudErrorKind Kind { get; }

    /// <summary>Error code, exactly as the server sent it (matching is by exact string), or a <c>Client.*</c> code.</summary>
    public string Code { get; }

    /// <summary>The server's (or client's) message without the API/code prefix.</summary>
    public string ServerMessage { get; }

    /// <summary>HTTP status code, or 0 when no response was received.</summary>
    public int HttpStatus { get; }

    /// <summary>Server request ID (quote it to Alibaba Cloud support).</summary>
    public string? RequestId { get; }

    /// <summary>Server host ID.</summary>
    public string? HostId { get; }

    /// <summary>Server troubleshooting link.</summary>
    public string? Recommend { get; }

    /// <summary>Server hint for when to retry (from <c>x-ratelimit-user-api</c>/<c>x-ratelimit-user</c> TimeLeft).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether the client's retry policy retries this error.</summary>
    public bool IsRetryable => ErrorClassifier.IsRetryable(Kind);

    /// <summary>Whether the error means the resource is gone (success for Delete/Detach/Unassign).</summary>
    public bool IsNotFound => Kind == CloudErrorKind.NotFound;

    private static string Format(string api, string code, string message, int status, string? requestId) =>
        $"{api} failed: {code} (HTTP {status}{(requestId is null ? string.Empty : ", RequestId " + requestId)}): {message}";
}
