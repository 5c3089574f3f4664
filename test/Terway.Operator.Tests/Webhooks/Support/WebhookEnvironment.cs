using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Hosting;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.Hosting;

namespace Terway.Operator.Tests.Webhooks.Support;

/// <summary>
/// An emulated cluster with the repository's CRDs, RBAC and webhook configurations, and the operator's webhooks
/// running in-process as its ServiceAccount, reached by the emulator through the webhook Service.
/// </summary>
internal sealed class WebhookEnvironment : IAsyncDisposable
{
    public static readonly string[] Zones = ["cn-hangzhou-h", "cn-hangzhou-i"];

    private WebhookEnvironment(EmulatedCluster cluster, KubeManager manager, WebhookOptions options)
    {
        Cluster = cluster;
        Manager = manager;
        Options = options;
    }

    public EmulatedCluster Cluster { get; }

    public KubeManager Manager { get; }

    public WebhookOptions Options { get; }

    public WebhookServer? Server { get; private set; }

    public KubeApiClient Admin => Cluster.Admin;

    public static async Task<WebhookEnvironment> StartAsync(bool withCelRules = true)
    {
        var cluster = await EmulatedCluster.StartAsync();
        await cluster.InstallCrdsAsync(withCelRules);
        await cluster.InstallRbacAsync();
        await cluster.InstallWebhookConfigurationsAsync();
        var manager = new KubeManager(cluster.OperatorClient(), new KubeManagerOptions { MeterName = "Terway.Operator.Tests.E2E." + Guid.NewGuid().ToString("N") }, TimeProvider.System, NullLoggerFactory.Instance);
        var options = new WebhookOptions
        {
            BindAddress = "127.0.0.1",
            Port = 0,
            ExtraSubjectAlternativeNames = ["127.0.0.1"],
            DefaultVSwitchIds = ["vsw-default-h", "vsw-default-i"],
            DefaultSecurityGroupIds = ["sg-default"],
            CacheSyncTimeout = TimeSpan.FromSeconds(30),
        };
        var environment = new WebhookEnvironment(cluster, manager, options);
        await manager.StartAsync();
        await environment.StartWebhooksAsync();
        return environment;
    }

    /// <summary>Starts (or restarts) the webhook listener and points the webhook Service at it.</summary>
    public async Task StartWebhooksAsync()
    {
        Server = await WebhookServer.StartAsync(Options, Manager);
        Cluster.WebhookAddress = Server.BaseAddress;
    }

    /// <summary>Stops the listener: the Service has no endpoints, as when every replica is down.</summary>
    public async Task StopWebhooksAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
            Server = null;
        }
    }

    public async Task EnsureNamespaceAsync(string name, IDictionary<string, string>? labels = null)
    {
        await Cluster.EnsureNamespaceAsync(name, labels);
        await WaitForAsync(() => Manager.GetCache<V1Namespace>().Get(ObjectKey.Cluster(name)) is not null, $"namespace {name} in the webhook cache");
    }

    /// <summary>Creates a PodNetworking through admission, then makes it Ready (as the controller would) and waits until the webhook sees that.</summary>
    public async Task<V1Beta1PodNetworking> CreateReadyPodNetworkingAsync(V1Beta1PodNetworking podNetworking, params string[] zones)
    {
        zones = zones.Length == 0 ? Zones : zones;
        var created = await Admin.CreateAsync(podNetworking);
        created.Status = new PodNetworkingStatus
        {
            Status = NetworkingStatuses.Ready,
            VSwitches = [.. zones.Select((z, i) => new VSwitch { Id = created.Spec.VSwitchOptions![i % created.Spec.VSwitchOptions.Count], Zone = z })],
        };
        var ready = await Admin.UpdateStatusAsync(created);
        await WaitForAsync(
            () => Manager.GetCache<V1Beta1PodNetworking>().Get(ObjectKey.Cluster(ready.Metadata.Name))?.Status?.Status == NetworkingStatuses.Ready,
            $"PodNetworking {ready.Metadata.Name} Ready in the webhook cache");
        return ready;
    }

    public static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopWebhooksAsync();
        await Manager.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
