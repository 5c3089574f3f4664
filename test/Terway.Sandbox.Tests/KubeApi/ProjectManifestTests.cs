using System.Net;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.Tests.KubeApi;

/// <summary>
/// The project's own manifests against the emulator: the generated CRDs in config/crd and the
/// samples in config/samples must be accepted, and invalid variants rejected with the right causes.
/// Skipped (with the reason) until config/crd has landed on this branch.
/// </summary>
[TestFixture]
public sealed class ProjectManifestTests : EmulatorFixture
{
    private static string? ConfigDir()
    {
        var overrideDir = Environment.GetEnvironmentVariable("TERWAY_CONFIG_DIR");
        if (!string.IsNullOrEmpty(overrideDir))
        {
            return overrideDir;
        }

        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
        {
            dir = dir.Parent;
        }

        var config = dir == null ? null : Path.Combine(dir.FullName, "config");
        return config != null && Directory.Exists(Path.Combine(config, "crd")) ? config : null;
    }

    private static IEnumerable<JsonObject> Documents(string file) =>
        YamlJson.ParseAll(File.ReadAllText(file)).OfType<JsonObject>().Where(d => d["kind"] != null);

    private static string PathFor(JsonObject doc, out bool namespaced)
    {
        var apiVersion = (string)doc["apiVersion"]!;
        var kind = (string)doc["kind"]!;
        var plural = kind.ToLowerInvariant() + (kind.EndsWith('s') ? "es" : kind.EndsWith('y') ? "" : "s");
        if (kind.EndsWith('y'))
        {
            plural = kind[..^1].ToLowerInvariant() + "ies";
        }

        var prefix = apiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + apiVersion : "/api/" + apiVersion;
        namespaced = kind is not ("Namespace" or "ClusterRole" or "ClusterRoleBinding" or "CustomResourceDefinition" or "PodNetworking" or "Node" or "NetworkInterface" or "NodeRuntime" or "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration");
        var ns = (string?)doc["metadata"]?["namespace"] ?? "default";
        return namespaced ? $"{prefix}/namespaces/{ns}/{plural}" : $"{prefix}/{plural}";
    }

    private async Task<RawResponse> CreateAsync(JsonObject doc)
    {
        var path = PathFor(doc, out var namespaced);
        if (namespaced)
        {
            var ns = (string?)doc["metadata"]?["namespace"] ?? "default";
            await PostAsync("/api/v1/namespaces", $$$"""{"metadata":{"name":"{{{ns}}}"}}""");
        }

        return await SendAsync(HttpMethod.Post, path + "?fieldValidation=Strict", doc.ToJsonString());
    }

    private async Task InstallCrdsAsync(string config)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(config, "crd"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
        {
            foreach (var doc in Documents(file))
            {
                var r = await CreateAsync(doc);
                Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.Conflict), file + ": " + r.Text);
                var name = (string)doc["metadata"]!["name"]!;
                Assert.That(await EventuallyAsync(async () =>
                {
                    var crd = (await GetAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name)).Json;
                    return crd["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True") == true;
                }), Is.True, name + " never became Established");
            }
        }
    }

    [Test]
    public async Task ProjectCrdsAndSamples_AreAccepted()
    {
        var config = ConfigDir();
        if (config == null)
        {
            Assert.Ignore("config/crd has not landed on this branch yet (set TERWAY_CONFIG_DIR to test another checkout)");
        }

        await InstallCrdsAsync(config!);
        var samples = Path.Combine(config!, "samples");
        if (!Directory.Exists(samples))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(samples, "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal)))
        {
            foreach (var doc in Documents(file))
            {
                var r = await CreateAsync(doc);
                Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.Conflict), file + ": " + r.Text);
            }
        }
    }

    [Test]
    public async Task PodNetworking_InvalidVariants_RejectedWithCauses()
    {
        var config = ConfigDir();
        if (config == null || !File.Exists(Path.Combine(config, "samples", "network_v1beta1_podnetworking.yaml")))
        {
            Assert.Ignore("config/crd and the PodNetworking sample have not landed on this branch yet");
        }

        await InstallCrdsAsync(config!);
        var sample = Documents(Path.Combine(config!, "samples", "network_v1beta1_podnetworking.yaml")).First();
        var crdText = File.ReadAllText(Path.Combine(config!, "crd", "network.alibabacloud.com_podnetworkings.yaml"));

        async Task ExpectInvalid(Action<JsonObject> mutate, string field, string messagePart)
        {
            var doc = (JsonObject)sample.DeepClone();
            doc["metadata"]!["name"] = "variant-" + Guid.NewGuid().ToString("N")[..6];
            mutate(doc);
            var r = await CreateAsync(doc);
            AssertStatus(r, 422, "Invalid");
            var causes = r.Json["details"]!["causes"]!.AsArray();
            Assert.That(causes.Any(c => ((string?)c!["field"] ?? "").StartsWith(field, StringComparison.Ordinal) && ((string?)c["message"] ?? "").Contains(messagePart, StringComparison.Ordinal)), Is.True, r.Text);
        }

        await ExpectInvalid(d => d["spec"]!["eniOptions"] = new JsonObject { ["eniType"] = "Bogus" }, "spec.eniOptions.eniType", "Unsupported value: \"Bogus\"");
        await ExpectInvalid(d => d["spec"]!["allocationType"]!["type"] = "Sticky", "spec.allocationType.type", "Unsupported value: \"Sticky\"");
        if (crdText.Contains("releaseAfter must be empty when releaseStrategy is Never", StringComparison.Ordinal))
        {
            await ExpectInvalid(d => d["spec"]!["allocationType"]!["releaseStrategy"] = "Never", "spec.allocationType", "releaseAfter must be empty when releaseStrategy is Never");
        }

        if (crdText.Contains("securityGroupIDs must list between 1 and 10", StringComparison.Ordinal))
        {
            await ExpectInvalid(d => d["spec"]!["securityGroupIDs"] = new JsonArray(Enumerable.Range(0, 11).Select(i => (JsonNode?)JsonValue.Create("sg-" + i)).ToArray()),
                "spec", "securityGroupIDs must list between 1 and 10 security groups");
        }
    }

    [Test]
    public async Task ProjectRbac_GrantsExactlyItsRules()
    {
        var config = ConfigDir();
        if (config == null || !Directory.Exists(Path.Combine(config, "rbac")))
        {
            Assert.Ignore("config/rbac has not landed on this branch yet");
        }

        await InstallCrdsAsync(config!);
        var docs = Directory.GetFiles(Path.Combine(config!, "rbac"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(Documents).ToList();
        foreach (var doc in docs.OrderBy(d => (string?)d["kind"] == "ServiceAccount" ? 0 : 1))
        {
            var r = await CreateAsync(doc);
            Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.Conflict), r.Text);
        }

        var roles = docs.Where(d => (string?)d["kind"] is "Role" or "ClusterRole").ToList();
        foreach (var binding in docs.Where(d => (string?)d["kind"] is "RoleBinding" or "ClusterRoleBinding"))
        {
            var roleName = (string)binding["roleRef"]!["name"]!;
            var bindingNs = (string?)binding["metadata"]!["namespace"];
            var role = roles.FirstOrDefault(r => (string?)r["metadata"]!["name"] == roleName && (string?)r["kind"] == (string?)binding["roleRef"]!["kind"]);
            if (role == null)
            {
                continue;
            }

            foreach (var subject in (binding["subjects"] as JsonArray ?? []).OfType<JsonObject>().Where(s => (string?)s["kind"] == "ServiceAccount"))
            {
                using var http = CreateHttpClient(Emulator.IssueServiceAccountToken((string)subject["namespace"]!, (string)subject["name"]!));
                foreach (var rule in (role["rules"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    foreach (var resource in (rule["resources"] as JsonArray ?? []).Select(x => (string)x!))
                    {
                        var parts = resource.Split('/');
                        foreach (var verb in (rule["verbs"] as JsonArray ?? []).Select(x => (string)x!))
                        {
                            var group = (string?)(rule["apiGroups"] as JsonArray)?[0] ?? "";
                            var name = (string?)(rule["resourceNames"] as JsonArray)?[0] ?? "";
                            var ns = bindingNs ?? "kube-system";
                            var attrs = new JsonObject { ["namespace"] = ns, ["verb"] = verb, ["group"] = group, ["resource"] = parts[0], ["subresource"] = parts.Length > 1 ? parts[1] : "", ["name"] = name };
                            var sar = new JsonObject { ["spec"] = new JsonObject { ["resourceAttributes"] = attrs } }.ToJsonString();
                            var review = await SendAsync(http, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", sar);
                            Assert.That((bool?)review.Json["status"]!["allowed"], Is.True, $"{subject["name"]} {verb} {resource}: {review.Text}");
                        }
                    }
                }

                var denied = await SendAsync(http, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                    """{"spec":{"resourceAttributes":{"namespace":"kube-system","verb":"create","group":"rbac.authorization.k8s.io","resource":"clusterrolebindings"}}}""");
                Assert.That((bool?)denied.Json["status"]!["allowed"], Is.False, "no project role may grant RBAC writes");
            }
        }
    }
}
