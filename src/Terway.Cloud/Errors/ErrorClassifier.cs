using System.Collections.Frozen;

namespace Terway.Cloud.Errors;

/// <summary>Maps an error code and HTTP status to a <see cref="CloudErrorKind"/> (reference §5). Pure; exact-match first, then patterns.</summary>
internal static class ErrorClassifier
{
    private static readonly FrozenDictionary<string, CloudErrorKind> Exact = new Dictionary<string, CloudErrorKind>(StringComparer.Ordinal)
    {
        ["Throttling"] = CloudErrorKind.Throttled,
        ["Throttling.User"] = CloudErrorKind.Throttled,
        ["Throttling.Api"] = CloudErrorKind.Throttled,
        ["Throttling.Resource"] = CloudErrorKind.Throttled,
        ["ServiceUnavailable"] = CloudErrorKind.Transient,
        ["ServiceUnavailable.RegionMaintaining"] = CloudErrorKind.Transient,
        ["InternalError"] = CloudErrorKind.Transient,
        ["Internal.Error"] = CloudErrorKind.Transient,
        ["Vpc.Error"] = CloudErrorKind.Transient,
        ["UnknownError"] = CloudErrorKind.Transient,
        ["SystemBusy"] = CloudErrorKind.Transient,
        ["SignatureNonceUsed"] = CloudErrorKind.Transient,
        ["OperationConflict"] = CloudErrorKind.Conflict,
        ["Operation.Conflict"] = CloudErrorKind.Conflict,
        ["InvalidOperation.Conflict"] = CloudErrorKind.Conflict,
        ["TaskConflict"] = CloudErrorKind.Conflict,
        ["IncorrectRouteEntryStatus"] = CloudErrorKind.Conflict,
        ["IncorrectVpcStatus"] = CloudErrorKind.Conflict,
        ["IncorrectStatus.VpcRouteEntry"] = CloudErrorKind.Conflict,
        ["IncorrectStatus"] = CloudErrorKind.Conflict,
        ["LastTokenProcessing"] = CloudErrorKind.Conflict,
        ["IdempotentProcessing"] = CloudErrorKind.Conflict,
        ["OperationFailed.DistibuteLock"] = CloudErrorKind.Conflict,
        ["IdempotentParameterMismatch"] = CloudErrorKind.IdempotentMismatch,
        ["IdempotentFailed"] = CloudErrorKind.IdempotentMismatch,
        ["InvalidOperation.InvalidEniState"] = CloudErrorKind.InvalidState,
        ["InvalidOperation.InvalidEcsState"] = CloudErrorKind.InvalidState,
        ["IncorrectInstanceStatus"] = CloudErrorKind.InvalidState,
        ["InvalidInstance.NotStopped"] = CloudErrorKind.InvalidState,
        ["InvalidVSwitchId.IpNotEnough"] = CloudErrorKind.Quota,
        ["QuotaExceeded"] = CloudErrorKind.Quota,
        ["QuotaExceed.Tags"] = CloudErrorKind.Quota,
        ["MaxEniCountExceeded"] = CloudErrorKind.Quota,
        ["EniPerInstanceLimitExceeded"] = CloudErrorKind.Quota,
        ["SecurityGroupInstanceLimitExceed"] = CloudErrorKind.Quota,
        ["InvalidOperation.Ipv4CountExceeded"] = CloudErrorKind.Quota,
        ["InvalidOperation.Ipv6CountExceeded"] = CloudErrorKind.Quota,
        ["InvalidIp.IpUnassigned"] = CloudErrorKind.NotFound,
        ["InvalidTimeStamp.Expired"] = CloudErrorKind.ClockSkew,
        ["SignatureDoesNotMatch"] = CloudErrorKind.Auth,
        ["IncompleteSignature"] = CloudErrorKind.Auth,
        ["MissingSecurityToken"] = CloudErrorKind.Auth,
        ["NoPermission"] = CloudErrorKind.Auth,
        ["Forbidden"] = CloudErrorKind.Auth,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static CloudErrorKind Classify(string? code, int httpStatus)
    {
        if (!string.IsNullOrEmpty(code))
        {
            if (Exact.TryGetValue(code, out var kind))
            {
                return kind;
            }

            var byPattern = ClassifyByPattern(code);
            if (byPattern != CloudErrorKind.Unknown)
            {
                return byPattern;
            }
        }

        return httpStatus switch
        {
            429 => CloudErrorKind.Throttled,
            >= 500 => CloudErrorKind.Transient,
            404 => CloudErrorKind.NotFound,
            401 => CloudErrorKind.Auth,
            409 => CloudErrorKind.Conflict,
            >= 400 => CloudErrorKind.Invalid,
            _ => CloudErrorKind.Unknown,
        };
    }

    private static CloudErrorKind ClassifyByPattern(string code)
    {
        if (code.StartsWith("Throttling", StringComparison.Ordinal))
        {
            return CloudErrorKind.Throttled;
        }

        if (code.StartsWith("InvalidAccessKeyId", StringComparison.Ordinal)
            || code.StartsWith("InvalidSecurityToken", StringComparison.Ordinal)
            || code.StartsWith("Forbidden", StringComparison.Ordinal)
            || code.StartsWith("Forbbiden", StringComparison.Ordinal) // sic: a documented VPC code.
            || code.StartsWith("InvalidUserType", StringComparison.Ordinal)
            || code.StartsWith("Abs.InvalidAccount", StringComparison.Ordinal))
        {
            // InvalidAccessKeyId.NotFound is an auth failure, not a missing resource.
            return CloudErrorKind.Auth;
        }

        if (code.StartsWith("QuotaExceeded", StringComparison.Ordinal)
            || code.StartsWith("QuotaExceed", StringComparison.Ordinal)
            || code.EndsWith("LimitExceeded", StringComparison.Ordinal)
            || code.EndsWith("CountExceeded", StringComparison.Ordinal)
            || code.EndsWith(".IpNotEnough", StringComparison.Ordinal))
        {
            return CloudErrorKind.Quota;
        }

        if (code.EndsWith(".NotFound", StringComparison.Ordinal) || code.EndsWith(".NotExist", StringComparison.Ordinal))
        {
            return CloudErrorKind.NotFound;
        }

        if (code.StartsWith("IncorrectStatus", StringComparison.Ordinal) || code.EndsWith(".Conflict", StringComparison.Ordinal))
        {
            return CloudErrorKind.Conflict;
        }

        if (code.StartsWith("ServiceUnavailable", StringComparison.Ordinal) || code.StartsWith("InternalError", StringComparison.Ordinal))
        {
            return CloudErrorKind.Transient;
        }

        if (code.StartsWith("Missing", StringComparison.Ordinal)
            || code.StartsWith("Invalid", StringComparison.Ordinal)
            || code.StartsWith("Unsupported", StringComparison.Ordinal)
            || code.StartsWith("Duplicate", StringComparison.Ordinal)
            || code.EndsWith(".Malformed", StringComparison.Ordinal)
            || code.EndsWith(".Duplicate", StringComparison.Ordinal)
            || code.EndsWith(".Duplicated", StringComparison.Ordinal))
        {
            return CloudErrorKind.Invalid;
        }

        return CloudErrorKind.Unknown;
    }

    public static bool IsRetryable(CloudErrorKind kind) => kind is CloudErrorKind.Throttled
        or CloudErrorKind.Transient
        or CloudErrorKind.Network
        or CloudErrorKind.Timeout
        or CloudErrorKind.MalformedResponse
        or CloudErrorKind.Conflict;
}
