using Terway.Cloud.Signing;

namespace Terway.Cloud;

/// <summary>Which network the regional endpoints are reached over.</summary>
public enum CloudEndpointType
{
    /// <summary>VPC-internal endpoints <c>ecs-vpc.&lt;region&gt;.aliyuncs.com</c>, <c>vpc-vpc.&lt;region&gt;.aliyuncs.com</c> (Terway's default).</summary>
    Vpc = 0,

    /// <summary>Public endpoints <c>ecs.&lt;region&gt;.aliyuncs.com</c>, <c>vpc.&lt;region&gt;.aliyuncs.com</c>.</summary>
    Public = 1,
}

/// <summary>Configuration of the Alibaba Cloud OpenAPI client.</summary>
public sealed class AlibabaCloudOptions
{
    /// <summary>Region ID, e.g. <c>cn-hangzhou</c>. Sent as <c>RegionId</c> on every call and used in endpoint names.</summary>
    public string RegionId { get; set; } = string.Empty;

    /// <summary>VPC-internal (default) or public endpoints. The environment variable <c>ALICLOUD_ENDPOINT_TYPE=public</c> selects public too.</summary>
    public CloudEndpointType EndpointType { get; set; } = CloudEndpointType.Vpc;

    /// <summary>Use https for derived endpoints (default). <c>ALICLOUD_CLIENT_SCHEME=HTTP</c> turns it off.</summary>
    public bool UseHttps { get; set; } = true;

    /// <summary>Explicit ECS endpoint (http or https URI, e.g. a simulator on loopback). Wins over <c>ECS_ENDPOINT</c> and the derived name.</summary>
    public Uri? EcsEndpoint { get; set; }

    /// <summary>Explicit VPC endpoint. Wins over <c>VPC_ENDPOINT</c> and the derived name.</summary>
    public Uri? VpcEndpoint { get; set; }

    /// <summary>Honour <c>ECS_ENDPOINT</c>, <c>VPC_ENDPOINT</c>, <c>ALICLOUD_ENDPOINT_TYPE</c>, <c>ALICLOUD_CLIENT_SCHEME</c> as Terway does (default true).</summary>
    public bool ReadEnvironment { get; set; } = true;

    /// <summary>Signature algorithm; V3 <c>ACS3-HMAC-SHA256</c> by default.</summary>
    public SignatureAlgorithm SignatureAlgorithm { get; set; } = SignatureAlgorithm.V3HmacSha256;

    /// <summary>Client-side limit per API in requests per minute (burst = limit). Missing APIs use <see cref="Resilience.ApiRateLimits.Defaults"/>, then <see cref="DefaultRateLimitPerMinute"/>.</summary>
    public Dictionary<string, int> RateLimitsPerMinute { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Limit for APIs not listed anywhere (Terway: 500 per minute).</summary>
    public int DefaultRateLimitPerMinute { get; set; } = Resilience.ApiRateLimits.DefaultPerMinute;

    /// <summary>
    /// How the per-API limits are enforced: <see cref="Resilience.RateLimitMode.RollingMinute"/> (default: never more
    /// than the limit in any 60 s, so a limit at or below the cloud's is never throttled) or Terway's continuously
    /// refilled <see cref="Resilience.RateLimitMode.TokenBucket"/>.
    /// </summary>
    public Resilience.RateLimitMode RateLimitMode { get; set; } = Resilience.RateLimitMode.RollingMinute;

    /// <summary>Timeout of one HTTP attempt (Terway's SDK: 20 s).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Timeout of a whole call including rate-limit waits and retries.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retry policy.</summary>
    public CloudRetryOptions Retry { get; set; } = new();

    /// <summary>Credential sources; used when no <see cref="Credentials.ICloudCredentialProvider"/> is given explicitly.</summary>
    public CloudCredentialOptions Credentials { get; set; } = new();

    /// <summary>User-Agent header.</summary>
    public string UserAgent { get; set; } = "Terway.NET/1.0";

    /// <summary>Bodies larger than this are rejected as malformed (protects against a runaway response).</summary>
    public int MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Environment lookup; tests replace it. Defaults to the process environment.</summary>
    internal Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;
}

/// <summary>Retry policy: jittered exponential backoff on throttling, 5xx, network errors, timeouts, malformed responses and conflicts.</summary>
public sealed class CloudRetryOptions
{
    /// <summary>Retries after the first attempt (0 disables retries).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>First backoff delay; later ones double.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of one backoff delay (also caps the server's TimeLeft hint).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retry <see cref="Errors.CloudErrorKind.Conflict"/> errors (TaskConflict, OperationConflict, ...).</summary>
    public bool RetryConflicts { get; set; } = true;

    /// <summary>Randomise delays so that many callers do not retry in lockstep.</summary>
    public bool UseJitter { get; set; } = true;
}

/// <summary>Where credentials come from (reference §7). Empty settings fall back to the standard environment variables.</summary>
public sealed class CloudCredentialOptions
{
    /// <summary>A fixed AccessKey ID (with <see cref="AccessKeySecret"/>); wins over every other source.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>A fixed AccessKey secret.</summary>
    public string? AccessKeySecret { get; set; }

    /// <summary>A fixed STS security token to go with the fixed AccessKey.</summary>
    public string? SecurityToken { get; set; }

    /// <summary>A mounted credentials file (JSON <c>AccessKeyId/AccessKeySecret/SecurityToken/Expiration</c>, or the INI file of the official tools). Default: <c>ALIBABA_CLOUD_CREDENTIALS_FILE</c>, <c>ALICLOUD_CREDENTIALS_FILE</c>, then <c>~/.alibabacloud/credentials</c>.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>RRSA role ARN (default <c>ALIBABA_CLOUD_ROLE_ARN</c>).</summary>
    public string? RoleArn { get; set; }

    /// <summary>RRSA OIDC provider ARN (default <c>ALIBABA_CLOUD_OIDC_PROVIDER_ARN</c>).</summary>
    public string? OidcProviderArn { get; set; }

    /// <summary>RRSA projected OIDC token file (default <c>ALIBABA_CLOUD_OIDC_TOKEN_FILE</c>).</summary>
    public string? OidcTokenFile { get; set; }

    /// <summary>Role session name for AssumeRoleWithOIDC (default <c>ALIBABA_CLOUD_ROLE_SESSION_NAME</c>, else <c>terway-&lt;unix-ms&gt;</c>).</summary>
    public string? RoleSessionName { get; set; }

    /// <summary>Requested lifetime of STS credentials (900 s minimum).</summary>
    public TimeSpan AssumeRoleDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>STS endpoint (default <c>ALIBABA_CLOUD_STS_ENDPOINT</c>, else derived from <c>ALIBABA_CLOUD_STS_REGION</c>, else <c>sts.aliyuncs.com</c>). Tests point it at loopback.</summary>
    public Uri? StsEndpoint { get; set; }

    /// <summary>Instance metadata service base URI (default <c>http://100.100.100.200</c>). Tests point it at loopback.</summary>
    public Uri MetadataEndpoint { get; set; } = new("http://100.100.100.200");

    /// <summary>RAM role of the ECS instance (default <c>ALIBABA_CLOUD_ECS_METADATA</c>, else discovered from metadata).</summary>
    public string? RamRoleName { get; set; }

    /// <summary>Do not use the ECS RAM role (also <c>ALIBABA_CLOUD_ECS_METADATA_DISABLED=true</c>).</summary>
    public bool DisableEcsRamRole { get; set; }

    /// <summary>Temporary credentials are refreshed when this close to expiry.</summary>
    public TimeSpan RefreshMargin { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>A credentials file without an expiry is re-read this often (Terway: 30 min).</summary>
    public TimeSpan FileRefreshInterval { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Timeout of one STS or metadata request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
