using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Cel;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Patching;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Selectors;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Admission;

/// <summary>
/// Calls the webhooks of the stored Mutating/ValidatingWebhookConfigurations with AdmissionReview
/// v1 over HTTPS (server certificate checked against <c>caBundle</c>): rule, namespace/object
/// selector and matchCondition matching, JSONPatch responses, failurePolicy and timeouts.
/// </summary>
internal sealed partial class WebhookAdmission(ResourceOperations ops, Func<string, string, int, Uri?>? serviceResolver, TimeProvider time, ILogger log) : IAdmissionController
{
    private const string MutatingKey = "admissionregistration.k8s.io/mutatingwebhookconfigurations";
    private const string ValidatingKey = "admissionregistration.k8s.io/validatingwebhookconfigurations";

    public async Task<JsonObject?> MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (Exempt(request))
        {
            return request.Object;
        }

        var obj = request.Object;
        foreach (var (config, hook) in Hooks(MutatingKey))
        {
            var current = request with { Object = obj };
            if (!Matches(hook, current))
            {
                continue;
            }

            var response = await CallAsync(config, hook, current, ct).ConfigureAwait(false);
            if (response == null)
            {
                continue;
            }

            var patch = JsonUtil.Str(response, "patch");
            if (patch != null && obj != null)
            {
                if (JsonUtil.Str(response, "patchType") != "JSONPatch")
                {
                    throw StatusException.Internal($"admission webhook \"{JsonUtil.Str(hook, "name")}\" returned an unsupported patchType {JsonUtil.Str(response, "patchType")}");
                }

                try
                {
                    var ops0 = JsonNode.Parse(Convert.FromBase64String(patch));
                    obj = JsonPatch.Apply(obj.DeepClone(), ops0) as JsonObject ?? throw new PatchApplyException("patch result is not an object");
                }
                catch (Exception e) when (e is PatchApplyException or PatchFormatException or FormatException or System.Text.Json.JsonException)
                {
                    throw StatusException.Internal($"JSON Patch: {e.Message}");
                }
            }
        }

        return obj;
    }

    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (Exempt(request))
        {
            return;
        }

        var calls = Hooks(ValidatingKey).Where(h => Matches(h.Hook, request)).Select(h => CallAsync(h.Config, h.Hook, request, ct)).ToList();
        await Task.WhenAll(calls).ConfigureAwait(false);
    }

    /// <summary>Webhook configurations themselves are never sent to webhooks (as on the real server).</summary>
    private static bool Exempt(AdmissionRequest r) =>
        r.Resource.Group == "admissionregistration.k8s.io" || r.Resource.IsVirtual || (r.Resource.Group == "coordination.k8s.io" && r.Namespace == "kube-node-lease");

    private List<(JsonObject Config, JsonObject Hook)> Hooks(string storageKey)
    {
        List<StoredObject> configs;
        lock (ops.Store.Gate)
        {
            configs = ops.Store.Table(storageKey).All().ToList();
        }

        var result = new List<(JsonObject, JsonObject)>();
        foreach (var c in configs.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var parsed = c.Parse();
            foreach (var h in (JsonUtil.Arr(parsed, "webhooks") ?? []).OfType<JsonObject>())
            {
                result.Add((parsed, h));
            }
        }

        return result;
    }

    private bool Matches(JsonObject hook, AdmissionRequest r)
    {
        var rt = r.Resource;
        var ruleMatch = (JsonUtil.Arr(hook, "rules") ?? []).OfType<JsonObject>().Any(rule =>
        {
            bool Has(string field, string value) => (JsonUtil.Arr(rule, field) ?? []).Select(JsonUtil.AsString).Any(v => v == "*" || v == value);
            if (!Has("operations", r.Operation) || !Has("apiGroups", rt.Group) || !Has("apiVersions", rt.Version))
            {
                return false;
            }

            var resources = (JsonUtil.Arr(rule, "resources") ?? []).Select(x => JsonUtil.AsString(x) ?? "").ToList();
            var resourceOk = r.SubResource.Length == 0
                ? resources.Any(x => x == "*" || x == rt.Plural)
                : resources.Any(x => x == "*/*" || x == rt.Plural + "/" + r.SubResource || x == rt.Plural + "/*" || x == "*/" + r.SubResource);
            if (!resourceOk)
            {
                return false;
            }

            return JsonUtil.Str(rule, "scope") switch
            {
                "Cluster" => !rt.Namespaced,
                "Namespaced" => rt.Namespaced,
                _ => true,
            };
        });
        if (!ruleMatch)
        {
            return false;
        }

        if (LabelSelector.FromObject(hook["namespaceSelector"] as JsonObject) is { IsEmpty: false } nsSel)
        {
            IReadOnlyDictionary<string, string>? nsLabels = null;
            if (rt.Group.Length == 0 && rt.Plural == "namespaces")
            {
                nsLabels = Labels(r.Object ?? r.OldObject);
            }
            else if (rt.Namespaced)
            {
                var nsType = ops.Registry.Find("", "v1", "namespaces")!;
                nsLabels = ops.TryGetStored(nsType, "", r.Namespace)?.Labels ?? new Dictionary<string, string>();
            }

            if (nsLabels != null && !nsSel.Matches(nsLabels))
            {
                return false;
            }
        }

        if (LabelSelector.FromObject(hook["objectSelector"] as JsonObject) is { IsEmpty: false } objSel)
        {
            var matchNew = r.Object != null && objSel.Matches(Labels(r.Object));
            var matchOld = r.OldObject != null && objSel.Matches(Labels(r.OldObject));
            if (!matchNew && !matchOld)
            {
                return false;
            }
        }

        return true;
    }

    private static Dictionary<string, string> Labels(JsonObject? o) =>
        (JsonUtil.Obj(o?["metadata"], "labels") ?? []).ToDictionary(p => p.Key, p => JsonUtil.AsString(p.Value) ?? "", StringComparer.Ordinal);

    private static JsonObject ReviewRequest(AdmissionRequest r, string uid)
    {
        var rt = r.Resource;
        var kind = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["kind"] = rt.Kind };
        var resource = new JsonObject { ["group"] = rt.Group, ["version"] = rt.Version, ["resource"] = rt.Plural };
        var req = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
        };
        if (r.SubResource.Length > 0)
        {
            req["subResource"] = r.SubResource;
        }

        req["requestKind"] = kind.DeepClone();
        req["requestResource"] = resource.DeepClone();
        if (r.SubResource.Length > 0)
        {
            req["requestSubResource"] = r.SubResource;
        }

        req["name"] = r.Name;
        if (r.Namespace.Length > 0)
        {
            req["namespace"] = r.Namespace;
        }

        req["operation"] = r.Operation;
        req["userInfo"] = new JsonObject
        {
            ["username"] = r.User.Name,
            ["groups"] = new JsonArray(r.User.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
        };
        req["object"] = r.Object?.DeepClone();
        req["oldObject"] = r.OldObject?.DeepClone();
        req["dryRun"] = r.DryRun;
        req["options"] = new JsonObject { ["kind"] = r.OptionsKind, ["apiVersion"] = "meta.k8s.io/v1" };
        return new JsonObject { ["kind"] = "AdmissionReview", ["apiVersion"] = "admission.k8s.io/v1", ["request"] = req };
    }

    /// <summary>Calls one webhook; returns its response, or null when skipped under failurePolicy Ignore.</summary>
    private async Task<JsonObject?> CallAsync(JsonObject config, JsonObject hook, AdmissionRequest r, CancellationToken ct)
    {
        var name = JsonUtil.Str(hook, "name") ?? "";
        var ignore = JsonUtil.Str(hook, "failurePolicy") == "Ignore";
        var uid = Guid.NewGuid().ToString();
        var review = ReviewRequest(r, uid);
        try
        {
            if (!MatchConditions(hook, review, r))
            {
                return null;
            }
        }
        catch (Exception e) when (e is CelEvalException or CelUnsupportedException)
        {
            if (ignore)
            {
                return null;
            }

            throw StatusException.Internal($"failed calling webhook \"{name}\": matchCondition error: {e.Message}");
        }

        Uri url;
        try
        {
            url = ResolveUrl(hook);
        }
        catch (InvalidOperationException e)
        {
            if (ignore)
            {
                return null;
            }

            throw StatusException.Internal($"failed calling webhook \"{name}\": failed to call webhook: {e.Message}");
        }

        var timeout = TimeSpan.FromSeconds(JsonUtil.AsLong(hook["timeoutSeconds"]) ?? 10);
        JsonObject response;
        try
        {
            using var handler = MakeHandler(JsonUtil.Str(hook["clientConfig"], "caBundle"));
            using var client = new HttpClient(handler) { Timeout = timeout };
            using var content = new StringContent(JsonUtil.ToText(review), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var resp = await client.PostAsync(url, content, ct).ConfigureAwait(false);
            var text = await resp.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!resp.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"the server responded with status code {(int)resp.StatusCode}: {text}");
            }

            var doc = JsonNode.Parse(text) as JsonObject ?? throw new HttpRequestException("response is not an AdmissionReview object");
            response = doc["response"] as JsonObject ?? throw new HttpRequestException("webhook response was absent");
            if (JsonUtil.Str(response, "uid") != uid)
            {
                throw new HttpRequestException($"expected response.uid=\"{uid}\", got \"{JsonUtil.Str(response, "uid")}\"");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            LogCallFailed(log, name, e.Message);
            if (ignore)
            {
                return null;
            }

            var reason = e is TaskCanceledException ? "context deadline exceeded" : e.Message;
            throw StatusException.Internal($"failed calling webhook \"{name}\": failed to call webhook: Post \"{url}\": {reason}");
        }

        if (JsonUtil.AsBool(response["allowed"]) != true)
        {
            var status = response["status"] as JsonObject ?? new JsonObject();
            var code = (int)(JsonUtil.AsLong(status["code"]) ?? 0);
            if (code < 400)
            {
                code = 400;
            }

            var msg = JsonUtil.Str(status, "message");
            var reason = JsonUtil.Str(status, "reason") ?? "";
            var denied = $"admission webhook \"{name}\" denied the request";
            var message = !string.IsNullOrEmpty(msg) ? $"{denied}: {msg}" : reason.Length > 0 ? $"{denied}: {reason}" : denied + " without explanation";
            throw new StatusException(code, reason, message, status["details"]?.DeepClone() as JsonObject);
        }

        _ = config;
        return response;
    }

    private bool MatchConditions(JsonObject hook, JsonObject review, AdmissionRequest r)
    {
        var conditions = JsonUtil.Arr(hook, "matchConditions");
        if (conditions == null || conditions.Count == 0)
        {
            return true;
        }

        var vars = new Dictionary<string, object?>
        {
            ["object"] = CelEvaluator.FromJson(r.Object, null),
            ["oldObject"] = CelEvaluator.FromJson(r.OldObject, null),
            ["request"] = CelEvaluator.FromJson(review["request"], null),
        };
        foreach (var c in conditions.OfType<JsonObject>())
        {
            var expr = CelParser.Parse(JsonUtil.Str(c, "expression") ?? "true");
            if (new CelEvaluator(new Dictionary<string, object?>(vars)).Eval(expr) is not true)
            {
                return false;
            }
        }

        _ = time;
        return true;
    }

    private Uri ResolveUrl(JsonObject hook)
    {
        var cc = hook["clientConfig"] as JsonObject ?? new JsonObject();
        if (JsonUtil.Str(cc, "url") is { } url)
        {
            return new Uri(url);
        }

        var svc = cc["service"] as JsonObject ?? throw new InvalidOperationException("no url or service");
        var ns = JsonUtil.Str(svc, "namespace") ?? "";
        var name = JsonUtil.Str(svc, "name") ?? "";
        var port = (int)(JsonUtil.AsLong(svc["port"]) ?? 443);
        var baseUri = serviceResolver?.Invoke(ns, name, port)
                      ?? throw new InvalidOperationException($"service \"{name}.{ns}.svc:{port}\" has no endpoints in the emulator (no ServiceResolver mapping)");
        var path = JsonUtil.Str(svc, "path") ?? "/";
        return new Uri(baseUri, path);
    }

    private static SocketsHttpHandler MakeHandler(string? caBundle)
    {
        var handler = new SocketsHttpHandler();
        if (!string.IsNullOrEmpty(caBundle))
        {
            var pem = Encoding.UTF8.GetString(Convert.FromBase64String(caBundle));
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(pem);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert == null)
                    {
                        return false;
                    }

                    if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
                },
            };
        }

        return handler;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admission webhook {Webhook} call failed: {Reason}")]
    private static partial void LogCallFailed(ILogger logger, string webhook, string reason);
}
