using System.Text;
using System.Text.Json.Nodes;
using Terway.Operator.Webhooks.Admission;

namespace Terway.Operator.Tests.Webhooks;

[TestFixture]
public sealed class AdmissionReviewTests
{
    private const string Review = """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
          "uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
          "kind":{"group":"","version":"v1","kind":"Pod"},
          "resource":{"group":"","version":"v1","resource":"pods"},
          "requestKind":{"group":"","version":"v1","kind":"Pod"},
          "name":"web-0","namespace":"apps","operation":"CREATE",
          "userInfo":{"username":"admin","groups":["system:masters"]},
          "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0"}},
          "oldObject":null,"dryRun":true,"options":{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}}}
        """;

    [Test]
    public void TryParse_V1Review_AllFieldsRead()
    {
        var request = AdmissionReview.TryParse(Encoding.UTF8.GetBytes(Review), out var error);

        Assert.That(error, Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(request!.Uid, Is.EqualTo("705ab4f5-6393-11e8-b7cc-42010a800002"));
            Assert.That(request.Kind, Is.EqualTo("Pod"));
            Assert.That(request.Group, Is.Empty);
            Assert.That(request.Operation, Is.EqualTo("CREATE"));
            Assert.That(request.Namespace, Is.EqualTo("apps"));
            Assert.That(request.Name, Is.EqualTo("web-0"));
            Assert.That(request.DryRun, Is.True);
            Assert.That(request.Object!["metadata"]!["name"]!.GetValue<string>(), Is.EqualTo("web-0"));
            Assert.That(request.OldObject, Is.Null);
        });
    }

    [TestCase("", "not JSON")]
    [TestCase("{", "not JSON")]
    [TestCase("[]", "not an AdmissionReview object")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}""", "expected kind AdmissionReview")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{}}""", "expected kind AdmissionReview")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "has no request")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE"}}""", "lacks uid, operation or kind")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7,"operation":"CREATE","kind":{"kind":"Pod"}}}""", "lacks uid, operation or kind")]
    [TestCase("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE","kind":{"kind":"Pod"},"object":"x"}}""", "must be objects")]
    public void TryParse_Malformed_NullWithReason(string body, string reason)
    {
        var request = AdmissionReview.TryParse(Encoding.UTF8.GetBytes(body), out var error);

        Assert.That(request, Is.Null);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void Response_Patched_UidEchoedPatchBase64Warnings()
    {
        var request = AdmissionReview.TryParse(Encoding.UTF8.GetBytes(Review), out _)!;
        var decision = AdmissionDecision.Patched([JsonPatchOperation.Add("/metadata/annotations", new JsonObject { ["a"] = "b" })], "ok", ["careful"]);

        var response = AdmissionReview.Response(request, decision);

        var r = response["response"]!;
        Assert.Multiple(() =>
        {
            Assert.That(response["apiVersion"]!.GetValue<string>(), Is.EqualTo("admission.k8s.io/v1"));
            Assert.That(response["kind"]!.GetValue<string>(), Is.EqualTo("AdmissionReview"));
            Assert.That(r["uid"]!.GetValue<string>(), Is.EqualTo(request.Uid));
            Assert.That(r["allowed"]!.GetValue<bool>(), Is.True);
            Assert.That(r["patchType"]!.GetValue<string>(), Is.EqualTo("JSONPatch"));
            Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(r["patch"]!.GetValue<string>())),
                Is.EqualTo("""[{"op":"add","path":"/metadata/annotations","value":{"a":"b"}}]"""));
            Assert.That(r["warnings"]!.AsArray().Single()!.GetValue<string>(), Is.EqualTo("careful"));
        });
    }

    [Test]
    public void Response_Denied_StatusWithCodeReasonMessageAndNoPatch()
    {
        var request = AdmissionReview.TryParse(Encoding.UTF8.GetBytes(Review), out _)!;

        var r = AdmissionReview.Response(request, AdmissionDecision.Invalid("PodNetworking x is invalid: spec.a: bad"))["response"]!;

        Assert.Multiple(() =>
        {
            Assert.That(r["allowed"]!.GetValue<bool>(), Is.False);
            Assert.That(r["status"]!["code"]!.GetValue<int>(), Is.EqualTo(422));
            Assert.That(r["status"]!["reason"]!.GetValue<string>(), Is.EqualTo("Invalid"));
            Assert.That(r["status"]!["message"]!.GetValue<string>(), Is.EqualTo("PodNetworking x is invalid: spec.a: bad"));
            Assert.That(r["patch"], Is.Null);
            Assert.That(r["warnings"], Is.Null);
        });
    }

    [Test]
    public void Escape_SlashAndTilde_Rfc6901() =>
        Assert.That(JsonPatchOperation.Escape("k8s.aliyun.com/pod~eni"), Is.EqualTo("k8s.aliyun.com~1pod~0eni"));
}
