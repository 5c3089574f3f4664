using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud.Vpc;
using Terway.Kube.Client;
using Terway.Kube.Hosting;
using Terway.Operator.Certificates;
using Terway.Operator.Webhooks.PodNetworkings;
using Terway.Operator.Webhooks.State;

namespace Terway.Operator.Webhooks.Hosting;

/// <summary>Registers the admission webhooks and their certificate management in a generic host.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Adds the webhooks: a hosted service that keeps the certificate Secret and the webhook configurations' caBundle
    /// in sync (every replica), and a hosted service that, once a certificate is loaded and the PodNetworking,
    /// Namespace and PodENI caches have synced, serves HTTPS on <see cref="WebhookOptions.Port"/> with its own Kestrel
    /// server. Needs <see cref="IKubeApiClient"/> and <see cref="KubeManager"/> (from <c>AddKubeManager</c>). The
    /// cloud vSwitch check uses a registered <see cref="IVSwitchLookup"/>, else <see cref="VpcVSwitchLookup"/> over a
    /// registered <see cref="IVpcClient"/> (from <c>AddAlibabaCloudClient</c>), else none. Neither service needs
    /// leadership. A listener that cannot start (port taken) fails its hosted service, which stops the host.
    /// </summary>
    public static IServiceCollection AddTerwayWebhooks(this IServiceCollection services, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new WebhookCertificateManager(
            sp.GetRequiredService<IKubeApiClient>(),
            options,
            sp.GetRequiredService<TimeProvider>(),
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<WebhookCertificateManager>()));
        services.AddSingleton<IAdmissionState>(sp => new KubeCacheAdmissionState(sp.GetRequiredService<KubeManager>()));
        services.AddHostedService<WebhookCertificateService>();
        services.AddHostedService(sp => new WebhookListenerService(
            options,
            sp.GetRequiredService<WebhookCertificateManager>(),
            sp.GetRequiredService<IAdmissionState>(),
            sp.GetService<IVSwitchLookup>() ?? (sp.GetService<IVpcClient>() is { } vpc ? new VpcVSwitchLookup(vpc) : null),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetRequiredService<KubeManager>().Metrics.MeterName));
        return services;
    }
}

/// <summary>Runs the certificate sync loop for the life of the host.</summary>
internal sealed class WebhookCertificateService(WebhookCertificateManager certificates) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => certificates.RunAsync(stoppingToken);
}

/// <summary>Starts the HTTPS listener once a certificate is loaded and the caches are synced; stops it with the host.</summary>
internal sealed class WebhookListenerService(
    WebhookOptions options,
    WebhookCertificateManager certificates,
    IAdmissionState state,
    IVSwitchLookup? vSwitchLookup,
    ILoggerFactory loggerFactory,
    string meterName) : BackgroundService
{
    private WebhookServer? _server;

    /// <summary>The running listener, once started.</summary>
    public WebhookServer? Server => Volatile.Read(ref _server);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await certificates.WhenReady.WaitAsync(stoppingToken);
        await WebhookServer.WaitForCachesAsync(state, options.CacheSyncTimeout, stoppingToken);
        var server = await WebhookServer.StartListenerAsync(options, state, certificates, vSwitchLookup, loggerFactory, meterName, null, null, stoppingToken);
        Volatile.Write(ref _server, server);
    }
}
