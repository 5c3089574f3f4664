using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud.Metadata;
using Terway.Cloud.Transport;

namespace Terway.Cloud.Credentials;

/// <summary>Builds credential providers.</summary>
public static class CloudCredentialProviders
{
    /// <summary>A fixed AccessKey (or STS triple) that never refreshes.</summary>
    /// <param name="accessKeyId">AccessKey ID.</param>
    /// <param name="accessKeySecret">AccessKey secret.</param>
    /// <param name="securityToken">STS token, if temporary.</param>
    public static ICloudCredentialProvider Static(string accessKeyId, string accessKeySecret, string? securityToken = null) =>
        new StaticCredentialProvider(new CloudCredential(accessKeyId, accessKeySecret, securityToken));

    /// <summary>
    /// The default chain (reference §7), first success wins and sticks: fixed AccessKey from options → environment
    /// AccessKey/STS → RRSA (AssumeRoleWithOIDC) → mounted credentials file → ECS RAM role via IMDSv2.
    /// </summary>
    /// <param name="options">Credential options.</param>
    /// <param name="handler">HTTP handler for STS and IMDS (not disposed by the providers).</param>
    /// <param name="timeProvider">Clock for expiry and refresh.</param>
    /// <param name="loggerFactory">Logging.</param>
    public static ICloudCredentialProvider DefaultChain(CloudCredentialOptions options, HttpMessageHandler handler, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null) =>
        BuildChain(options, System.Environment.GetEnvironmentVariable, handler, metadata: null, timeProvider ?? TimeProvider.System, loggerFactory ?? NullLoggerFactory.Instance);

    internal static CredentialChain BuildChain(
        CloudCredentialOptions options,
        Func<string, string?> env,
        HttpMessageHandler handler,
        IInstanceMetadataClient? metadata,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("Terway.Cloud.Credentials");
        var providers = new List<ICloudCredentialProvider>();
        if (!string.IsNullOrEmpty(options.AccessKeyId) && !string.IsNullOrEmpty(options.AccessKeySecret))
        {
            providers.Add(new StaticCredentialProvider(new CloudCredential(options.AccessKeyId, options.AccessKeySecret, options.SecurityToken, source: "options"), "options"));
        }

        var environment = new EnvironmentCredentialProvider(env);
        if (environment.IsConfigured)
        {
            providers.Add(environment);
        }

        var roleArn = options.RoleArn ?? env("ALIBABA_CLOUD_ROLE_ARN");
        var providerArn = options.OidcProviderArn ?? env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
        var tokenFile = options.OidcTokenFile ?? env("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
        if (!string.IsNullOrEmpty(roleArn) && !string.IsNullOrEmpty(providerArn) && !string.IsNullOrEmpty(tokenFile))
        {
            var session = options.RoleSessionName ?? env("ALIBABA_CLOUD_ROLE_SESSION_NAME");
            if (string.IsNullOrEmpty(session))
            {
                session = "terway-" + time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            providers.Add(new OidcRoleCredentialProvider(handler, ResolveStsEndpoint(options, env), roleArn, providerArn, tokenFile, session, options.AssumeRoleDuration, options.RequestTimeout, time, logger, options.RefreshMargin));
        }

        var file = options.CredentialsFile ?? env("ALIBABA_CLOUD_CREDENTIALS_FILE") ?? env("ALICLOUD_CREDENTIALS_FILE");
        var explicitFile = !string.IsNullOrEmpty(file);
        if (!explicitFile)
        {
            var home = env("HOME");
            file = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".alibabacloud", "credentials");
        }

        if (!string.IsNullOrEmpty(file) && (explicitFile || File.Exists(file)))
        {
            var profile = env("ALIBABA_CLOUD_PROFILE");
            providers.Add(new CredentialsFileProvider(file, string.IsNullOrEmpty(profile) ? "default" : profile, time, logger, options.RefreshMargin, options.FileRefreshInterval));
        }

        var ramDisabled = options.DisableEcsRamRole || string.Equals(env("ALIBABA_CLOUD_ECS_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ramDisabled)
        {
            metadata ??= new InstanceMetadataClient(handler, disposeHandler: false, options.MetadataEndpoint, time, options.RequestTimeout, loggerFactory.CreateLogger("Terway.Cloud.Metadata"));
            var role = options.RamRoleName ?? env("ALIBABA_CLOUD_ECS_METADATA");
            providers.Add(new EcsRamRoleCredentialProvider(metadata, string.IsNullOrEmpty(role) ? null : role, time, logger, options.RefreshMargin));
        }

        return new CredentialChain(providers, logger);
    }

    internal static Uri ResolveStsEndpoint(CloudCredentialOptions options, Func<string, string?> env)
    {
        if (options.StsEndpoint is { } explicitEndpoint)
        {
            return explicitEndpoint;
        }

        var fromEnv = env("ALIBABA_CLOUD_STS_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return EndpointResolver.Parse(fromEnv.Trim(), "https");
        }

        var region = env("ALIBABA_CLOUD_STS_REGION");
        if (!string.IsNullOrEmpty(region))
        {
            var vpc = string.Equals(env("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"), "true", StringComparison.OrdinalIgnoreCase) ? "-vpc" : string.Empty;
            return new Uri($"https://sts{vpc}.{region}.aliyuncs.com/");
        }

        return new Uri("https://sts.aliyuncs.com/");
    }
}
