using System.Net;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class BadInputTests : EmulatorFixture
{
    [Test]
    public async Task MalformedJson_BadRequest_ServerKeepsServing()
    {
        var r = await PostAsync("/api/v1/namespaces/default/configmaps", "{\"metadata\": {bad");
        AssertStatus(r, 400, "BadRequest");
        Assert.That(r.Str("message"), Does.StartWith("couldn't get version/kind; json parse error: "));
        Assert.That((await GetAsync("/api/v1/namespaces/default")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task MalformedYaml_BadRequest()
    {
        var r = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "metadata:\n  name: [unclosed\n data: x", "application/yaml");
        AssertStatus(r, 400, "BadRequest");
        Assert.That(r.Str("message"), Does.StartWith("error converting YAML to JSON: yaml: "));
    }

    [Test]
    public async Task ValidYaml_Accepted()
    {
        var r = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: \"1\"\n", "application/yaml");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
    }

    [Test]
    public async Task NotAnObject_BadRequest()
    {
        AssertStatus(await PostAsync("/api/v1/namespaces/default/configmaps", "[1,2]"), 400, "BadRequest");
    }

    [Test]
    public async Task OversizedBody_RequestEntityTooLarge413()
    {
        var big = new string('x', 3 * 1024 * 1024 + 10);
        var r = await PostAsync("/api/v1/namespaces/default/configmaps", $$$"""{"metadata":{"name":"big"},"data":{"a":"{{{big}}}"}}""");
        AssertStatus(r, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
        Assert.That((await GetAsync("/version")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ConfigMapOverOneMebibyte_Invalid()
    {
        var big = new string('x', 1024 * 1024 + 1);
        var r = await PostAsync("/api/v1/namespaces/default/configmaps", $$$"""{"metadata":{"name":"big"},"data":{"a":"{{{big}}}"}}""");
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("Too long: must have at most 1048576 bytes"));
    }

    [Test]
    public async Task UnknownResource_NotFound404()
    {
        AssertStatus(await GetAsync("/api/v1/foos"), 404, "NotFound", "the server could not find the requested resource");
        AssertStatus(await GetAsync("/apis/nope.io/v1/things"), 404, "NotFound");
    }

    [Test]
    public async Task UnsupportedContentType_415()
    {
        var r = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", "x", "text/plain");
        AssertStatus(r, 415, "UnsupportedMediaType");
    }

    [Test]
    public async Task InvalidFieldValidationParameter_BadRequest()
    {
        var r = await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?fieldValidation=Loud", """{"metadata":{"name":"fv"}}""");
        AssertStatus(r, 400, "BadRequest");
    }

    [Test]
    public async Task UnknownMetadataField_DroppedWithWarning()
    {
        var r = await PostAsync("/api/v1/namespaces/default/configmaps", """{"metadata":{"name":"meta-extra","bogus":"x"}}""");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(r.Json["metadata"]!["bogus"], Is.Null);
        Assert.That(string.Join(",", r.Headers.GetValues("Warning")), Does.Contain("metadata.bogus"));
    }
}

[TestFixture]
public sealed class TableTests : EmulatorFixture
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    [Test]
    public async Task Pods_TableHasKubectlColumns()
    {
        var ns = await NewNamespaceAsync("tbl");
        await PostAsync($"/api/v1/namespaces/{ns}/pods", SemanticsTests.Pod("p", ",\"nodeName\":\"node-a\""));
        var t = (await GetAsync($"/api/v1/namespaces/{ns}/pods", TableAccept)).Json;
        Assert.That(t["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]), Is.EqualTo(new[] { "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates" }));
        var cells = t["rows"]![0]!["cells"]!.AsArray().Select(c => c?.ToString()).ToList();
        Assert.That(cells.Take(4), Is.EqualTo(new[] { "p", "0/1", "Pending", "0" }));
        Assert.That(cells[6], Is.EqualTo("node-a"));
        Assert.That((int?)t["columnDefinitions"]![5]!["priority"], Is.EqualTo(1));
    }

    [Test]
    public async Task Namespaces_TableAndDefaultTableForRoles()
    {
        var t = (await GetAsync("/api/v1/namespaces/default", TableAccept)).Json;
        Assert.That(t["rows"]![0]!["cells"]!.AsArray().Select(c => c?.ToString()).Take(2), Is.EqualTo(new[] { "default", "Active" }));
        var roles = (await GetAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", TableAccept)).Json;
        Assert.That(roles["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]), Is.EqualTo(new[] { "Name", "Created At" }));
    }

    [Test]
    public async Task PartialObjectMetadataList_ReturnsOnlyMetadata()
    {
        var r = (await GetAsync("/api/v1/namespaces", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")).Json;
        Assert.That((string?)r["kind"], Is.EqualTo("PartialObjectMetadataList"));
        Assert.That(r["items"]![0]!["spec"], Is.Null);
        Assert.That(r["items"]![0]!["metadata"]!["name"], Is.Not.Null);
    }

    [Test]
    public async Task Accept_OnlyUnsupported_NotAcceptable406()
    {
        AssertStatus(await GetAsync("/api/v1/namespaces", "application/vnd.kubernetes.protobuf"), 406, "NotAcceptable");
    }
}
