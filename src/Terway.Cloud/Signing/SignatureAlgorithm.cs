namespace Terway.Cloud.Signing;

/// <summary>How requests to the ECS and VPC OpenAPI are signed.</summary>
public enum SignatureAlgorithm
{
    /// <summary>V3 <c>ACS3-HMAC-SHA256</c>: signature in the <c>Authorization</c> header (the default of current SDKs).</summary>
    V3HmacSha256 = 0,

    /// <summary>RPC <c>HMAC-SHA1</c> with <c>SignatureVersion=1.0</c>: signature as a query parameter (what Terway's V1 SDK sends).</summary>
    RpcHmacSha1 = 1,
}
