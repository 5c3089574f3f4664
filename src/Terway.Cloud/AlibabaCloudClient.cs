using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Metadata;
using Terway.Cloud.Telemetry;
using Terway.Cloud.Transport;
using Terway.Cloud.Vpc;

namespace Terway.Cloud;

/// <summary>
/// The client's entry point: ECS and VPC operations, instance metadata and the credential provider,
/// sharing one HTTP connection pool, rate limiters and telemetry. Thread-safe; create one per process.
/// </summary>
public sealed class AlibabaCloudClient : IDisposable
{
    private readonly OpenApiInvoker _invoker;
    private readonly InstanceMetadataClient _metadata;
    private readonly CloudTelemetry _telemetry;
    private readonly IDisposable? _ownedCredentials;
    private readonly HttpMessageHandler? _ownedHandler;

    private AlibabaCloudClient(OpenApiInvoker invoker, InstanceMetadataClient metadata, CloudTelemetry telemetry, ICloudCredentialProvider credentials, IDisposable? ownedCredentials, HttpMessageHandler? ownedHandler)
    {
        _invoker = invoker;
        _metadata = metadata;
        _telemetry = telemetry;
        _ownedCredentials = ownedCredentials;
        _ownedHandler = ownedHandler;
        Credentials = credentials;
        Ecs = new EcsClient(invoker);
        Vpc = new VpcClient(invoker);
    }

    /// <summary>ECS operations.</summary>
    public IEcsClient Ecs { get; }

    /// <summary>VPC operations.</summary>
    public IVpcClient Vpc { get; }

    /// <summary>Instance metadata (IMDSv2) at <see cref="CloudCredentialOptions.MetadataEndpoint"/>.</summary>
    public IInstanceMetadataClient Metadata => _metadata;

    /// <summary>The credential provider in use.</summary>
    public ICloudCredentialProvider Credentials { get; }

    /// <summary>The ECS endpoint in use.</summary>
    public Uri EcsEndpoint => _invoker.EndpointOf(CloudProduct.Ecs);

    /// <summary>The VPC endpoint in use.</summary>
    public Uri VpcEndpoint => _invoker.EndpointOf(CloudProduct.Vpc);

    internal OpenApiInvoker Invoker => _invoker;

    /// <summary>
    /// How long a call of <paramref name="api"/> (e.g. <c>CreateNetworkInterface</c>) made now would wait for the
    /// client's per-API rate limiter; zero when it would go out at once. Nothing is reserved: a controller uses it to
    /// requeue work behind a saturated API instead of holding a worker in the limiter while other work could run.
    /// </summary>
    /// <param name="api">The operation name.</param>
    public TimeSpan RateLimitDelay(string api) => _invoker.LimiterOf(api).TimeUntilAvailable();

    /// <summary>Creates a client.</summary>
    /// <param name="options">Region, endpoints, signature, limits, timeouts, retries, credential sources.</param>
    /// <param name="credentials">Credential provider; null builds the default chain from <see cref="AlibabaCloudOptions.Credentials"/>.</param>
    /// <param name="handler">HTTP handler (tests pass a fake); null uses a pooled <see cref="SocketsHttpHandler"/>. Not disposed if given.</param>
    /// <param name="timeProvider">Clock for signing timestamps, backoff, rate limits and credential expiry.</param>
    /// <param name="loggerFactory">Logging; secrets never reach it.</param>
    /// <param name="meterFactory">Meter factory (DI); null creates a private <see cref="Meter"/> named <see cref="CloudTelemetryNames.Name"/>.</param>
    public static AlibabaCloudClient Create(
        AlibabaCloudOptions options,
        ICloudCredentialProvider? credentials = null,
        HttpMessageHandler? handler = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = timeProvider ?? TimeProvider.System;
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        HttpMessageHandler? owned = null;
        if (handler is null)
        {
            owned = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) };
            handler = owned;
        }

        var metadata = new InstanceMetadataClient(handler, disposeHandler: false, options.Credentials.MetadataEndpoint, time, options.Credentials.RequestTimeout, logs.CreateLogger("Terway.Cloud.Metadata"));
        IDisposable? ownedCredentials = null;
        if (credentials is null)
        {
            var chain = CloudCredentialProviders.BuildChain(options.Credentials, options.Environment, handler, metadata, time, logs);
            credentials = chain;
            ownedCredentials = chain;
        }

        var telemetry = new CloudTelemetry(meterFactory);
        var invoker = new OpenApiInvoker(options, credentials, handler, disposeHandler: false, time, logs, telemetry);
        return new AlibabaCloudClient(invoker, metadata, telemetry, credentials, ownedCredentials, owned);
    }

    /// <summary>Releases connections, limiters and the meter (if owned).</summary>
    public void Dispose()
    {
        _invoker.Dispose();
        _metadata.Dispose();
        _ownedCredentials?.Dispose();
        _telemetry.Dispose();
        _ownedHandler?.Dispose();
    }
}
