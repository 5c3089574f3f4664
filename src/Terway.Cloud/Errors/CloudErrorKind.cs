namespace Terway.Cloud.Errors;

/// <summary>What a caller should do about a failed OpenAPI call; computed from the error code and HTTP status (reference §5).</summary>
public enum CloudErrorKind
{
    /// <summary>Not classified; treat as a permanent failure.</summary>
    Unknown = 0,

    /// <summary>Flow control (<c>Throttling</c>, <c>Throttling.User</c>, <c>Throttling.Api</c>, HTTP 429): retry with backoff.</summary>
    Throttled,

    /// <summary>Server-side temporary failure (<c>InternalError</c>, <c>ServiceUnavailable</c>, HTTP 5xx, <c>SignatureNonceUsed</c>): retry.</summary>
    Transient,

    /// <summary>No response: connection refused or reset, DNS failure, TLS failure. Retry; the operation may or may not have happened.</summary>
    Network,

    /// <summary>No response within the per-attempt timeout. Retry; the operation may or may not have happened.</summary>
    Timeout,

    /// <summary>A response that is not what the API returns (HTML, truncated, non-JSON, missing required fields). Retried: with a ClientToken the retry is safe.</summary>
    MalformedResponse,

    /// <summary>Conflicts with a concurrent operation (<c>TaskConflict</c>, <c>OperationConflict</c>, <c>Operation.Conflict</c>, <c>IncorrectRouteEntryStatus</c>, <c>LastTokenProcessing</c>, ...): retry later.</summary>
    Conflict,

    /// <summary>The resource is in a state that does not allow the operation (<c>InvalidOperation.InvalidEniState</c>, <c>IncorrectInstanceStatus</c>): re-read state, then decide.</summary>
    InvalidState,

    /// <summary>The resource does not exist (<c>*.NotFound</c>, HTTP 404). Delete/Detach/Unassign callers treat this as success.</summary>
    NotFound,

    /// <summary>A quota or capacity limit (<c>InvalidVSwitchId.IpNotEnough</c>, <c>QuotaExceeded.*</c>, <c>EniPerInstanceLimitExceeded</c>, ...): pick another vSwitch or resync.</summary>
    Quota,

    /// <summary>The request is wrong (<c>MissingParameter</c>, <c>InvalidParameter</c>, malformed IDs, ...): do not retry.</summary>
    Invalid,

    /// <summary>Authentication or authorization failed (<c>Forbidden*</c>, <c>InvalidAccessKeyId.*</c>, <c>SignatureDoesNotMatch</c>, STS token errors).</summary>
    Auth,

    /// <summary>The request timestamp is outside the server's window (<c>InvalidTimeStamp.Expired</c>): the local clock is wrong.</summary>
    ClockSkew,

    /// <summary>Same ClientToken with different parameters (<c>IdempotentParameterMismatch</c>) or a failed idempotent request (<c>IdempotentFailed</c>): use a new token.</summary>
    IdempotentMismatch,
}
