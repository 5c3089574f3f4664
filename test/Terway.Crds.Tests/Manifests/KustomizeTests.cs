using System.Text.Json.Nodes;
using Terway.Crds.Names;
using Terway.Crds.Tests.Support;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Manifests;

[TestFixture]
public sealed class KustomizeTests
{
    private static readonly string[] DefaultObjects =
    [
        "CustomResourceDefinition/podnetworkings.network.alibabacloud.com",
        "CustomResourceDefinition/podenis.network.alibabacloud.com",
        "CustomResourceDefinition/nodes.network.alibabacloud.com",
        "ServiceAccount/kube-system/terway-operator",
        "ServiceAccount/kube-system/terway-nodeagent",
        "ClusterRole/terway-operator",
        "ClusterRole/terway-nodeagent",
        "ClusterRoleBinding/terway-operator",
        "ClusterRoleBinding/terway-nodeagent",
        "Role/kube-system/terway-operator",
        "Role/kube-system/terway-operator-leader-election",
        "Role/kube-system/terway-nodeagent",
        "RoleBinding/kube-system/terway-operator",
        "RoleBinding/kube-system/terway-operator-leader-election",
        "RoleBinding/kube-system/terway-nodeagent",
        "ConfigMap/kube-system/terway-operator-config",
        "ConfigMap/kube-system/terway-nodeagent-cni",
        "Deployment/kube-system/terway-operator",
        "Service/kube-system/terway-operator-webhook",
        "Service/kube-system/terway-operator-metrics",
        "PodDisruptionBudget/kube-system/terway-operator",
        "MutatingWebhookConfiguration/terway-controlplane",
        "ValidatingWebhookConfiguration/terway-controlplane",
        "DaemonSet/kube-system/terway-nodeagent",
    ];

    private static readonly string[] SampleObjects =
    [
        "PodNetworking/test-networking",
        "PodNetworking/elastic-web",
        "PodNetworking/trunk-payments",
        "Namespace/fixed-ip-demo",
        "Service/fixed-ip-demo/db",
        "StatefulSet/fixed-ip-demo/db",
    ];

    [Test]
    public void ConfigDefault_Rendered_HasEveryComponentInKubeSystem()
    {
        var objects = Render("default");

        Assert.Multiple(() =>
        {
            Assert.That(objects.Select(Key), Is.EquivalentTo(DefaultObjects));
            Assert.That(objects.Select(o => o["metadata"]!["labels"]?["app.kubernetes.io/part-of"]?.GetValue<string>()), Has.All.EqualTo("terway"));
            Assert.That(ConfigManifests.Single(objects, "MutatingWebhookConfiguration", InstallNames.WebhookConfiguration)["webhooks"]![0]!["clientConfig"]!["service"]!["namespace"]!.GetValue<string>(), Is.EqualTo(InstallNames.Namespace));
        });
    }

    [Test]
    public void ConfigDefault_RenderedCrds_AreTheGeneratedOnes()
    {
        var objects = Render("default");
        var rendered = objects.Where(o => o["kind"]!.GetValue<string>() == "CustomResourceDefinition").ToList();

        foreach (var crd in Terway.Crds.Generation.CrdManifests.Definitions())
        {
            var match = rendered.Single(r => r["metadata"]!["name"]!.GetValue<string>() == crd["metadata"]!["name"]!.GetValue<string>());
            match["metadata"]!["labels"]!.AsObject().Remove("app.kubernetes.io/part-of");
            if (match["metadata"]!["labels"]!.AsObject().Count == 0)
            {
                match["metadata"]!.AsObject().Remove("labels");
            }

            Assert.That(JsonTrees.Differences(crd, match), Is.Empty);
        }
    }

    [Test]
    public void ConfigSamples_Rendered_HasEverySample()
    {
        var objects = Render("samples");

        Assert.That(objects.Select(Key), Is.EquivalentTo(SampleObjects));
    }

    private static List<JsonObject> Render(string component)
    {
        var output = ConfigManifests.Kustomize(RepoPaths.Config(component));
        if (output is null)
        {
            Assert.Ignore("kubectl is not installed; the manifests are still checked file by file by the other Manifests tests");
        }

        return [.. YamlJson.ParseAll(output!).Select(n => n.AsObject())];
    }

    private static string Key(JsonObject o)
    {
        var ns = o["metadata"]?["namespace"]?.GetValue<string>();
        return $"{o["kind"]}/{(ns is null ? "" : ns + "/")}{o["metadata"]!["name"]}";
    }
}
