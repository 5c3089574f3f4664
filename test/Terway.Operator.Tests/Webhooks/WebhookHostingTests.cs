using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Terway.Crds.Names;
using Terway.Kube.Client;
using Terway.Kube.Hosting;
using Terway.Operator.Tests.Webhooks.Support;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.Hosting;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

/// <summary>The webhooks wired into a generic host the way Program.cs does it.</summary>
[TestFixture]
[Category("Integration")]
public sealed class WebhookHostingTests
{
    [Test]
    public async Task AddTerwayWebhooks_HostStarts_CertificateSyncedListenerServesThroughTheApiServer()
    {
        await using var cluster = await EmulatedCluster.StartAsync();
        await cluster.InstallCrdsAsync();
        await cluster.InstallRbacAsync();
        await cluster.InstallWebhookConfigurationsAsync();
        var token = cluster.Emulator.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.Operator);

        var builder = Host.CreateApplicationBuilder();
        builder.Services
            .AddKubeManager(o =>
            {
                o.ClientConfiguration = cluster.Emulator.CreateClientConfiguration(token);
                o.Manager = new KubeManagerOptions { MeterName = "Terway.Operator.Tests.Hosting." + Guid.NewGuid().ToString("N") };
            });
        builder.Services.AddTerwayWebhooks(new WebhookOptions
        {
            BindAddress = "127.0.0.1",
            Port = 0,
            ExtraSubjectAlternativeNames = ["127.0.0.1"],
            CacheSyncTimeout = TimeSpan.FromSeconds(30),
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var listener = host.Services.GetServices<IHostedService>().OfType<WebhookListenerService>().Single();
            await WebhookEnvironment.WaitForAsync(() => listener.Server is not null, "the webhook listener");
            cluster.WebhookAddress = listener.Server!.BaseAddress;
            await cluster.Admin.CreateAsync(PodNetworking("hosted", podSelector: MatchLabels(("app", "web"))));

            var secret = await cluster.Admin.GetAsync<V1Secret>(new ObjectKey(InstallNames.Namespace, InstallNames.WebhookCertSecret));
            var mutating = await cluster.Admin.GetAsync<V1MutatingWebhookConfiguration>(ObjectKey.Cluster(InstallNames.WebhookConfiguration));
            Assert.That(mutating.Webhooks.Single().ClientConfig.CaBundle, Is.EqualTo(secret.Data["ca.crt"]));
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
