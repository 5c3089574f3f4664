using Terway.Cloud.Errors;

namespace Terway.Cloud.Tests.Errors;

[TestFixture]
public sealed class ErrorClassifierTests
{
    [TestCase("Throttling", 400, CloudErrorKind.Throttled)]
    [TestCase("Throttling.User", 400, CloudErrorKind.Throttled)]
    [TestCase("Throttling.Api", 400, CloudErrorKind.Throttled)]
    [TestCase("ServiceUnavailable", 503, CloudErrorKind.Transient)]
    [TestCase("InternalError", 500, CloudErrorKind.Transient)]
    [TestCase("SignatureNonceUsed", 400, CloudErrorKind.Transient)]
    [TestCase("TaskConflict", 400, CloudErrorKind.Conflict)]
    [TestCase("OperationConflict", 409, CloudErrorKind.Conflict)]
    [TestCase("Operation.Conflict", 403, CloudErrorKind.Conflict)]
    [TestCase("IncorrectRouteEntryStatus", 400, CloudErrorKind.Conflict)]
    [TestCase("IncorrectStatus.VpcRouteEntry", 400, CloudErrorKind.Conflict)]
    [TestCase("LastTokenProcessing", 403, CloudErrorKind.Conflict)]
    [TestCase("InvalidVSwitchId.IpNotEnough", 403, CloudErrorKind.Quota)]
    [TestCase("QuotaExceeded.PrivateIpAddress", 400, CloudErrorKind.Quota)]
    [TestCase("QuotaExceeded", 400, CloudErrorKind.Quota)]
    [TestCase("EniPerInstanceLimitExceeded", 403, CloudErrorKind.Quota)]
    [TestCase("MaxEniCountExceeded", 403, CloudErrorKind.Quota)]
    [TestCase("InvalidOperation.Ipv4CountExceeded", 403, CloudErrorKind.Quota)]
    [TestCase("InvalidEniId.NotFound", 404, CloudErrorKind.NotFound)]
    [TestCase("InvalidEcsId.NotFound", 404, CloudErrorKind.NotFound)]
    [TestCase("InvalidInstanceId.NotFound", 403, CloudErrorKind.NotFound)]
    [TestCase("InvalidRouteEntry.NotFound", 400, CloudErrorKind.NotFound)]
    [TestCase("InvalidIp.IpUnassigned", 403, CloudErrorKind.NotFound)]
    [TestCase("Forbidden.RAM", 403, CloudErrorKind.Auth)]
    [TestCase("Forbidden", 403, CloudErrorKind.Auth)]
    [TestCase("InvalidAccessKeyId.NotFound", 404, CloudErrorKind.Auth)]
    [TestCase("InvalidAccessKeyId.Inactive", 400, CloudErrorKind.Auth)]
    [TestCase("SignatureDoesNotMatch", 400, CloudErrorKind.Auth)]
    [TestCase("InvalidSecurityToken.Expired", 400, CloudErrorKind.Auth)]
    [TestCase("InvalidTimeStamp.Expired", 400, CloudErrorKind.ClockSkew)]
    [TestCase("IdempotentParameterMismatch", 400, CloudErrorKind.IdempotentMismatch)]
    [TestCase("IdempotentFailed", 400, CloudErrorKind.IdempotentMismatch)]
    [TestCase("InvalidOperation.InvalidEniState", 400, CloudErrorKind.InvalidState)]
    [TestCase("IncorrectInstanceStatus", 403, CloudErrorKind.InvalidState)]
    [TestCase("MissingParameter", 400, CloudErrorKind.Invalid)]
    [TestCase("InvalidParameter", 400, CloudErrorKind.Invalid)]
    [TestCase("InvalidVSwitchId.IpInvalid", 403, CloudErrorKind.Invalid)]
    [TestCase("Something.New", 503, CloudErrorKind.Transient)]
    [TestCase("Something.New", 429, CloudErrorKind.Throttled)]
    [TestCase("Something.New", 404, CloudErrorKind.NotFound)]
    [TestCase("Something.New", 400, CloudErrorKind.Invalid)]
    [TestCase(null, 502, CloudErrorKind.Transient)]
    [TestCase(null, 200, CloudErrorKind.Unknown)]
    public void Classify_CodeAndStatus_GivesKind(string? code, int status, CloudErrorKind expected)
    {
        Assert.That(ErrorClassifier.Classify(code, status), Is.EqualTo(expected));
    }

    [TestCase(CloudErrorKind.Throttled, true)]
    [TestCase(CloudErrorKind.Transient, true)]
    [TestCase(CloudErrorKind.Network, true)]
    [TestCase(CloudErrorKind.Timeout, true)]
    [TestCase(CloudErrorKind.MalformedResponse, true)]
    [TestCase(CloudErrorKind.Conflict, true)]
    [TestCase(CloudErrorKind.Quota, false)]
    [TestCase(CloudErrorKind.NotFound, false)]
    [TestCase(CloudErrorKind.Auth, false)]
    [TestCase(CloudErrorKind.ClockSkew, false)]
    [TestCase(CloudErrorKind.Invalid, false)]
    [TestCase(CloudErrorKind.IdempotentMismatch, false)]
    [TestCase(CloudErrorKind.InvalidState, false)]
    public void IsRetryable_Kind_MatchesRetryClass(CloudErrorKind kind, bool expected)
    {
        Assert.That(ErrorClassifier.IsRetryable(kind), Is.EqualTo(expected));
    }
}
