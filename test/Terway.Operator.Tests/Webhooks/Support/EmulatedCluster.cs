using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Yaml;
using Terway.Kube.Client;
using Terway.Sandbox.KubeApi;

namespace Terway.Operator.Tests.Webhooks.Support;

/// <summary>
/// The Kubernetes API emulator over HTTPS on loopback, with helpers to install the repository's manifests
/// (CRDs, RBAC, webhook configurations) the way a cluster would have them.
/// </summary>
internal sealed class EmulatedCluster : IAsyncDisposable
{
    private readonly List<Kubernetes> _clients = [];

    private EmulatedCluster(KubeApiEmulator emulator)
    {
        Emulator = emulator;
        Admin = NewClient();
    }

    public KubeApiEmulator Emulator { get; }

    /// <summary>A cluster-admin client.</summary>
    public KubeApiClient Admin { get; }

    /// <summary>Where the webhook Service resolves to; set once the listener runs.</summary>
    public Uri? WebhookAddress { get; set; }

    public static async Task<EmulatedCluster> StartAsync()
    {
        EmulatedCluster? cluster = null;
        var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions
        {
            ServiceResolver = (ns, name, port) =>
                ns == InstallNames.Namespace && name == InstallNames.WebhookService && port == 443 ? cluster?.WebhookAddress : null,
        });
        cluster = new EmulatedCluster(emulator);
        return cluster;
    }

    /// <summary>A separate admin client (its own connections).</summary>
    public KubeApiClient NewClient(string? token = null)
    {
        var kubernetes = new Kubernetes(Emulator.CreateClientConfiguration(token));
        _clients.Add(kubernetes);
        return new KubeApiClient(kubernetes, TimeSpan.FromSeconds(30));
    }

    /// <summary>A client authenticated as the operator's ServiceAccount (RBAC from config/rbac applies).</summary>
    public KubeApiClient OperatorClient() =>
        NewClient(Emulator.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.Operator));

    /// <summary>The CRDs as generated into config/crd; optionally without their CEL rules (as Terway's CRDs are).</summary>
    public async Task InstallCrdsAsync(bool withCelRules = true)
    {
        foreach (var definition in CrdManifests.Definitions())
        {
            var crd = definition.AsObject();
            if (!withCelRules)
            {
                StripCel(crd);
            }

            await CreateAsync(crd);
        }

        await WaitUntilServedAsync<V1Beta1PodNetworking>(null);
        await WaitUntilServedAsync<V1Beta1PodEni>("default");
    }

    /// <summary>Everything under config/rbac.</summary>
    public async Task InstallRbacAsync()
    {
        foreach (var obj in Manifests("rbac"))
        {
            await CreateAsync(obj);
        }
    }

    /// <summary>The webhook configurations from config/operator/webhooks.yaml, optionally edited first.</summary>
    public async Task InstallWebhookConfigurationsAsync(Action<JsonObject>? edit = null)
    {
        foreach (var obj in YamlJson.ParseAll(File.ReadAllText(RepoPaths.Config("operator", "webhooks.yaml"))).Select(n => n.AsObject()))
        {
            edit?.Invoke(obj);
            await CreateAsync(obj);
        }
    }

    public static IEnumerable<JsonObject> Manifests(string component) =>
        Directory.GetFiles(RepoPaths.Config(component), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Order(StringComparer.Ordinal)
            .SelectMany(f => YamlJson.ParseAll(File.ReadAllText(f)))
            .Select(n => n.AsObject());

    /// <summary>Creates a manifest object as the admin; an existing one is left alone.</summary>
    public async Task CreateAsync(JsonObject obj)
    {
        try
        {
            await (obj["kind"]!.GetValue<string>() switch
            {
                "CustomResourceDefinition" => Create<V1CustomResourceDefinition>(obj),
                "ServiceAccount" => Create<V1ServiceAccount>(obj),
                "ClusterRole" => Create<V1ClusterRole>(obj),
                "ClusterRoleBinding" => Create<V1ClusterRoleBinding>(obj),
                "Role" => Create<V1Role>(obj),
                "RoleBinding" => Create<V1RoleBinding>(obj),
                "MutatingWebhookConfiguration" => Create<V1MutatingWebhookConfiguration>(obj),
                "ValidatingWebhookConfiguration" => Create<V1ValidatingWebhookConfiguration>(obj),
                "Namespace" => Create<V1Namespace>(obj),
                var other => throw new NotSupportedException($"no typed create for {other}"),
            });
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            // Bootstrap objects (namespaces) already exist.
        }
    }

    public async Task EnsureNamespaceAsync(string name, IDictionary<string, string>? labels = null)
    {
        try
        {
            await Admin.CreateAsync(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name, Labels = labels } });
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            // Reused across tests.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private async Task Create<T>(JsonObject obj)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        await Admin.CreateAsync(KubernetesJson.Deserialize<T>(obj.ToJsonString()));

    private async Task WaitUntilServedAsync<T>(string? ns)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await Admin.ListPageAsync<T>(new ListOptions { Namespace = ns }, 1, null);
                return;
            }
            catch (KubeApiException ex) when (ex.IsNotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    private static void StripCel(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                obj.Remove("x-kubernetes-validations");
                foreach (var (_, child) in obj.ToList())
                {
                    StripCel(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    StripCel(child);
                }

                break;
        }
    }
}

/// <summary>Locates the repository from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Config(params string[] parts) => Path.Combine([Root, "config", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Terway.slnx) not found above " + AppContext.BaseDirectory);
    }
}
