using Terway.Cloud.Errors;
using Terway.Crds.Conditions;

namespace Terway.Operator.Cloud;

/// <summary>Maps a cloud failure to a condition reason and says whether waiting can fix it.</summary>
internal static class CloudFailures
{
    /// <summary>The vSwitch has no free addresses (block it, try another).</summary>
    public static bool IsVSwitchExhausted(CloudApiException ex) =>
        ex.Code is "InvalidVSwitchId.IpNotEnough" or "QuotaExceeded.PrivateIpAddress";

    /// <summary>The condition reason for <paramref name="ex"/>.</summary>
    public static string Reason(CloudApiException ex) => ex.Kind switch
    {
        CloudErrorKind.Throttled => ConditionReasons.Throttled,
        CloudErrorKind.Quota => ConditionReasons.QuotaExceeded,
        CloudErrorKind.Auth => ConditionReasons.Forbidden,
        CloudErrorKind.NotFound when ex.Code.StartsWith("InvalidVSwitchId", StringComparison.Ordinal) => ConditionReasons.VSwitchNotFound,
        CloudErrorKind.NotFound when ex.Code.StartsWith("InvalidSecurityGroupId", StringComparison.Ordinal) => ConditionReasons.SecurityGroupNotFound,
        _ => ConditionReasons.CloudApiError,
    };

    /// <summary>A short text for conditions and events: code and server message.</summary>
    public static string Describe(CloudApiException ex) => $"{ex.Api}: {ex.Code}: {ex.ServerMessage}";
}
