using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Handlers;
using Terway.Kube.Health;
using Terway.Kube.Hosting;
using Terway.Kube.LeaderElection;
using Terway.Kube.Queues;
using Terway.Operator.Cloud;
using Terway.Operator.Configuration;
using Terway.Operator.Controllers.Gc;
using Terway.Operator.Controllers.Node;
using Terway.Operator.Controllers.PodEni;
using Terway.Operator.Controllers.PodNetworking;
using Terway.Operator.Controllers.Shared;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.Hosting;
using Terway.Operator.Webhooks.PodNetworkings;

namespace Terway.Operator.Hosting;

/// <summary>How the operator is hosted in a process (beyond its configuration).</summary>
public sealed class OperatorHostOptions
{
    /// <summary>Logging; none by default.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock (tests may pass a fake one); the system clock by default.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Leader-election identity and events' reporting instance; default <c>POD_NAME</c>, else host name plus a random suffix.</summary>
    public string? Identity { get; init; }

    /// <summary>Cloud credentials when the host builds the cloud client (else the client's credentials chain).</summary>
    public ICloudCredentialProvider? CloudCredentials { get; init; }

    /// <summary>How long a graceful stop may take.</summary>
    public TimeSpan GracefulShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>IP the admission webhooks bind, overriding <c>webhookBindAddress</c> of the configuration (<c>127.0.0.1</c> in tests and the sandbox).</summary>
    public string? WebhookBindAddress { get; init; }

    /// <summary>Extra names or IPs for the webhook serving certificate, added to <c>webhookExtraSANs</c> of the configuration (e.g. <c>127.0.0.1</c> when the API server calls a URL).</summary>
    public IReadOnlyList<string> WebhookSubjectAlternativeNames { get; init; } = [];
}

/// <summary>
/// The operator running in this process: its controllers (PodNetworking, node/trunk ENI, PodENI, ENI garbage
/// collection) on a <see cref="KubeManager"/> with leader election, health and metrics. Start it with
/// <see cref="StartAsync(OperatorOptions, KubernetesClientConfiguration, AlibabaCloudOptions, OperatorHostOptions?, CancellationToken)"/>
/// (the host owns the cloud client and can simulate a crash) or with an existing <see cref="AlibabaCloudClient"/>;
/// stop it with <see cref="StopAsync"/>.
/// </summary>
public sealed class OperatorHost : IAsyncDisposable
{
    private static int _instances;
    private readonly KillSwitch _killSwitch;
    private readonly Kubernetes _kubernetes;
    private readonly AlibabaCloudClient? _ownedCloud;
    private readonly HttpMessageHandler? _ownedCloudHandler;
    private readonly OperatorMetrics _metrics;
    private int _stopped;

    private OperatorHost(OperatorOptions options, string identity, KillSwitch killSwitch, Kubernetes kubernetes, KubeManager manager,
        OperatorContext context, GarbageCollector? gc, OperatorMetrics metrics, AlibabaCloudClient? ownedCloud, HttpMessageHandler? ownedCloudHandler, WebhookServer? webhooks)
    {
        Webhooks = webhooks;
        Options = options;
        Identity = identity;
        _killSwitch = killSwitch;
        _kubernetes = kubernetes;
        Manager = manager;
        Context = context;
        GarbageCollector = gc;
        _metrics = metrics;
        _ownedCloud = ownedCloud;
        _ownedCloudHandler = ownedCloudHandler;
    }

    /// <summary>The configuration it runs with.</summary>
    public OperatorOptions Options { get; }

    /// <summary>Its leader-election identity.</summary>
    public string Identity { get; }

    /// <summary>Where <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> are served (null when disabled).</summary>
    public Uri? HealthAddress => Manager.HealthServer?.Address;

    /// <summary>The admission webhooks' server (its <c>BaseAddress</c> and <c>CaBundlePem</c>), or null when <c>disableWebhook</c> is set.</summary>
    public WebhookServer? Webhooks { get; }

    /// <summary>Whether this instance holds the leader lease (always true without leader election).</summary>
    public bool IsLeader => Manager.IsLeader;

    /// <summary>Whether <c>/readyz</c> would pass: caches synced, taking part in the election (as leader or standby) and, unless disabled, the webhooks listening.</summary>
    public bool IsReady => Manager.CheckReadiness().All(c => c.Ok);

    internal KubeManager Manager { get; }

    internal OperatorContext Context { get; }

    internal GarbageCollector? GarbageCollector { get; }

    /// <summary>Starts the operator; the host builds (and later disposes) the cloud client from <paramref name="cloud"/>.</summary>
    public static Task<OperatorHost> StartAsync(OperatorOptions options, KubernetesClientConfiguration kubernetes, AlibabaCloudOptions cloud, OperatorHostOptions? host = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        host ??= new OperatorHostOptions();
        var killSwitch = new KillSwitch();
        var handler = new KillSwitchHandler(killSwitch)
        {
            InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) },
        };
        var client = AlibabaCloudClient.Create(cloud, host.CloudCredentials, handler, host.TimeProvider, host.LoggerFactory);
        return StartCoreAsync(options, kubernetes, client, host, killSwitch, client, handler, cancellationToken);
    }

    /// <summary>Starts the operator on an existing cloud client (not disposed by the host).</summary>
    public static Task<OperatorHost> StartAsync(OperatorOptions options, KubernetesClientConfiguration kubernetes, AlibabaCloudClient cloud, OperatorHostOptions? host = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        return StartCoreAsync(options, kubernetes, cloud, host ?? new OperatorHostOptions(), new KillSwitch(), null, null, cancellationToken);
    }

    /// <summary>The cloud client options the configuration implies (region, endpoints, rate limits, timeouts, credentials file).</summary>
    public static AlibabaCloudOptions CloudOptionsFrom(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cloud = new AlibabaCloudOptions
        {
            RegionId = options.RegionId,
            EcsEndpoint = options.Cloud.EcsEndpoint,
            VpcEndpoint = options.Cloud.VpcEndpoint,
            EndpointType = options.Cloud.EndpointType == "public" ? CloudEndpointType.Public : CloudEndpointType.Vpc,
            AttemptTimeout = options.Cloud.AttemptTimeout,
            CallTimeout = options.Cloud.CallTimeout,
        };
        foreach (var (api, perMinute) in options.RateLimit)
        {
            cloud.RateLimitsPerMinute[api] = perMinute;
        }

        cloud.Credentials.CredentialsFile = options.Cloud.CredentialPath;
        cloud.Credentials.RamRoleName = options.Cloud.RamRoleName;
        return cloud;
    }

    /// <summary>
    /// The webhook settings the configuration implies (Terway's keys: <c>webhookPort</c>, <c>controllerNamespace</c>,
    /// <c>clusterDomain</c>, <c>enableTrunk</c>, <c>enableWebhookInjectResource</c>, <c>customStatefulWorkloadKinds</c>,
    /// <c>vpcID</c>; the default vSwitches of every zone, sorted, and the default security groups, as Terway
    /// takes them from eni-config).
    /// </summary>
    public static WebhookOptions WebhookOptionsFrom(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new WebhookOptions
        {
            Port = options.WebhookPort,
            BindAddress = options.WebhookBindAddress,
            ExtraSubjectAlternativeNames = [.. options.WebhookExtraSans],
            Namespace = options.ControllerNamespace,
            ClusterDomain = options.ClusterDomain,
            EnableTrunk = options.EnableTrunk,
            EnableWebhookInjectResource = options.EnableWebhookInjectResource,
            CustomStatefulWorkloadKinds = [.. options.CustomStatefulWorkloadKinds],
            DefaultVSwitchIds = [.. options.VSwitches.Values.SelectMany(v => v).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            DefaultSecurityGroupIds = [.. options.SecurityGroupIds],
            VpcId = options.VpcId,
        };
    }

    /// <summary>
    /// Stops the operator. Graceful: in-flight work drains, the leader lease is released. Not graceful (a
    /// simulated crash): every HTTP exchange is cut first, so nothing more reaches the API server or the
    /// cloud and the lease is left to expire.
    /// </summary>
    public async Task StopAsync(bool graceful = true)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (!graceful)
        {
            _killSwitch.Trip();
        }

        using var deadline = new CancellationTokenSource(graceful ? TimeSpan.FromMinutes(2) : TimeSpan.FromSeconds(5));
        try
        {
            if (Webhooks is not null)
            {
                await Webhooks.DisposeAsync();
            }

            await Manager.StopAsync(deadline.Token);
        }
        finally
        {
            await Manager.DisposeAsync();
            _metrics.Dispose();
            _kubernetes.Dispose();
            _ownedCloud?.Dispose();
            _ownedCloudHandler?.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync(graceful: true);

    private static async Task<OperatorHost> StartCoreAsync(OperatorOptions options, KubernetesClientConfiguration kubernetesConfig, AlibabaCloudClient cloud, OperatorHostOptions host,
        KillSwitch killSwitch, AlibabaCloudClient? ownedCloud, HttpMessageHandler? ownedHandler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(kubernetesConfig);
        options.Validate();
        var time = host.TimeProvider ?? TimeProvider.System;
        var loggers = host.LoggerFactory ?? NullLoggerFactory.Instance;
        var identity = host.Identity ?? (Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}_{Guid.NewGuid():N}");
        var meterName = $"Terway.Operator.{Interlocked.Increment(ref _instances)}";
        var kubernetes = new Kubernetes(kubernetesConfig, new KillSwitchHandler(killSwitch));
        var client = new KubeApiClient(kubernetes, TimeSpan.FromSeconds(30));
        var manager = new KubeManager(client, new KubeManagerOptions
        {
            MeterName = meterName,
            LeaderElection = options.LeaderElection
                ? new LeaderElectionOptions
                {
                    LeaseNamespace = options.ControllerNamespace,
                    LeaseName = options.ControllerName,
                    Identity = identity,
                    LeaseDuration = options.LeaseDuration,
                    RenewDeadline = options.RenewDeadline,
                    RetryPeriod = options.RetryPeriod,
                }
                : null,
            Events = new EventRecorderOptions { ReportingController = "terway.alibabacloud.com/terway-operator", ReportingInstance = identity },
            HealthServer = HealthServerFrom(options),
            GracefulShutdownTimeout = host.GracefulShutdownTimeout,
        }, time, loggers);
        var metrics = new OperatorMetrics(meterName);
        var context = new OperatorContext
        {
            Options = options,
            Manager = manager,
            Client = client,
            Enis = new EniService(cloud.Ecs, options.ClusterId, options.VpcId),
            VSwitches = new VSwitchPool(cloud.Vpc, options.VSwitchCacheTtl, time),
            InstanceTypes = new InstanceTypeCache(cloud.Ecs),
            SecurityGroups = new SecurityGroupLookup(cloud.Ecs, options.VpcId),
            Events = manager.Events,
            Metrics = metrics,
            Time = time,
            LoggerFactory = loggers,
            Polls = new PollTracker(time),
            RateLimitDelay = cloud.RateLimitDelay,
        };

        GarbageCollector? gc = null;
        WebhookServer? webhooks = null;
        try
        {
            gc = Register(context);
            if (!options.DisableWebhook)
            {
                // /readyz fails until the listener is up: a replica whose Service endpoint the API server may
                // call must be able to answer admission reviews (with failurePolicy Fail, PodNetworking creation
                // would otherwise fail).
                manager.AddReadinessCheck(() => Volatile.Read(ref webhooks) is { IsListening: true } w
                    ? new HealthCheckResult("webhooks", true, "listening on " + w.BaseAddress)
                    : new HealthCheckResult("webhooks", false, "admission webhooks not listening"));
            }

            await manager.StartAsync(cancellationToken);
            if (!options.DisableWebhook)
            {
                // Every replica serves the webhooks (they need no leadership), on the caches the controllers share.
                var started = await WebhookServer.StartAsync(WebhookOptionsFrom(options) with
                {
                    BindAddress = host.WebhookBindAddress ?? options.WebhookBindAddress,
                    ExtraSubjectAlternativeNames = [.. options.WebhookExtraSans.Union(host.WebhookSubjectAlternativeNames, StringComparer.Ordinal)],
                }, manager, new VpcVSwitchLookup(cloud.Vpc), cancellationToken);
                Volatile.Write(ref webhooks, started);
            }
        }
        catch
        {
            if (webhooks is not null)
            {
                await webhooks.DisposeAsync();
            }

            await manager.DisposeAsync();
            metrics.Dispose();
            kubernetes.Dispose();
            ownedCloud?.Dispose();
            ownedHandler?.Dispose();
            throw;
        }

        return new OperatorHost(options, identity, killSwitch, kubernetes, manager, context, gc, metrics, ownedCloud, ownedHandler, webhooks);
    }

    private static HealthServerOptions? HealthServerFrom(OperatorOptions options)
    {
        var health = OperatorConfigValidator.ParseAddress(options.HealthzBindAddress);
        var metrics = OperatorConfigValidator.ParseAddress(options.MetricsBindAddress);
        var urls = new[] { health, metrics }.Where(a => a is not null).Select(a => $"http://{Host(a!.Value.Host)}:{a.Value.Port}").Distinct(StringComparer.Ordinal).ToList();
        return urls.Count == 0 ? null : new HealthServerOptions { Urls = string.Join(';', urls), ServeMetrics = metrics is not null };

        static string Host(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
    }

    private static GarbageCollector? Register(OperatorContext ctx)
    {
        var manager = ctx.Manager;
        var options = ctx.Options;
        manager.AddIndex(IndexNames.PodsByNode, Indexes.ByField<V1Pod>(p => p.Spec?.NodeName));
        manager.AddIndex(IndexNames.PodsByNetworking, Indexes.ByField<V1Pod>(p => p.GetAnnotation(Annotations.PodNetworking)));
        manager.AddIndex(IndexNames.PodEnisByInstance, Indexes.ByField<V1Beta1PodEni>(p => p.Status?.InstanceId));
        manager.AddIndex(IndexNames.PodEnisByNode, Indexes.ByLabel<V1Beta1PodEni>(Labels.Node));

        // Every cache the reconcilers read is started, whichever controllers run, so readiness covers them.
        _ = manager.GetCache<V1Namespace>();
        _ = manager.GetCache<V1Beta1PodNetworking>();
        _ = manager.GetCache<V1Beta1Node>();

        var rateLimiter = () => (IRateLimiter<ObjectKey>)new MaxOfRateLimiter<ObjectKey>(
            new ItemExponentialFailureRateLimiter<ObjectKey>(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(60)),
            new BucketRateLimiter<ObjectKey>(50, 300, manager.Time));

        if (options.IsControllerEnabled(ControllerSelection.PodNetworking))
        {
            manager.NewController<V1Beta1PodNetworking>(ControllerSelection.PodNetworking)
                .WithMaxConcurrentReconciles(2)
                .WithRateLimiter(rateLimiter)
                .Build(new PodNetworkingReconciler(ctx));
            ctx.Metrics.SetControllerConfig(ControllerSelection.PodNetworking, 2);
        }

        if (options.IsControllerEnabled(ControllerSelection.Node))
        {
            manager.NewController<V1Node>(ControllerSelection.Node)
                .WithPredicates(Predicates.OnUpdate<V1Node>(NodeEvents.Matters))
                .Watches<V1Beta1Node>(cr => [ObjectKey.Cluster(cr.Metadata.Name)])
                .Watches<V1Beta1PodEni>(pe => pe.GetLabel(Labels.Node) is { Length: > 0 } n ? [ObjectKey.Cluster(n)] : [],
                    Predicates.Where<V1Beta1PodEni>(pe => pe.GetLabel(Labels.Node) is { Length: > 0 } n && ctx.Nodes.Get(ObjectKey.Cluster(n)) is null))
                .WithMaxConcurrentReconciles(options.NodeMaxConcurrent)
                .WithReconcileTimeout(TimeSpan.FromMinutes(5))
                .WithRateLimiter(rateLimiter)
                .Build(new NodeReconciler(ctx));
            ctx.Metrics.SetControllerConfig(ControllerSelection.Node, options.NodeMaxConcurrent);
        }

        if (!options.IsControllerEnabled(ControllerSelection.PodEni))
        {
            return null;
        }

        var workers = Math.Max(options.PodEniMaxConcurrent, options.PodMaxConcurrent);
        manager.NewController<V1Beta1PodEni>(ControllerSelection.PodEni)
            .Watches<V1Pod>(p => [ObjectKey.From(p)], Predicates.OnUpdate<V1Pod>(PodEvents.Matters))
            .Watches<V1Beta1Node>(cr => ctx.Pods.KeysByIndex(IndexNames.PodsByNode, cr.Metadata.Name), Predicates.OnUpdate<V1Beta1Node>(NodeEvents.TrunkChanged))
            .Watches<V1Node>(n => ctx.Pods.KeysByIndex(IndexNames.PodsByNode, n.Metadata.Name), Predicates.OnUpdate<V1Node>(NodeEvents.IdentityChanged))
            .Watches<V1Beta1PodNetworking>(pn => PodEvents.PodsFor(ctx, pn), Predicates.OnUpdate<V1Beta1PodNetworking>((o, n) => o.Status?.Status != n.Status?.Status))
            .Watches<V1Namespace>(ns => PodEvents.PodsWithoutPodEni(ctx, ns.Metadata.Name), Predicates.LabelsChanged<V1Namespace>())
            .WithMaxConcurrentReconciles(workers)
            .WithReconcileTimeout(TimeSpan.FromMinutes(5))
            .WithRateLimiter(rateLimiter)
            .Build(new PodEniReconciler(ctx));
        ctx.Metrics.SetControllerConfig(ControllerSelection.PodEni, workers);

        var gc = new GarbageCollector(ctx);
        manager.Add(gc);
        ctx.Metrics.SetControllerConfig(gc.Name, 1);
        return gc;
    }
}
