using System.Net;
using System.Text.Json.Nodes;
using k8s;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class CrdTests : EmulatorFixture
{
    internal const string WidgetCrd = """
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.test.terway.io"},
         "spec":{"group":"test.terway.io","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
          "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
            "additionalPrinterColumns":[{"name":"Mode","type":"string","jsonPath":".spec.mode"},{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"},{"name":"Size","type":"integer","jsonPath":".spec.size","priority":1},{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}],
            "schema":{"openAPIV3Schema":{"type":"object","properties":{
              "spec":{"type":"object","required":["mode"],
                "x-kubernetes-validations":[{"rule":"!has(self.releaseAfter) || self.mode == 'Fixed'","message":"releaseAfter needs mode Fixed"},{"rule":"self.size <= 5 || self.mode != 'Small'","message":"small widgets are at most 5"}],
                "properties":{
                "mode":{"type":"string","enum":["Small","Fixed","Big"]},
                "size":{"type":"integer","minimum":1,"maximum":10,"default":1},
                "name":{"type":"string","pattern":"^[a-z]+$","maxLength":8},
                "releaseAfter":{"type":"string"},
                "tags":{"type":"array","maxItems":2,"items":{"type":"string"}},
                "frozen":{"type":"boolean","x-kubernetes-validations":[{"rule":"self == oldSelf","message":"frozen is immutable"}]},
                "when":{"type":"string","format":"date-time"},
                "port":{"x-kubernetes-int-or-string":true},
                "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}},
              "status":{"type":"object","properties":{"conditions":{"type":"array","items":{"type":"object","properties":{"type":{"type":"string"},"status":{"type":"string"}}}}}}}}}}]}}
        """;

    private string _ns = "";

    [OneTimeSetUp]
    public async Task InstallCrdAsync()
    {
        var r = await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", WidgetCrd);
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        Assert.That(await EventuallyAsync(async () =>
        {
            var crd = (await GetAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.test.terway.io")).Json;
            return crd["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True") == true;
        }), Is.True);
        _ns = await NewNamespaceAsync("crd");
    }

    private string Url(string name = "") => $"/apis/test.terway.io/v1/namespaces/{_ns}/widgets" + (name.Length > 0 ? "/" + name : "");

    private static string Widget(string name, string spec) => $$$"""{"apiVersion":"test.terway.io/v1","kind":"Widget","metadata":{"name":"{{{name}}}"},"spec":{{{spec}}}}""";

    [Test]
    public async Task Discovery_ListsServedCustomResource()
    {
        var r = (await GetAsync("/apis/test.terway.io/v1")).Json;
        var res = r["resources"]!.AsArray().Select(x => (string?)x!["name"]).ToList();
        Assert.That(res, Does.Contain("widgets"));
        Assert.That(res, Does.Contain("widgets/status"));
    }

    [Test]
    public async Task Create_Valid_AppliesDefaults()
    {
        var r = await PostAsync(Url(), Widget("ok", """{"mode":"Big"}"""));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        Assert.That((long?)r.Json["spec"]!["size"], Is.EqualTo(1));
    }

    [TestCase("""{"mode":"Bogus"}""", "spec.mode", "FieldValueNotSupported", "Unsupported value: \"Bogus\": supported values: \"Small\", \"Fixed\", \"Big\"")]
    [TestCase("""{}""", "spec.mode", "FieldValueRequired", "Required value")]
    [TestCase("""{"mode":"Big","size":11}""", "spec.size", "FieldValueInvalid", "Invalid value: 11: spec.size in body should be less than or equal to 10")]
    [TestCase("""{"mode":"Big","size":"x"}""", "spec.size", "FieldValueTypeInvalid", "Invalid value: \"x\": spec.size in body must be of type integer: \"string\"")]
    [TestCase("""{"mode":"Big","name":"ABC"}""", "spec.name", "FieldValueInvalid", "Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'")]
    [TestCase("""{"mode":"Big","name":"abcdefghij"}""", "spec.name", "FieldValueTooLong", "Too long: may not be more than 8 bytes")]
    [TestCase("""{"mode":"Big","tags":["a","b","c"]}""", "spec.tags", "FieldValueTooMany", "Too many: 3: must have at most 2 items")]
    [TestCase("""{"mode":"Big","when":"yesterday"}""", "spec.when", "FieldValueInvalid", "Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"")]
    [TestCase("""{"mode":"Big","releaseAfter":"5m"}""", "spec", "FieldValueInvalid", "Invalid value: \"object\": releaseAfter needs mode Fixed")]
    [TestCase("""{"mode":"Small","size":7}""", "spec", "FieldValueInvalid", "Invalid value: \"object\": small widgets are at most 5")]
    public async Task Create_Invalid_422WithCause(string spec, string field, string reason, string message)
    {
        var r = await PostAsync(Url(), Widget("bad", spec));
        AssertStatus(r, 422, "Invalid");
        var causes = r.Json["details"]!["causes"]!.AsArray();
        Assert.That(causes.Any(c => (string?)c!["field"] == field && (string?)c["reason"] == reason && (string?)c["message"] == message), Is.True, r.Text);
        Assert.That(r.Str("message"), Does.StartWith("Widget.test.terway.io \"bad\" is invalid: "));
    }

    [Test]
    public async Task Create_IntOrStringAndPreservedFields_Accepted()
    {
        var r = await PostAsync(Url(), Widget("ios", """{"mode":"Big","port":"http","extra":{"anything":{"goes":1}}}"""));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        Assert.That((int?)r.Json["spec"]!["extra"]!["anything"]!["goes"], Is.EqualTo(1));
    }

    [Test]
    public async Task Create_UnknownField_PrunedWithWarning()
    {
        var r = await PostAsync(Url(), Widget("prune", """{"mode":"Big","bogus":1}"""));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        Assert.That(r.Json["spec"]!["bogus"], Is.Null);
        Assert.That(r.Headers.GetValues("Warning"), Does.Contain("299 - \"unknown field \\\"spec.bogus\\\"\""));
    }

    [Test]
    public async Task Create_UnknownFieldStrict_BadRequest()
    {
        var r = await SendAsync(HttpMethod.Post, Url() + "?fieldValidation=Strict", Widget("strict", """{"mode":"Big","bogus":1}"""));
        AssertStatus(r, 400, "BadRequest", "strict decoding error: unknown field \"spec.bogus\"");
    }

    [Test]
    public async Task Create_MissingKind_BadRequest()
    {
        var r = await PostAsync(Url(), """{"apiVersion":"test.terway.io/v1","metadata":{"name":"nokind"},"spec":{"mode":"Big"}}""");
        AssertStatus(r, 400, "BadRequest");
        Assert.That(r.Str("message"), Does.StartWith("Object 'Kind' is missing in"));
    }

    [Test]
    public async Task TransitionRule_OnlyOnUpdate()
    {
        var created = (await PostAsync(Url(), Widget("frozen", """{"mode":"Big","frozen":true}"""))).Json;
        Assert.That(created["spec"], Is.Not.Null, created.ToJsonString());
        var r = await SendAsync(HttpMethod.Patch, Url("frozen"), """{"spec":{"frozen":false}}""", "application/merge-patch+json");
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("spec.frozen: Invalid value: \"boolean\": frozen is immutable"));
    }

    [Test]
    public async Task StrategicMergePatch_OnCustomResource_Unsupported415()
    {
        await PostAsync(Url(), Widget("smp", """{"mode":"Big"}"""));
        var r = await SendAsync(HttpMethod.Patch, Url("smp"), """{"spec":{"size":2}}""", "application/strategic-merge-patch+json");
        AssertStatus(r, 415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json");
    }

    [Test]
    public async Task Update_WithoutResourceVersion_Invalid()
    {
        var created = (await PostAsync(Url(), Widget("norv", """{"mode":"Big"}"""))).Json;
        created["metadata"]!.AsObject().Remove("resourceVersion");
        var r = await SendAsync(HttpMethod.Put, Url("norv"), created.ToJsonString());
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("metadata.resourceVersion: Invalid value: 0: must be specified for an update"));
    }

    [Test]
    public async Task StatusSubresource_GenerationOnlyOnSpecChange()
    {
        var w = (await PostAsync(Url(), Widget("gen", """{"mode":"Big"}"""))).Json;
        var status = await SendAsync(HttpMethod.Patch, Url("gen") + "/status", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", "application/merge-patch+json");
        Assert.That((long?)status.Json["metadata"]!["generation"], Is.EqualTo(1), status.Text);
        var spec = await SendAsync(HttpMethod.Patch, Url("gen"), """{"spec":{"size":3},"status":{"conditions":[]}}""", "application/merge-patch+json");
        Assert.That((long?)spec.Json["metadata"]!["generation"], Is.EqualTo(2));
        Assert.That(spec.Json["status"]!["conditions"]!.AsArray(), Has.Count.EqualTo(1), "the main endpoint ignores status");
        _ = w;
    }

    [Test]
    public async Task Table_UsesPrinterColumnsWithFilter()
    {
        await PostAsync(Url(), Widget("tbl", """{"mode":"Fixed","size":4}"""));
        await SendAsync(HttpMethod.Patch, Url("tbl") + "/status", """{"status":{"conditions":[{"type":"Other","status":"False"},{"type":"Ready","status":"True"}]}}""", "application/merge-patch+json");
        var t = (await GetAsync(Url("tbl"), "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")).Json;
        Assert.That((string?)t["kind"], Is.EqualTo("Table"));
        var cols = t["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ToList();
        Assert.That(cols, Is.EqualTo(new[] { "Name", "Mode", "Ready", "Size", "Age" }));
        var cells = t["rows"]![0]!["cells"]!.AsArray();
        Assert.That((string?)cells[0], Is.EqualTo("tbl"));
        Assert.That((string?)cells[1], Is.EqualTo("Fixed"));
        Assert.That((string?)cells[2], Is.EqualTo("True"));
        Assert.That((long?)cells[3], Is.EqualTo(4));
        Assert.That((string?)cells[4], Does.Match("^[0-9]+s$"));
        Assert.That((string?)t["rows"]![0]!["object"]!["kind"], Is.EqualTo("PartialObjectMetadata"));
    }

    [Test]
    public async Task KubernetesClient_CustomObjects_CrudAndStatus()
    {
        var body = JsonNode.Parse(Widget("kc", """{"mode":"Big"}"""));
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "test.terway.io", "v1", _ns, "widgets");
        var patch = new k8s.Models.V1Patch("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", k8s.Models.V1Patch.PatchType.MergePatch);
        await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "test.terway.io", "v1", _ns, "widgets", "kc");
        var got = await Client.CustomObjects.GetNamespacedCustomObjectAsync("test.terway.io", "v1", _ns, "widgets", "kc");
        Assert.That(((System.Text.Json.JsonElement)got).GetProperty("status").GetProperty("conditions")[0].GetProperty("status").GetString(), Is.EqualTo("True"));
    }

    [Test]
    public async Task CrdDeletion_RemovesObjectsAndStopsServing()
    {
        var crd = CrdTests.WidgetCrd.Replace("widgets", "gadgets", StringComparison.Ordinal).Replace("\"widget\"", "\"gadget\"", StringComparison.Ordinal)
            .Replace("\"Widget\"", "\"Gadget\"", StringComparison.Ordinal).Replace("[\"wd\"]", "[\"gd\"]", StringComparison.Ordinal);
        Assert.That((await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status, Is.EqualTo(HttpStatusCode.Created));
        var url = $"/apis/test.terway.io/v1/namespaces/{_ns}/gadgets";
        Assert.That(await EventuallyAsync(async () => (await GetAsync(url)).Status == HttpStatusCode.OK), Is.True);
        var created = await PostAsync(url, """{"apiVersion":"test.terway.io/v1","kind":"Gadget","metadata":{"name":"g1"},"spec":{"mode":"Big"}}""");
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Text);
        await SendAsync(HttpMethod.Delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.test.terway.io");
        Assert.That(await EventuallyAsync(async () => (await GetAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.test.terway.io")).Status == HttpStatusCode.NotFound), Is.True);
        AssertStatus(await GetAsync(url), 404, "NotFound", "the server could not find the requested resource");
    }

    [Test]
    public async Task Crd_InvalidDefinition_Rejected()
    {
        var r = await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", """
            {"metadata":{"name":"wrong.test.terway.io"},"spec":{"group":"test.terway.io","scope":"Namespaced","names":{"plural":"things","kind":"Thing"},
             "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"properties":{}}}}}}]}}
            """);
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("metadata.name: Invalid value: \"wrong.test.terway.io\": must be spec.names.plural+\".\"+spec.group"));
        Assert.That(r.Str("message"), Does.Contain("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"));
    }

    [Test]
    public async Task UnsupportedCelRule_Clear422NamingTheRule()
    {
        var crd = CrdTests.WidgetCrd.Replace("widgets", "celthings", StringComparison.Ordinal).Replace("\"widget\"", "\"celthing\"", StringComparison.Ordinal)
            .Replace("\"Widget\"", "\"CelThing\"", StringComparison.Ordinal).Replace("[\"wd\"]", "[\"ct\"]", StringComparison.Ordinal)
            .Replace("self.size <= 5 || self.mode != 'Small'", "self.mode.format(['x']) == 'y'", StringComparison.Ordinal);
        Assert.That((await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Status, Is.EqualTo(HttpStatusCode.Created));
        var url = $"/apis/test.terway.io/v1/namespaces/{_ns}/celthings";
        Assert.That(await EventuallyAsync(async () => (await GetAsync(url)).Status == HttpStatusCode.OK), Is.True);
        var r = await PostAsync(url, """{"apiVersion":"test.terway.io/v1","kind":"CelThing","metadata":{"name":"c"},"spec":{"mode":"Big"}}""");
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Str("message"), Does.Contain("self.mode.format(['x']) == 'y'"));
        Assert.That(r.Str("message"), Does.Contain("emulator's CEL subset"));
    }
}
