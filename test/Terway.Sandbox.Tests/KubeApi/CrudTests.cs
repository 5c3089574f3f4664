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

[TestFixture]
public sealed class SemanticsTests : EmulatorFixture
{
    private static string Cm(string name, string extra = "") => $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}"{{{extra}}}},"data":{"a":"1"}}""";

    [Test]
    public async Task ResourceVersion_IsClusterWideAndMonotonic()
    {
        var ns = await NewNamespaceAsync();
        var a = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("a"));
        var b = await PostAsync($"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases", """{"metadata":{"name":"l"},"spec":{"holderIdentity":"x"}}""");
        var rvA = long.Parse((string)a.Json["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture);
        var rvB = long.Parse((string)b.Json["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(rvB, Is.GreaterThan(rvA));
    }

    [Test]
    public async Task Update_StaleResourceVersion_Conflict409WithRealMessage()
    {
        var ns = await NewNamespaceAsync();
        var created = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("c"))).Json;
        var rv = (string)created["metadata"]!["resourceVersion"]!;
        created["data"]!["a"] = "2";
        var first = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/c", created.ToJsonString());
        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Text);
        created["metadata"]!["resourceVersion"] = rv;
        created["data"]!["a"] = "3";
        var stale = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/c", created.ToJsonString());
        AssertStatus(stale, 409, "Conflict", "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again");
    }

    [Test]
    public async Task Update_NoChange_KeepsResourceVersion()
    {
        var ns = await NewNamespaceAsync();
        var created = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("same"))).Json;
        var again = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/same", created.ToJsonString());
        Assert.That((string?)again.Json["metadata"]!["resourceVersion"], Is.EqualTo((string?)created["metadata"]!["resourceVersion"]));
    }

    [Test]
    public async Task Create_InMissingNamespace_NamespaceNotFound()
    {
        var r = await PostAsync("/api/v1/namespaces/does-not-exist/configmaps", Cm("x"));
        AssertStatus(r, 404, "NotFound", "namespaces \"does-not-exist\" not found");
    }

    [Test]
    public async Task Create_NamespaceMismatch_BadRequest()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("x", ",\"namespace\":\"other\""));
        AssertStatus(r, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }

    [Test]
    public async Task Update_NameMismatch_BadRequest()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("n1"));
        var r = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/n1", Cm("n2"));
        AssertStatus(r, 400, "BadRequest", "the name of the object (n2) does not match the name on the URL (n1)");
    }

    [Test]
    public async Task Create_WrongApiVersion_BadRequest()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}""");
        AssertStatus(r, 400, "BadRequest", "the API version in the data (apps/v1) does not match the expected API version (v1)");
    }

    [Test]
    public async Task Create_WrongKind_BadRequest()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}""");
        AssertStatus(r, 400, "BadRequest");
    }

    [Test]
    public async Task Create_InvalidName_Invalid422WithCause()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("Bad_Name"));
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.StartWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of"));
        var cause = r.Json["details"]!["causes"]![0]!;
        Assert.That((string?)cause["reason"], Is.EqualTo("FieldValueInvalid"));
        Assert.That((string?)cause["field"], Is.EqualTo("metadata.name"));
    }

    [Test]
    public async Task Create_NamespaceNameNotDnsLabel_Invalid()
    {
        var r = await PostAsync("/api/v1/namespaces", """{"metadata":{"name":"a.b"}}""");
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("a lowercase RFC 1123 label must consist of"));
    }

    [Test]
    public async Task Create_InvalidLabelValue_Invalid()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("x", ",\"labels\":{\"app\":\"bad value\"}"));
        AssertStatus(r, 422, "Invalid");
        Assert.That((string?)r.Json["details"]!["causes"]![0]!["field"], Is.EqualTo("metadata.labels"));
        Assert.That(r.Str("message"), Does.Contain("a valid label must be an empty string or consist of alphanumeric characters"));
    }

    [Test]
    public async Task Create_InvalidAnnotationKey_Invalid()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("x", ",\"annotations\":{\"a/b/c\":\"v\"}"));
        AssertStatus(r, 422, "Invalid");
        Assert.That((string?)r.Json["details"]!["causes"]![0]!["field"], Is.EqualTo("metadata.annotations"));
    }

    [Test]
    public async Task Create_WithResourceVersion_InternalError()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("x", ",\"resourceVersion\":\"5\""));
        AssertStatus(r, 500, "InternalError", "Internal error occurred: resourceVersion should not be set on objects to be created");
    }

    [Test]
    public async Task Create_GenerateName_AppendsFiveChars()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"generateName":"gen-"}}""");
        Assert.That((string?)r.Json["metadata"]!["name"], Does.Match("^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$"));
    }

    [Test]
    public async Task DryRun_Create_IsNotPersisted()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/configmaps?dryRun=All", Cm("dry"));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        var get = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/dry");
        AssertStatus(get, 404, "NotFound");
    }

    [Test]
    public async Task DryRun_UpdateAndDelete_AreNotPersisted()
    {
        var ns = await NewNamespaceAsync();
        var created = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("d2"))).Json;
        created["data"]!["a"] = "changed";
        var u = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/d2?dryRun=All", created.ToJsonString());
        Assert.That((string?)u.Json["data"]!["a"], Is.EqualTo("changed"));
        var d = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/d2?dryRun=All");
        Assert.That(d.Status, Is.EqualTo(HttpStatusCode.OK));
        var get = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/d2");
        Assert.That((string?)get.Json["data"]!["a"], Is.EqualTo("1"));
    }

    [Test]
    public async Task Status_MainEndpointIgnoresStatus_StatusEndpointIgnoresSpec()
    {
        var ns = await NewNamespaceAsync();
        var dep = (await PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", Deployment("d"))).Json;
        Assert.That((long?)dep["metadata"]!["generation"], Is.EqualTo(1));
        dep["status"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = 5 };
        dep["spec"]!["replicas"] = 3;
        var main = (await SendAsync(HttpMethod.Put, $"/apis/apps/v1/namespaces/{ns}/deployments/d", dep.ToJsonString())).Json;
        Assert.Multiple(() =>
        {
            Assert.That((long?)main["spec"]!["replicas"], Is.EqualTo(3));
            Assert.That(main["status"]!["replicas"], Is.Null);
            Assert.That((long?)main["metadata"]!["generation"], Is.EqualTo(2));
        });
        main["status"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = 7 };
        main["spec"]!["replicas"] = 9;
        var status = (await SendAsync(HttpMethod.Put, $"/apis/apps/v1/namespaces/{ns}/deployments/d/status", main.ToJsonString())).Json;
        Assert.Multiple(() =>
        {
            Assert.That((long?)status["status"]!["replicas"], Is.EqualTo(7));
            Assert.That((long?)status["spec"]!["replicas"], Is.EqualTo(3));
            Assert.That((long?)status["metadata"]!["generation"], Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Generation_WithoutStatusSubresource_BumpsOnAnyNonMetadataChange()
    {
        var ns = await NewNamespaceAsync();
        var cm = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("g"))).Json;
        cm["metadata"]!["labels"] = new System.Text.Json.Nodes.JsonObject { ["x"] = "y" };
        var labeled = (await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/g", cm.ToJsonString())).Json;
        Assert.That((long?)labeled["metadata"]!["generation"], Is.EqualTo(1));
        labeled["data"]!["a"] = "2";
        var changed = (await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/g", labeled.ToJsonString())).Json;
        Assert.That((long?)changed["metadata"]!["generation"], Is.EqualTo(2));
    }

    [Test]
    public async Task Pod_UpdateOfImmutableSpec_Forbidden()
    {
        var ns = await NewNamespaceAsync();
        var pod = (await PostAsync($"/api/v1/namespaces/{ns}/pods", Pod("p"))).Json;
        pod["spec"]!["containers"]![0]!["image"] = "nginx:2";
        var ok = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/p", pod.ToJsonString());
        Assert.That(ok.Status, Is.EqualTo(HttpStatusCode.OK), ok.Text);
        var p2 = ok.Json;
        p2["spec"]!["restartPolicy"] = "Never";
        var bad = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/pods/p", p2.ToJsonString());
        AssertStatus(bad, 422, "Invalid");
        Assert.That(bad.Str("message"), Does.Contain("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`"));
    }

    [Test]
    public async Task Pod_WithoutContainers_RequiredValue()
    {
        var ns = await NewNamespaceAsync();
        var r = await PostAsync($"/api/v1/namespaces/{ns}/pods", """{"metadata":{"name":"empty"},"spec":{}}""");
        AssertStatus(r, 422, "Invalid", "Pod \"empty\" is invalid: spec.containers: Required value");
    }

    [Test]
    public async Task Update_UidChange_FieldIsImmutable()
    {
        var ns = await NewNamespaceAsync();
        var cm = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", Cm("u"))).Json;
        cm["metadata"]!["uid"] = "11111111-1111-1111-1111-111111111111";
        var r = await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/configmaps/u", cm.ToJsonString());
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("metadata.uid: Invalid value: \"11111111-1111-1111-1111-111111111111\": field is immutable"));
    }

    [Test]
    public async Task Deployment_SelectorNotMatchingTemplate_Invalid()
    {
        var ns = await NewNamespaceAsync();
        var body = Deployment("bad").Replace("\"app\":\"d\"}},\"template\"", "\"app\":\"other\"}},\"template\"", StringComparison.Ordinal);
        var r = await PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", body);
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("`selector` does not match template `labels`"));
    }

    [Test]
    public async Task Secret_StringData_FoldedIntoData()
    {
        var ns = await NewNamespaceAsync();
        var r = (await PostAsync($"/api/v1/namespaces/{ns}/secrets", """{"metadata":{"name":"s"},"stringData":{"k":"hello"}}""")).Json;
        Assert.Multiple(() =>
        {
            Assert.That((string?)r["data"]!["k"], Is.EqualTo("aGVsbG8="));
            Assert.That(r["stringData"], Is.Null);
            Assert.That((string?)r["type"], Is.EqualTo("Opaque"));
        });
    }

    [Test]
    public async Task Lease_UpdateWhenMissing_CreatesIt()
    {
        var ns = await NewNamespaceAsync();
        var r = await SendAsync(HttpMethod.Put, $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/leader", """{"metadata":{"name":"leader"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}}""");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
    }

    [Test]
    public async Task Events_CoreAndEventsV1_ShareStorage()
    {
        var ns = await NewNamespaceAsync();
        var body = $$$"""{"metadata":{"name":"e1"},"regarding":{"kind":"Pod","name":"p","namespace":"{{{ns}}}"},"reason":"Started","note":"hello","type":"Normal","action":"Start","reportingController":"terway.io/test","reportingInstance":"i1","eventTime":"2025-01-01T00:00:00.000000Z"}""";
        var created = await PostAsync($"/apis/events.k8s.io/v1/namespaces/{ns}/events", body);
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        var core = (await GetAsync($"/api/v1/namespaces/{ns}/events/e1")).Json;
        Assert.Multiple(() =>
        {
            Assert.That((string?)core["message"], Is.EqualTo("hello"));
            Assert.That((string?)core["involvedObject"]!["name"], Is.EqualTo("p"));
            Assert.That((string?)core["reportingComponent"], Is.EqualTo("terway.io/test"));
        });
        var bad = await PostAsync($"/apis/events.k8s.io/v1/namespaces/{ns}/events", """{"metadata":{"name":"e2"},"reason":"x","type":"Normal"}""");
        AssertStatus(bad, 422, "Invalid");
        Assert.That(bad.Str("message"), Does.Contain("eventTime: Required value"));
    }

    internal static string Deployment(string name) => """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}
        """.Replace("NAME", name, StringComparison.Ordinal);

    internal static string Pod(string name, string extraSpec = "", string labels = "{}") =>
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":" + labels +
        "},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}],\"ports\":[{\"containerPort\":80}]}]" + extraSpec + "}}";
}
