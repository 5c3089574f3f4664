using System.Globalization;

namespace Terway.Sandbox.Cloud;

/// <summary>
/// The catalog of errors the simulator answers with. Codes and statuses come from the reference
/// note (aliyun-api.md §1, §3–§5); where the note marks a choice as inferred, the docs repeat it.
/// </summary>
internal static class CloudErrors
{
    private static CloudErrorException E(string code, int status, string message) => new(code, status, message);

    // ---- Common / gateway ----
    public static CloudErrorException MissingParameter(string name) =>
        E("MissingParameter", 400, $"The input parameter \"{name}\" that is mandatory for processing this request is not supplied.");

    public static CloudErrorException InvalidParameter(string name, string? detail = null) =>
        E("InvalidParameter", 400, $"The specified parameter \"{name}\" is not valid." + (detail is null ? string.Empty : " " + detail));

    public static CloudErrorException ParameterConflict(string a, string b) =>
        E("InvalidParameter.Conflict", 400, $"The parameters \"{a}\" and \"{b}\" cannot be specified at the same time.");

    public static CloudErrorException InvalidVersion(string version) =>
        E("InvalidVersion", 400, $"Specified parameter Version is not valid. ({version})");

    public static CloudErrorException InvalidActionNotFound() =>
        E("InvalidAction.NotFound", 404, "Specified api is not found, please check your url and method.");

    public static CloudErrorException NotSupportedEndpoint(string host) =>
        E("NotSupportedEndpoint", 400, $"The specified endpoint can't operate this region. Please use other endpoint. ({host})");

    public static CloudErrorException InvalidRegionId(string regionId) =>
        E("InvalidRegionId.NotFound", 404, $"The specified RegionId \"{regionId}\" does not exist.");

    public static CloudErrorException InternalError() =>
        E("InternalError", 500, "The request processing has failed due to some unknown error, exception or failure.");

    public static CloudErrorException ServiceUnavailable() =>
        E("ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server.");

    public static CloudErrorException Throttling() =>
        E("Throttling", 400, "Request was denied due to request throttling.");

    public static CloudErrorException ThrottlingUser() =>
        E("Throttling.User", 400, "Request was denied due to user flow control.");

    public static CloudErrorException IdempotentParameterMismatch() =>
        E("IdempotentParameterMismatch", 400, "Request uses a client token in a previous request but is not identical to that request.");

    public static CloudErrorException LastTokenProcessing() =>
        E("LastTokenProcessing", 403, "The last token request is processing.");

    public static CloudErrorException OperationConflictEni() =>
        E("Operation.Conflict", 403, "operations conflict. You need to try again.");

    public static CloudErrorException OperationConflict(string detail) =>
        E("OperationConflict", 409, "The request has conflicts with a previous request. " + detail);

    // ---- Authentication ----
    public static CloudErrorException IncompleteSignature(string detail) =>
        E("IncompleteSignature", 400, "The request signature does not conform to Aliyun standards. " + detail);

    public static CloudErrorException SignatureDoesNotMatch(string serverStringToSign) =>
        E("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation. server string to sign is:" + serverStringToSign);

    public static CloudErrorException TimeStampExpired(string value) =>
        E("InvalidTimeStamp.Expired", 400, $"Specified time stamp or date value is expired. ({value})");

    public static CloudErrorException TimeStampFormat(string value) =>
        E("InvalidTimeStamp.Format", 400, $"Specified time stamp or date value is not well formatted. ({value})");

    public static CloudErrorException SignatureNonceUsed() =>
        E("SignatureNonceUsed", 400, "Specified signature nonce was used already.");

    public static CloudErrorException AccessKeyNotFound() =>
        E("InvalidAccessKeyId.NotFound", 400, "Specified access key is not found.");

    public static CloudErrorException AccessKeyInactive() =>
        E("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled.");

    public static CloudErrorException MissingSecurityToken() =>
        E("MissingSecurityToken", 400, "The security token is required for this temporary access key.");

    public static CloudErrorException SecurityTokenMismatch() =>
        E("InvalidSecurityToken.MismatchWithAccessKey", 400, "The security token does not match the access key.");

    public static CloudErrorException SecurityTokenExpired() =>
        E("InvalidSecurityToken.Expired", 400, "Specified SecurityToken is expired.");

    // ---- ECS: not found ----
    public static CloudErrorException EniNotFound(string id) =>
        E("InvalidEniId.NotFound", 404, $"The specified NetworkInterfaceId \"{id}\" does not exist.");

    public static CloudErrorException EcsNotFound(string id) =>
        E("InvalidEcsId.NotFound", 404, $"The specified InstanceId \"{id}\" does not exist.");

    public static CloudErrorException VSwitchNotFound(string id) =>
        E("InvalidVSwitchId.NotFound", 404, $"The specified VSwitchId \"{id}\" does not exist.");

    public static CloudErrorException SecurityGroupNotFound(string id) =>
        E("InvalidSecurityGroupId.NotFound", 404, $"The specified SecurityGroupId \"{id}\" does not exist.");

    public static CloudErrorException ResourceGroupNotFound(string id) =>
        E("InvalidResourceGroup.NotFound", 404, $"The specified ResourceGroupId \"{id}\" does not exist.");

    // ---- ECS: state and type ----
    public static CloudErrorException InvalidEniState(string id, string status, string wanted) =>
        E("InvalidOperation.InvalidEniState", 400, $"The ENI \"{id}\" is in state {status}; the operation requires {wanted}.");

    public static CloudErrorException InvalidEcsState(string id, string status) =>
        E("InvalidOperation.InvalidEcsState", 400, $"The instance \"{id}\" is in state {status}; the operation requires Running or Stopped.");

    public static CloudErrorException InvalidEniType(string detail) =>
        E("InvalidOperation.InvalidEniType", 403, "The operation is not supported for this ENI type. " + detail);

    public static CloudErrorException DetachPrimaryEniNotAllowed() =>
        E("InvalidOperation.DetachPrimaryEniNotAllowed", 400, "The primary ENI of an instance cannot be detached.");

    public static CloudErrorException EniLinked(string id) =>
        E("InvalidOperation.EniLinked", 403, $"The trunk ENI \"{id}\" still has member ENIs.");

    // ---- ECS: limits and placement ----
    public static CloudErrorException EniPerInstanceLimitExceeded(string detail) =>
        E("EniPerInstanceLimitExceeded", 403, "The maximum number of ENIs has been reached. " + detail);

    public static CloudErrorException MaxEniCountExceeded(int quota) =>
        E("MaxEniCountExceeded", 403, $"The maximum number of ENIs in this region ({quota.ToString(CultureInfo.InvariantCulture)}) has been reached.");

    public static CloudErrorException ZoneMismatch() =>
        E("InvalidOperation.AvailabilityZoneMismatch", 403, "The ENI, its vSwitch and the instance must be in the same zone.");

    public static CloudErrorException VpcMismatch(string detail) =>
        E("InvalidOperation.VpcMismatch", 403, "The resources are not in the same VPC. " + detail);

    public static CloudErrorException Ipv4CountExceeded(int limit) =>
        E("InvalidOperation.Ipv4CountExceeded", 403, $"The number of IPv4 addresses on the ENI would exceed {limit.ToString(CultureInfo.InvariantCulture)}.");

    public static CloudErrorException Ipv6CountExceeded(int limit) =>
        E("InvalidOperation.Ipv6CountExceeded", 403, $"The number of IPv6 addresses on the ENI would exceed {limit.ToString(CultureInfo.InvariantCulture)}.");

    public static CloudErrorException Ipv6NotSupport(string vSwitchId) =>
        E("InvalidOperation.Ipv6NotSupport", 403, $"The vSwitch \"{vSwitchId}\" has no IPv6 CIDR block.");

    // ---- ECS: addresses ----
    public static CloudErrorException IpNotEnough(string vSwitchId) =>
        E("InvalidVSwitchId.IpNotEnough", 403, $"The specified VSwitch \"{vSwitchId}\" has not enough IpAddress.");

    public static CloudErrorException IpInvalid(string ip) =>
        E("InvalidVSwitchId.IpInvalid", 403, $"The specified IpAddress \"{ip}\" is not in the CIDR block of the vSwitch or is reserved.");

    public static CloudErrorException IpAddressMalformed(string ip) =>
        E("InvalidIp.Address", 403, $"The specified IpAddress \"{ip}\" is not valid.");

    public static CloudErrorException IpRepeated(string ip) =>
        E("InvalidIp.IpRepeated", 403, $"The IpAddress \"{ip}\" is specified more than once.");

    public static CloudErrorException PrivateIpDuplicated(string ip) =>
        E("InvalidPrivateIpAddress.Duplicated", 400, $"The specified private IP address \"{ip}\" is already in use.");

    public static CloudErrorException IpAssigned(string ip) =>
        E("InvalidIp.IpAssigned", 403, $"The specified IpAddress \"{ip}\" is already assigned.");

    public static CloudErrorException IpUnassigned(string ip) =>
        E("InvalidIp.IpUnassigned", 403, $"The specified IpAddress \"{ip}\" is not assigned to this ENI as a secondary address.");

    // ---- ECS: tags and text ----
    public static CloudErrorException TagQuota() =>
        E("QuotaExceed.Tags", 403, "The maximum number of tags (20) has been exceeded.");

    public static CloudErrorException DuplicateTagKey(string key) =>
        E("Duplicate.TagKey", 400, $"The tag key \"{key}\" is duplicated.");

    public static CloudErrorException InvalidTagKey(string key) =>
        E("InvalidTagKey.Malformed", 400, $"The specified tag key \"{key}\" is not valid.");

    public static CloudErrorException InvalidTagValue(string value) =>
        E("InvalidTagValue.Malformed", 400, $"The specified tag value \"{value}\" is not valid.");

    public static CloudErrorException InvalidDescription() =>
        E("InvalidDescription.Malformed", 400, "The specified description is wrongly formed: 2-256 characters, not starting with http:// or https://.");

    public static CloudErrorException InvalidEniName() =>
        E("InvalidNetworkInterfaceName.Malformed", 400, "The specified NetworkInterfaceName is wrongly formed: 2-128 characters, not starting with http:// or https://.");

    // ---- VPC routes ----
    public static CloudErrorException RouteTableNotFound(string id) =>
        E("InvalidRouteTableId.NotFound", 404, $"The specified RouteTableId \"{id}\" does not exist.");

    public static CloudErrorException VpcNotFound(string id) =>
        E("InvalidVpcId.NotFound", 404, $"The specified VpcId \"{id}\" does not exist.");

    public static CloudErrorException RouteEntryIdNotFound(string id) =>
        E("InvalidRouteEntryId.NotFound", 400, $"The specified RouteEntryId \"{id}\" does not exist.");

    public static CloudErrorException RouteEntryNotFound() =>
        E("InvalidRouteEntry.NotFound", 400, "Route entry not exists.");

    public static CloudErrorException RouteQuotaExceeded() =>
        E("QuotaExceeded", 400, "Route entry quota exceeded in this route table.");

    public static CloudErrorException CidrDuplicate(string cidr) =>
        E("InvalidCIDRBlock.Duplicate", 400, $"The destination CIDR block \"{cidr}\" already exists in the route table.");

    public static CloudErrorException RouteEntryConflictDuplicated(string cidr) =>
        E("RouterEntryConflict.Duplicated", 400, $"A route entry with destination \"{cidr}\" and the same next hop already exists.");

    public static CloudErrorException CidrMalformed(string cidr) =>
        E("InvalidCidrBlock.Malformed", 400, $"The specified DestinationCidrBlock \"{cidr}\" is malformed.");

    public static CloudErrorException CidrInvalid(string cidr, string detail) =>
        E("InvalidCidrBlock", 400, $"The specified DestinationCidrBlock \"{cidr}\" is not valid. {detail}");

    public static CloudErrorException InvalidNextHopType(string type) =>
        E("InvalidNextHopType", 400, $"The specified NextHopType \"{type}\" is not supported.");

    public static CloudErrorException NextHopNotFound(string id) =>
        E("InvalidNextHopId.NotFound", 404, $"The specified NextHopId \"{id}\" does not exist in the VPC of the route table.");

    public static CloudErrorException IncorrectRouteEntryStatus(string id, string status) =>
        E("IncorrectRouteEntryStatus", 400, $"The route entry \"{id}\" is {status}; only Available entries can be changed.");

    public static CloudErrorException TaskConflict() =>
        E("TaskConflict", 400, "The operation is too frequent, please wait a moment and try again.");

    public static CloudErrorException SystemRouteDenied() =>
        E("OperationDenied", 403, "System route entries cannot be deleted.");

    /// <summary>
    /// The HTTP status the note gives for a code, used when a knob injects a code without a status.
    /// </summary>
    public static int DefaultStatusFor(string code) => code switch
    {
        "InternalError" or "Internal.Error" or "UnknownError.Internal" => 500,
        "ServiceUnavailable" or "ServiceUnavailable.RegionMaintaining" => 503,
        "OperationConflict" => 409,
        "Operation.Conflict" or "LastTokenProcessing" or "IdempotentProcessing" or "InvalidVSwitchId.IpNotEnough"
            or "EniPerInstanceLimitExceeded" or "MaxEniCountExceeded" or "Forbidden.RAM" => 403,
        "InvalidEniId.NotFound" or "InvalidEcsId.NotFound" => 404,
        _ => 400,
    };

    /// <summary>The message used for a knob-injected code.</summary>
    public static string DefaultMessageFor(string code) => code switch
    {
        "InternalError" => InternalError().Message,
        "ServiceUnavailable" => ServiceUnavailable().Message,
        "Throttling" => Throttling().Message,
        "Throttling.User" => ThrottlingUser().Message,
        "Operation.Conflict" => OperationConflictEni().Message,
        "TaskConflict" => TaskConflict().Message,
        _ => "The request failed (injected by the region simulator).",
    };
}
