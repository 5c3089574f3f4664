using k8s;
using k8s.Models;
using Terway.Crds.Generation;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Sandbox.KubeApi;

namespace Terway.NodeAgent.Tests.Cni.Support;

/// <summary>
/// One Kubernetes API emulator for all CNI tests, with the project's CRDs (config/crd, from
/// Terway.Crds) and RBAC (config/rbac) installed, so agents run with the terway-nodeagent
/// ServiceAccount's token under the real least-privilege rules. Tests act as admin to create pods,
/// PodENIs and Node CRs the way the operator would.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static TestCluster? _shared;

    private TestCluster(KubeApiEmulator emulator)
    {
        Emulator = emulator;
        Admin = new Kubernetes(emulator.CreateClientConfiguration());
        AdminClient = new KubeApiClient(Admin);
        AgentToken = emulator.IssueServiceAccountToken(InstallNames.Namespace, InstallNames.NodeAgent);
    }

    public KubeApiEmulator Emulator { get; }

    public Kubernetes Admin { get; }

    public KubeApiClient AdminClient { get; }

    /// <summary>The terway-nodeagent ServiceAccount's token.</summary>
    public string AgentToken { get; }

    public KubernetesClientConfiguration AgentConfiguration => Emulator.CreateClientConfiguration(AgentToken);

    public static async Task<TestCluster> SharedAsync()
    {
        await StartLock.WaitAsync();
        try
        {
            if (_shared is null)
            {
                var emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromSeconds(5) });
                await InstallAsync(emulator);
                _shared = new TestCluster(emulator);
            }

            return _shared;
        }
        finally
        {
            StartLock.Release();
        }
    }

    public static async Task DisposeSharedAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
            _shared = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Emulator.DisposeAsync();
    }

    private static async Task InstallAsync(KubeApiEmulator emulator)
    {
        using var admin = new Kubernetes(emulator.CreateClientConfiguration());
        foreach (var crd in CrdManifests.Definitions())
        {
            await admin.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(crd.ToJsonString()));
        }

        foreach (var file in Directory.GetFiles(RepoPaths.Of("config", "rbac"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            foreach (var obj in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)))
            {
                switch (obj)
                {
                    case V1ServiceAccount sa:
                        await admin.CoreV1.CreateNamespacedServiceAccountAsync(sa, sa.Metadata.NamespaceProperty);
                        break;
                    case V1ClusterRole cr:
                        await admin.RbacAuthorizationV1.CreateClusterRoleAsync(cr);
                        break;
                    case V1ClusterRoleBinding crb:
                        await admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(crb);
                        break;
                    case V1Role role:
                        await admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, role.Metadata.NamespaceProperty);
                        break;
                    case V1RoleBinding rb:
                        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(rb, rb.Metadata.NamespaceProperty);
                        break;
                    default:
                        throw new InvalidOperationException($"{file}: unexpected {obj.GetType().Name}");
                }
            }
        }

        // The CRDs are served once established.
        var client = new KubeApiClient(admin);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.ListPageAsync<V1Beta1PodEni>(new ListOptions(), 1, null);
                await client.ListPageAsync<V1Beta1Node>(new ListOptions(), 1, null);
                return;
            }
            catch (KubeApiException e) when (e.IsNotFound && attempt < 200)
            {
                await Task.Delay(25);
            }
        }
    }
}
