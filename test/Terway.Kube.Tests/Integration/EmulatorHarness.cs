using k8s;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Sandbox.KubeApi;

namespace Terway.Kube.Tests.Integration;

/// <summary>One Kubernetes API emulator over real HTTPS on loopback, with the test CRD installed.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    private readonly List<Kubernetes> _clients = [];

    private EmulatorHarness(KubeApiEmulator emulator)
    {
        Emulator = emulator;
    }

    public KubeApiEmulator Emulator { get; }

    public KubeApiClient Client { get; private set; } = null!;

    public static async Task<EmulatorHarness> StartAsync(KubeApiEmulatorOptions? options = null)
    {
        var emulator = await KubeApiEmulator.StartAsync(options ?? new KubeApiEmulatorOptions());
        var harness = new EmulatorHarness(emulator);
        harness.Client = harness.NewClient();
        await harness.EnsureNamespaceAsync("ns");
        await harness.InstallPodEniCrdAsync();
        return harness;
    }

    /// <summary>A separate client (its own connections), like another process would have.</summary>
    public KubeApiClient NewClient()
    {
        var kubernetes = new Kubernetes(Emulator.CreateClientConfiguration());
        _clients.Add(kubernetes);
        return new KubeApiClient(kubernetes, TimeSpan.FromSeconds(30));
    }

    public async Task EnsureNamespaceAsync(string name)
    {
        try
        {
            await Client.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            // Already there.
        }
    }

    public static V1Pod NewPod(string ns, string name, string node = "node-1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = "test" } },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        foreach (var k in _clients)
        {
            k.Dispose();
        }
    }

    private async Task InstallPodEniCrdAsync()
    {
        const string crd = """
            {
              "apiVersion": "apiextensions.k8s.io/v1",
              "kind": "CustomResourceDefinition",
              "metadata": { "name": "podenis.network.alibabacloud.com" },
              "spec": {
                "group": "network.alibabacloud.com",
                "scope": "Namespaced",
                "names": { "plural": "podenis", "singular": "podeni", "kind": "PodENI", "listKind": "PodENIList" },
                "versions": [{
                  "name": "v1beta1", "served": true, "storage": true,
                  "subresources": { "status": {} },
                  "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                      "spec": { "type": "object", "properties": { "eniId": { "type": "string" } } },
                      "status": { "type": "object", "properties": {
                        "phase": { "type": "string" },
                        "counter": { "type": "integer" },
                        "observedGeneration": { "type": "integer", "format": "int64" },
                        "conditions": { "type": "array", "items": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } }
                      } }
                    }
                  } }
                }]
              }
            }
            """;
        await Client.CreateAsync(KubernetesJson.Deserialize<V1CustomResourceDefinition>(crd));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await Client.ListPageAsync<Support.TestPodEni>(new ListOptions { Namespace = "ns" }, 1, null);
                return;
            }
            catch (KubeApiException ex) when (ex.IsNotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}
