using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;
using Terway.Kube.Client;
using Terway.Operator.Configuration;
using Terway.Operator.Hosting;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.KubeApi;

namespace Terway.Operator.Tests.Support;

/// <summary>
/// The operator under test with its real surroundings over real HTTP on loopback: the Kubernetes API emulator
/// (the project's CRDs and config/rbac applied, the operator authenticating with its own ServiceAccount token)
/// and the region simulator. Core Nodes point at the simulator's instances through their providerID.
/// </summary>
internal sealed class OperatorRig : IAsyncDisposable
{
    public const string ClusterId = "c-operator-test";
    public const string Region = "cn-hangzhou";
    public const string Vpc = "vpc-bp1sandbox00000000001";
    public const string ZoneH = "cn-hangzhou-h";
    public const string ZoneI = "cn-hangzhou-i";
    public const string VSwitchH = "vsw-bp1sandboxh0000000001";
    public const string VSwitchI = "vsw-bp1sandboxi0000000001";
    public const string SgPods = "sg-bp1sandboxpods0000001";
    public const string SgNodes = "sg-bp1sandboxnodes000001";
    public const string Instance1 = "i-bp1sandboxnode00000001";
    public const string Instance2 = "i-bp1sandboxnode00000002";
    public const string Instance3 = "i-bp1sandboxnode00000003";

    private readonly List<Kubernetes> _clients = [];
    private readonly WebhookAddress _webhookAddress;
    private int _generation;

    private OperatorRig(KubeApiEmulator api, RegionSimulator cloud, OperatorOptions options, ILoggerFactory loggers, WebhookAddress webhookAddress)
    {
        _webhookAddress = webhookAddress;
        Api = api;
        Cloud = cloud;
        Options = options;
        Loggers = loggers;
        var admin = new Kubernetes(api.CreateClientConfiguration());
        _clients.Add(admin);
        AdminKube = admin;
        Admin = new KubeApiClient(admin, TimeSpan.FromSeconds(30));
        OperatorToken = "";
    }

    public KubeApiEmulator Api { get; }

    public RegionSimulator Cloud { get; }

    public KubeApiClient Admin { get; }

    public Kubernetes AdminKube { get; }

    public OperatorOptions Options { get; }

    public ILoggerFactory Loggers { get; }

    public string OperatorToken { get; private set; }

    public OperatorHost? Operator { get; private set; }

    /// <summary>Cloud-client settings the operator gets (fast retries, short attempt timeout for tests).</summary>
    public Action<AlibabaCloudOptions>? ConfigureCloudClient { get; set; }

    /// <summary>Starts the rig; with <paramref name="webhooks"/> the operator also serves its admission webhooks and the API server calls them.</summary>
    public static async Task<OperatorRig> StartAsync(Action<RegionSimulatorOptions>? cloud = null, Action<OperatorOptions>? configure = null, bool startOperator = true, bool webhooks = false)
    {
        var loggers = TestLogging.Create();
        var webhookAddress = new WebhookAddress();
        var api = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            BookmarkInterval = TimeSpan.FromSeconds(5),
            LoggerFactory = loggers,
            ServiceResolver = (ns, name, _) => ns == InstallNames.Namespace && name == InstallNames.WebhookService ? webhookAddress.Uri : null,
        });
        var simOptions = RegionSimulatorOptions.CreateDefault();
        simOptions.Knobs.WithInstantTransitions();
        cloud?.Invoke(simOptions);
        var sim = await RegionSimulator.StartAsync(simOptions);
        var options = new OperatorOptions
        {
            RegionId = Region,
            ClusterId = ClusterId,
            VpcId = Vpc,
            HealthzBindAddress = "127.0.0.1:0",
            MetricsBindAddress = "127.0.0.1:0",
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
            VSwitchCacheTtl = TimeSpan.FromMinutes(1),
            GcPeriod = TimeSpan.FromSeconds(1),
            GcMinAge = TimeSpan.FromSeconds(3),
            PodEniMaxConcurrent = 8,
            DisableWebhook = !webhooks,
            WebhookPort = 0,
            Cloud = new CloudSettings { EcsEndpoint = sim.Endpoint, VpcEndpoint = sim.Endpoint, AttemptTimeout = TimeSpan.FromSeconds(3), CallTimeout = TimeSpan.FromSeconds(30) },
        };
        foreach (var name in new[] { BackoffSpec.WaitEniStatus, BackoffSpec.WaitMemberEniStatus, BackoffSpec.EniDeleteConfirm, BackoffSpec.EniRelease })
        {
            options.BackoffOverride[name] = new BackoffSpec(TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(50), 1.5, 0.2, 6, TimeSpan.FromMilliseconds(500));
        }

        configure?.Invoke(options);
        var rig = new OperatorRig(api, sim, options, loggers, webhookAddress);
        await rig.InstallAsync(webhooks);
        if (startOperator)
        {
            await rig.StartOperatorAsync();
        }

        return rig;
    }

    /// <summary>Points the API server's calls to the webhook Service at <paramref name="address"/> (an operator started outside the rig).</summary>
    public void RouteWebhooksTo(Uri? address) => _webhookAddress.Uri = address;

    /// <summary>Starts an operator instance (same identity across restarts, like a restarted container in its pod).</summary>
    public async Task<OperatorHost> StartOperatorAsync(string identity = "terway-operator-0")
    {
        var cloud = OperatorHost.CloudOptionsFrom(Options);
        cloud.ReadEnvironment = false;
        cloud.Retry.BaseDelay = TimeSpan.FromMilliseconds(20);
        cloud.Retry.MaxDelay = TimeSpan.FromMilliseconds(400);
        cloud.Retry.MaxRetries = 5;
        ConfigureCloudClient?.Invoke(cloud);
        Operator = await OperatorHost.StartAsync(Options, Api.CreateClientConfiguration(OperatorToken), cloud, new OperatorHostOptions
        {
            Identity = identity,
            LoggerFactory = Loggers,
            CloudCredentials = CloudCredentialProviders.Static(Cloud.DefaultCredential.AccessKeyId, Cloud.DefaultCredential.AccessKeySecret),
            GracefulShutdownTimeout = TimeSpan.FromSeconds(20),
            WebhookBindAddress = "127.0.0.1",
            WebhookSubjectAlternativeNames = ["127.0.0.1"],
        });
        _webhookAddress.Uri = Operator.Webhooks?.BaseAddress;
        _generation++;
        return Operator;
    }

    /// <summary>Stops the running operator (a crash when not graceful) and starts a new instance.</summary>
    public async Task RestartOperatorAsync(bool graceful)
    {
        await StopOperatorAsync(graceful);
        await StartOperatorAsync();
    }

    public async Task StopOperatorAsync(bool graceful)
    {
        if (Operator is { } op)
        {
            Operator = null;
            await op.StopAsync(graceful);
        }
    }

    public async Task<V1Node> CreateNodeAsync(string name, string instanceId, string zone, string instanceType = "ecs.g7.xlarge", IDictionary<string, string>? labels = null)
    {
        var all = new Dictionary<string, string>
        {
            [Labels.TopologyZone] = zone,
            [Labels.TopologyRegion] = Region,
            [Labels.InstanceType] = instanceType,
            ["kubernetes.io/hostname"] = name,
        };
        foreach (var (k, v) in labels ?? new Dictionary<string, string>())
        {
            all[k] = v;
        }

        return await Admin.CreateAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = all },
            Spec = new V1NodeSpec { ProviderID = $"{Region}.{instanceId}" },
        });
    }

    public async Task EnsureNamespaceAsync(string name, IDictionary<string, string>? labels = null)
    {
        try
        {
            await Admin.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = labels } });
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            // Exists already.
        }
    }

    public async Task<V1Pod> CreatePodAsync(string ns, string name, string? node, IDictionary<string, string>? labels = null,
        IDictionary<string, string>? annotations = null, string? statefulSet = null, string? replicaSet = null)
    {
        await EnsureNamespaceAsync(ns);
        var meta = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations };
        if (statefulSet is not null)
        {
            // A real owner: the emulator's garbage collector deletes pods whose owner does not exist.
            var owner = await EnsureOwnerAsync(ns, statefulSet);
            meta.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = statefulSet, Uid = owner, Controller = true }];
        }
        else if (replicaSet is not null)
        {
            var owner = await EnsureOwnerAsync(ns, replicaSet);
            meta.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = replicaSet, Uid = owner, Controller = true }];
        }

        return await Admin.CreateAsync(new V1Pod
        {
            Metadata = meta,
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "busybox" }] },
        });
    }

    // The emulator stores StatefulSets and Deployments but not ReplicaSets; a StatefulSet object stands in as
    // the owner object for both (only the ownerReference's kind matters to the operator).
    private async Task<string> EnsureOwnerAsync(string ns, string name)
    {
        try
        {
            return (await Admin.GetAsync<V1StatefulSet>(new ObjectKey(ns, name))).Metadata.Uid;
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            var labels = new Dictionary<string, string> { ["owner"] = name };
            var created = await Admin.CreateAsync(new V1StatefulSet
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                Spec = new V1StatefulSetSpec
                {
                    ServiceName = name,
                    Replicas = 0,
                    Selector = new V1LabelSelector { MatchLabels = labels },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox" }] },
                    },
                },
            });
            return created.Metadata.Uid;
        }
    }

    public async Task DeletePodAsync(string ns, string name)
    {
        try
        {
            await Admin.DeleteAsync<V1Pod>(new ObjectKey(ns, name), new V1DeleteOptions { GracePeriodSeconds = 0 });
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            // Gone already.
        }
    }

    public async Task<V1Beta1PodNetworking> CreatePodNetworkingAsync(string name, Action<PodNetworkingSpec> spec)
    {
        var pn = new V1Beta1PodNetworking { Metadata = new V1ObjectMeta { Name = name } };
        pn.Spec.EniOptions = new EniOptions { EniType = EniAttachTypes.Default };
        spec(pn.Spec);
        return await Admin.CreateAsync(pn);
    }

    public async Task<T?> TryGetAsync<T>(ObjectKey key)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            return await Admin.GetAsync<T>(key);
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public Task<V1Beta1PodEni?> PodEniAsync(string ns, string name) => TryGetAsync<V1Beta1PodEni>(new ObjectKey(ns, name));

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (then fails with <paramref name="what"/>).</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return watch.Elapsed;
            }

            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting for: {what()}");
            }

            await Task.Delay(25);
        }
    }

    public static Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) => EventuallyAsync(condition, timeout, () => what);

    /// <summary>Waits until the PodENI is in <paramref name="phase"/> (and, for Bind, Ready).</summary>
    public async Task<V1Beta1PodEni> WaitPhaseAsync(string ns, string name, string phase, TimeSpan? timeout = null)
    {
        V1Beta1PodEni? last = null;
        await EventuallyAsync(async () =>
        {
            last = await PodEniAsync(ns, name);
            return last?.Status?.Phase == phase;
        }, timeout ?? TimeSpan.FromSeconds(30), () => $"PodENI {ns}/{name} phase {phase}; last: {(last is null ? "absent" : KubernetesJson.Serialize(last.Status))}");
        return last!;
    }

    /// <summary>ENIs in the simulator tagged as this cluster's operator's (member/exclusive and trunk).</summary>
    public IReadOnlyList<EniSnapshot> OwnedEnis() =>
        [.. Cloud.Snapshot().NetworkInterfaces.Where(e => e.Tags.Any(t => t.Key == EniTags.ClusterIdKey && t.Value == ClusterId))];

    public async ValueTask DisposeAsync()
    {
        if (Operator is { } op)
        {
            await op.StopAsync(graceful: false);
        }

        await Cloud.DisposeAsync();
        await Api.DisposeAsync();
        foreach (var k in _clients)
        {
            k.Dispose();
        }

        Loggers.Dispose();
    }

    private async Task InstallAsync(bool webhooks)
    {
        foreach (var definition in CrdManifests.Definitions())
        {
            var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(definition.ToJsonString());
            await Admin.CreateAsync(crd);
        }

        await EventuallyAsync(async () =>
        {
            try
            {
                await Admin.ListPageAsync<V1Beta1PodEni>(ListOptions.All, 1, null);
                await Admin.ListPageAsync<V1Beta1PodNetworking>(ListOptions.All, 1, null);
                await Admin.ListPageAsync<V1Beta1Node>(ListOptions.All, 1, null);
                return true;
            }
            catch (KubeApiException ex) when (ex.IsNotFound)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "the CRDs to be served");

        await EnsureNamespaceAsync(InstallNames.Namespace);
        var rbac = Path.Combine(RepoRoot(), "config", "rbac");
        var docs = Directory.GetFiles(rbac, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(f => YamlJson.ParseAll(File.ReadAllText(f))).OfType<JsonObject>().Where(d => d["kind"] is not null).ToList();
        foreach (var doc in docs.OrderBy(d => (string?)d["kind"] == "ServiceAccount" ? 0 : 1))
        {
            var json = doc.ToJsonString();
            switch ((string?)doc["kind"])
            {
                case "ServiceAccount": await Admin.CreateAsync(KubernetesJson.Deserialize<V1ServiceAccount>(json)); break;
                case "ClusterRole": await Admin.CreateAsync(KubernetesJson.Deserialize<V1ClusterRole>(json)); break;
                case "ClusterRoleBinding": await Admin.CreateAsync(KubernetesJson.Deserialize<V1ClusterRoleBinding>(json)); break;
                case "Role": await Admin.CreateAsync(KubernetesJson.Deserialize<V1Role>(json)); break;
                case "RoleBinding": await Admin.CreateAsync(KubernetesJson.Deserialize<V1RoleBinding>(json)); break;
                default: throw new InvalidOperationException("unexpected kind in config/rbac: " + doc["kind"]);
            }
        }

        if (webhooks)
        {
            var manifest = Path.Combine(RepoRoot(), "config", "operator", "webhooks.yaml");
            foreach (var doc in YamlJson.ParseAll(File.ReadAllText(manifest)).OfType<JsonObject>().Where(d => d["kind"] is not null))
            {
                var json = doc.ToJsonString();
                _ = (string?)doc["kind"] switch
                {
                    "MutatingWebhookConfiguration" => (object)await Admin.CreateAsync(KubernetesJson.Deserialize<V1MutatingWebhookConfiguration>(json)),
                    "ValidatingWebhookConfiguration" => await Admin.CreateAsync(KubernetesJson.Deserialize<V1ValidatingWebhookConfiguration>(json)),
                    _ => throw new InvalidOperationException("unexpected kind in webhooks.yaml: " + doc["kind"]),
                };
            }
        }

        OperatorToken = Api.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.Operator);

        // The emulator applies RBAC writes to its authorizer asynchronously: wait until the operator's
        // ServiceAccount can list what it watches, so informers do not start with a 403 and a backoff.
        var asOperator = new Kubernetes(Api.CreateClientConfiguration(OperatorToken));
        _clients.Add(asOperator);
        var client = new KubeApiClient(asOperator, TimeSpan.FromSeconds(10));
        await EventuallyAsync(async () =>
        {
            try
            {
                await client.ListPageAsync<V1Pod>(ListOptions.All, 1, null);
                await client.ListPageAsync<V1Beta1PodNetworking>(ListOptions.All, 1, null);
                return true;
            }
            catch (KubeApiException ex) when ((int)ex.StatusCode == 403)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10), "the operator's RBAC to take effect");
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (Terway.slnx) not found");
    }

    // Where the API server reaches the webhooks: set once the operator listens (the emulator asks per call).
    private sealed class WebhookAddress
    {
        public Uri? Uri { get; set; }
    }
}
