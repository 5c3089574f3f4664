using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class CrudTests : EmulatorFixture
{
    [Test]
    public async Task Create_ConfigMapWithClient_AssignsSystemFields()
    {
        var ns = await NewNamespaceAsync();
        var cm = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        Assert.Multiple(() =>
        {
            Assert.That(cm.Metadata.Uid, Is.Not.Empty);
            Assert.That(long.Parse(cm.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(1));
            Assert.That(cm.Metadata.CreationTimestamp, Is.Not.Null);
            Assert.That(cm.Metadata.NamespaceProperty, Is.EqualTo(ns));
            Assert.That(cm.Data["k"], Is.EqualTo("v"));
        });
    }

    [Test]
    public async Task Create_Twice_AlreadyExists409()
    {
        var ns = await NewNamespaceAsync();
        var body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"}}""";
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", body);
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", body);
        AssertStatus(r, 409, "AlreadyExists", "configmaps \"dup\" already exists");
        Assert.That((string?)r.Json["details"]!["kind"], Is.EqualTo("configmaps"));
    }

    [Test]
    public async Task Get_Missing_NotFound404WithRealMessage()
    {
        var ns = await NewNamespaceAsync();
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedConfigMapAsync("nope", ns));
        Assert.That(ex!.Response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(ex.Response.Content, Does.Contain("configmaps \\\"nope\\\" not found"));
    }
}
