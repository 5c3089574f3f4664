using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Cloud.Resilience;
using Terway.Operator.Configuration;
using Terway.Operator.Hosting;
using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Integration;

/// <summary>
/// The operator, in process, as a control-plane component: its own ServiceAccount token (RBAC from
/// <c>config/rbac</c> applies), the simulated region's AccessKey, the pod vSwitch of every zone and the pod
/// security group as defaults, and its webhooks registered as the in-cluster Service the API server calls.
/// </summary>
internal sealed class OperatorComponent(SandboxContext context) : ISandboxComponent
{
    /// <summary>The cluster ID the sandbox's ENIs are tagged with (<c>ack.aliyun.com</c>).</summary>
    public const string ClusterId = "c-sandbox";

    private OperatorHost? _host;

    /// <inheritdoc />
    public string Name => "operator";

    /// <summary>The operator configuration the sandbox uses (Terway's keys).</summary>
    private static OperatorOptions OptionsFor(SandboxCloudInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new OperatorOptions
        {
            RegionId = info.RegionId,
            ClusterId = ClusterId,
            VpcId = info.VpcId,
            VSwitches = info.Zones.ToDictionary(z => z.ZoneId, z => (IList<string>)[z.PodVSwitchId], StringComparer.Ordinal),
            SecurityGroupIds = [info.PodSecurityGroupId],
            HealthzBindAddress = "127.0.0.1:0",
            MetricsBindAddress = "127.0.0.1:0",
            WebhookPort = 0,
            WebhookBindAddress = "127.0.0.1",
            // The emulator checks the serving certificate against the URL it calls.
            WebhookExtraSans = ["127.0.0.1"],
            Cloud = new CloudSettings { EcsEndpoint = info.Endpoint, VpcEndpoint = info.Endpoint },
        };
    }

    /// <summary>
    /// Cloud client options for the sandbox: only the simulator's AccessKey, and Terway's per-minute limits
    /// multiplied by the simulator's time scale, so client and simulator keep the same bound.
    /// </summary>
    private static AlibabaCloudOptions CloudOptionsFor(OperatorOptions options, double timeScale)
    {
        var cloud = OperatorHost.CloudOptionsFrom(options);
        cloud.ReadEnvironment = false;
        if (timeScale > 1)
        {
            foreach (var (api, perMinute) in ApiRateLimits.Defaults)
            {
                cloud.RateLimitsPerMinute.TryAdd(api, Scale(perMinute, timeScale));
            }

            cloud.DefaultRateLimitPerMinute = Scale(cloud.DefaultRateLimitPerMinute, timeScale);
        }

        return cloud;
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken ct)
    {
        var info = context.CloudInfo;
        var options = OptionsFor(info);
        var cloud = CloudOptionsFor(options, context.Options.TimeScale);
        _host = await OperatorHost.StartAsync(options, context.OperatorClientConfiguration(), cloud, new OperatorHostOptions
        {
            LoggerFactory = context.LoggerFactory,
            CloudCredentials = CloudCredentialProviders.Static(info.AccessKeyId, info.AccessKeySecret),
            GracefulShutdownTimeout = TimeSpan.FromSeconds(10),
        }, ct).ConfigureAwait(false);

        // StartAsync returns with caches synced, the caBundle patched and the listener up.
        if (_host.Webhooks is { } webhooks)
        {
            context.Services.Register(Crds.Names.InstallNames.Namespace, Crds.Names.InstallNames.WebhookService, 443, webhooks.BaseAddress);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(graceful: true).ConfigureAwait(false);
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static int Scale(int perMinute, double timeScale) => (int)Math.Min(int.MaxValue, Math.Ceiling(perMinute * timeScale));
}
