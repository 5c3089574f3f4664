using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Terway.Operator.Webhooks.Admission;

/// <summary>The parts of an AdmissionReview request the webhooks use.</summary>
/// <param name="ApiVersion">The review's apiVersion (<c>admission.k8s.io/v1</c>, or v1beta1 which has the same shape); echoed in the answer.</param>
/// <param name="Uid">The request uid; echoed in the answer.</param>
/// <param name="Group">Group of the object's kind (empty for core).</param>
/// <param name="Version">Version of the object's kind.</param>
/// <param name="Kind">The object's kind (<c>Pod</c>, <c>PodNetworking</c>).</param>
/// <param name="SubResource">Subresource, if any.</param>
/// <param name="Operation">CREATE, UPDATE, DELETE or CONNECT.</param>
/// <param name="Namespace">Namespace of the request (the object's own may be empty on CREATE).</param>
/// <param name="Name">Name of the object (empty for generateName creates).</param>
/// <param name="Object">The new object, if any.</param>
/// <param name="OldObject">The old object (UPDATE, DELETE).</param>
/// <param name="DryRun">True when nothing will be persisted.</param>
internal sealed record AdmissionRequest(
    string ApiVersion,
    string Uid,
    string Group,
    string Version,
    string Kind,
    string? SubResource,
    string Operation,
    string? Namespace,
    string? Name,
    JsonObject? Object,
    JsonObject? OldObject,
    bool DryRun);

/// <summary>Reads AdmissionReview requests and writes AdmissionReview responses (admission.k8s.io/v1).</summary>
internal static class AdmissionReview
{
    /// <summary>The review's API version the configurations ask for.</summary>
    public const string V1 = "admission.k8s.io/v1";

    /// <summary>The older version with the same shape.</summary>
    public const string V1Beta1 = "admission.k8s.io/v1beta1";

    /// <summary>Parses a request body; on failure returns null and says why.</summary>
    public static AdmissionRequest? TryParse(ReadOnlySpan<byte> body, out string error)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException ex)
        {
            error = "the body is not JSON: " + ex.Message;
            return null;
        }

        if (root is not JsonObject review)
        {
            error = "the body is not an AdmissionReview object";
            return null;
        }

        var apiVersion = Str(review, "apiVersion");
        if (apiVersion is not (V1 or V1Beta1) || Str(review, "kind") != "AdmissionReview")
        {
            error = $"expected kind AdmissionReview in {V1}, got kind '{Str(review, "kind")}' in '{apiVersion}'";
            return null;
        }

        if (review["request"] is not JsonObject request)
        {
            error = "the AdmissionReview has no request";
            return null;
        }

        var uid = Str(request, "uid");
        var operation = Str(request, "operation");
        if (string.IsNullOrEmpty(uid) || string.IsNullOrEmpty(operation) || request["kind"] is not JsonObject kind || string.IsNullOrEmpty(Str(kind, "kind")))
        {
            error = "the AdmissionReview request lacks uid, operation or kind";
            return null;
        }

        if (request["object"] is { } obj && obj is not JsonObject || request["oldObject"] is { } old && old is not JsonObject)
        {
            error = "request.object and request.oldObject must be objects";
            return null;
        }

        error = "";
        return new AdmissionRequest(
            apiVersion,
            uid,
            Str(kind, "group") ?? "",
            Str(kind, "version") ?? "",
            Str(kind, "kind")!,
            Str(request, "subResource"),
            operation,
            Str(request, "namespace"),
            Str(request, "name"),
            request["object"] as JsonObject,
            request["oldObject"] as JsonObject,
            request["dryRun"] is JsonValue dry && dry.TryGetValue<bool>(out var d) && d);
    }

    /// <summary>The AdmissionReview answering <paramref name="request"/> with <paramref name="decision"/>.</summary>
    public static JsonObject Response(AdmissionRequest request, AdmissionDecision decision)
    {
        var response = new JsonObject
        {
            ["uid"] = request.Uid,
            ["allowed"] = decision.Allowed,
        };
        var status = new JsonObject { ["code"] = decision.Code, ["message"] = decision.Message };
        if (!decision.Allowed)
        {
            status["status"] = "Failure";
            status["reason"] = decision.Reason;
        }

        response["status"] = status;
        if (decision.Allowed && decision.Patch.Count > 0)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonPatchOperation.ToDocument(decision.Patch).ToJsonString()));
        }

        if (decision.Warnings.Count > 0)
        {
            response["warnings"] = new JsonArray([.. decision.Warnings.Select(w => (JsonNode)JsonValue.Create(w))]);
        }

        return new JsonObject { ["apiVersion"] = request.ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
    }

    private static string? Str(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
