using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi;
using Terway.Sandbox.KubeApi.Tls;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class AdmissionTests : EmulatorFixture
{
    private WebApplication _webhook = null!;
    private CertificateAuthority _ca = null!;
    private Uri _base = null!;
    private string _caBundle = "";
    private int _calls;

    protected override KubeApiEmulatorOptions Options => new()
    {
        ServiceResolver = (ns, name, port) => ns == "kube-system" && name == "terway-operator-webhook" ? _base : null,
    };

    [OneTimeSetUp]
    public async Task StartWebhookAsync()
    {
        _ca = CertificateAuthority.LoadOrCreate(null);
        var cert = _ca.IssueServing(["127.0.0.1"]);
        _caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(_ca.CaPem));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(cert)));
        _webhook = builder.Build();
        _webhook.Run(HandleAsync);
        await _webhook.StartAsync();
        var addr = _webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _base = new Uri(addr.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    [OneTimeTearDown]
    public async Task StopWebhookAsync()
    {
        await _webhook.DisposeAsync();
        _ca.Dispose();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _calls);
        var review = (JsonObject)(await JsonNode.ParseAsync(ctx.Request.Body))!;
        var request = review["request"]!;
        var uid = (string)request["uid"]!;
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        switch (ctx.Request.Path.Value)
        {
            case "/mutate":
                {
                    var hasLabels = request["object"]!["metadata"]!["labels"] != null;
                    var patch = hasLabels
                        ? """[{"op":"add","path":"/metadata/labels/mutated","value":"true"}]"""
                        : """[{"op":"add","path":"/metadata/labels","value":{"mutated":"true"}}]""";
                    response["patchType"] = "JSONPatch";
                    response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch));
                    break;
                }

            case "/deny":
                response["allowed"] = false;
                response["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "name " + (string?)request["name"] + " is not allowed" };
                break;
            case "/slow":
                await Task.Delay(3000);
                break;
        }

        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    private static string Hook(string kind, string name, string clientConfig, string extra = "", string resource = "configmaps") => $$$"""
        {"apiVersion":"admissionregistration.k8s.io/v1","kind":"{{{kind}}}","metadata":{"name":"{{{name}}}"},
         "webhooks":[{"name":"{{{name}}}.test.terway.io","clientConfig":{{{clientConfig}}},"sideEffects":"None","admissionReviewVersions":["v1"],
           "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["{{{resource}}}"]}]{{{extra}}}}]}
        """;

    private string UrlConfig(string path) => $$$"""{"url":"{{{_base}}}{{{path.TrimStart('/')}}}","caBundle":"{{{_caBundle}}}"}""";

    [Test]
    public async Task MutatingWebhook_ByService_PatchApplied()
    {
        var ns = await NewNamespaceAsync("adm");
        var cfg = Hook("MutatingWebhookConfiguration", "mutate-svc",
            $$$"""{"service":{"namespace":"kube-system","name":"terway-operator-webhook","path":"/mutate"},"caBundle":"{{{_caBundle}}}"}""",
            $$$""","namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"{{{ns}}}"}}""");
        var c = await PostAsync("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", cfg);
        Assert.That(c.Status, Is.EqualTo(HttpStatusCode.Created), c.Text);
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"m"}}""");
        Assert.That((string?)r.Json["metadata"]!["labels"]!["mutated"], Is.EqualTo("true"), r.Text);
        var other = await NewNamespaceAsync("adm");
        var r2 = await PostAsync($"/api/v1/namespaces/{other}/configmaps", """{"metadata":{"name":"m"}}""");
        Assert.That(r2.Json["metadata"]!["labels"], Is.Null, "namespaceSelector excludes other namespaces");
        await SendAsync(HttpMethod.Delete, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/mutate-svc");
    }

    [Test]
    public async Task ValidatingWebhook_Deny_ReturnsWebhookStatus()
    {
        var ns = await NewNamespaceAsync("adm");
        await PostAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            Hook("ValidatingWebhookConfiguration", "deny", UrlConfig("/deny"), ""","objectSelector":{"matchLabels":{"deny":"yes"}}"""));
        var allowed = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"ok"}}""");
        Assert.That(allowed.Status, Is.EqualTo(HttpStatusCode.Created), allowed.Text);
        var denied = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"bad","labels":{"deny":"yes"}}}""");
        AssertStatus(denied, 403, "Forbidden", "admission webhook \"deny.test.terway.io\" denied the request: name bad is not allowed");
        await SendAsync(HttpMethod.Delete, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/deny");
    }

    [Test]
    public async Task Webhook_WrongCaBundle_FailClosedOrIgnore()
    {
        var ns = await NewNamespaceAsync("adm");
        using var otherCa = CertificateAuthority.LoadOrCreate(null);
        var wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes(otherCa.CaPem));
        var cfg = Hook("ValidatingWebhookConfiguration", "badca", $$$"""{"url":"{{{_base}}}allow","caBundle":"{{{wrong}}}"}""", ""","objectSelector":{"matchLabels":{"ca":"x"}}""");
        await PostAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", cfg);
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"c","labels":{"ca":"x"}}}""");
        AssertStatus(r, 500, "InternalError");
        Assert.That(r.Str("message"), Does.StartWith("Internal error occurred: failed calling webhook \"badca.test.terway.io\": failed to call webhook: Post"));
        await SendAsync(HttpMethod.Patch, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/badca",
            """[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Ignore"}]""", "application/json-patch+json");
        var ignored = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"c","labels":{"ca":"x"}}}""");
        Assert.That(ignored.Status, Is.EqualTo(HttpStatusCode.Created), ignored.Text);
        await SendAsync(HttpMethod.Delete, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/badca");
    }

    [Test]
    public async Task Webhook_Timeout_FailsRequest()
    {
        var ns = await NewNamespaceAsync("adm");
        await PostAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            Hook("ValidatingWebhookConfiguration", "slow", UrlConfig("/slow"), ""","timeoutSeconds":1,"objectSelector":{"matchLabels":{"slow":"yes"}}"""));
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"s","labels":{"slow":"yes"}}}""");
        AssertStatus(r, 500, "InternalError");
        Assert.That(r.Str("message"), Does.Contain("context deadline exceeded"));
        await SendAsync(HttpMethod.Delete, "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/slow");
    }

    [Test]
    public async Task WebhookConfiguration_Invalid_Rejected()
    {
        var r = await PostAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", """
            {"metadata":{"name":"x"},"webhooks":[{"name":"short","clientConfig":{"url":"http://example.com/"},"admissionReviewVersions":["v1"]}]}
            """);
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("webhooks[0].name: Invalid value: \"short\": should be a domain with at least three segments separated by dots"));
        Assert.That(r.Str("message"), Does.Contain("webhooks[0].clientConfig.url: Invalid value: \"http://example.com/\": 'https' is the only allowed URL scheme"));
        Assert.That(r.Str("message"), Does.Contain("webhooks[0].sideEffects: Required value"));
    }
}
