namespace Terway.Sandbox.Cloud;

/// <summary>
/// A rejection the simulated cloud answers with: the error <see cref="Code"/> and HTTP status the
/// real ECS/VPC OpenAPI uses for the same situation, and a human-readable message. Thrown by the
/// region model and by the request authenticator; the HTTP layer renders it as the
/// <c>{RequestId, HostId, Code, Message, Recommend}</c> error body.
/// </summary>
public sealed class CloudErrorException : Exception
{
    /// <summary>Creates the error.</summary>
    public CloudErrorException(string code, int httpStatus, string message)
        : base(message)
    {
        Code = code;
        HttpStatus = httpStatus;
    }

    /// <summary>The error code exactly as the cloud spells it, e.g. <c>InvalidVSwitchId.IpNotEnough</c>.</summary>
    public string Code { get; }

    /// <summary>The HTTP status the cloud answers this error with.</summary>
    public int HttpStatus { get; }
}
