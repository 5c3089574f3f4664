using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;

namespace Terway.Sandbox.KubeApi.Server;

/// <summary>
/// Endpoints that are not stored objects: pods/binding, serviceaccounts/token (TokenRequest),
/// SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview, TokenReview, SelfSubjectReview.
/// </summary>
internal sealed class SpecialResources(ResourceOperations ops, TokenAuthenticator authn, RbacAuthorizer authz, TimeProvider time)
{
    public async Task<JsonObject> HandleAsync(ResourceType rt, RequestInfo info, string ns, JsonObject body, UserInfo user, OpContext ctx, CancellationToken ct)
    {
        switch (info.Subresource, rt.Plural)
        {
            case ("binding", "pods"):
                return await BindAsync(rt, ns, info.Name, body, ctx, ct).ConfigureAwait(false);
            case ("token", "serviceaccounts"):
                return TokenRequest(rt, ns, info.Name, body);
            case ("", "selfsubjectaccessreviews"):
                return AccessReview(body, user, "SelfSubjectAccessReview");
            case ("", "subjectaccessreviews"):
                {
                    var spec = body["spec"] as JsonObject ?? new JsonObject();
                    var groups = (JsonUtil.Arr(spec, "groups") ?? []).Select(g => JsonUtil.AsString(g) ?? "").ToList();
                    var subject = new UserInfo(JsonUtil.Str(spec, "user") ?? "", groups);
                    return AccessReview(body, subject, "SubjectAccessReview");
                }

            case ("", "selfsubjectrulesreviews"):
                return RulesReview(body, user);
            case ("", "tokenreviews"):
                return TokenReview(body);
            case ("", "selfsubjectreviews"):
                return new JsonObject
                {
                    ["kind"] = "SelfSubjectReview",
                    ["apiVersion"] = "authentication.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                    ["status"] = new JsonObject { ["userInfo"] = UserJson(user) },
                };
            default:
                throw StatusException.NotFoundGeneric();
        }
    }

    private static JsonObject UserJson(UserInfo u)
    {
        var o = new JsonObject { ["username"] = u.Name };
        if (u.Uid.Length > 0)
        {
            o["uid"] = u.Uid;
        }

        o["groups"] = new JsonArray(u.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        return o;
    }

    private async Task<JsonObject> BindAsync(ResourceType pods, string ns, string name, JsonObject binding, OpContext ctx, CancellationToken ct)
    {
        var target = binding["target"] as JsonObject;
        var node = JsonUtil.Str(target, "name") ?? "";
        var bindingName = JsonUtil.Str(binding["metadata"], "name");
        if (!string.IsNullOrEmpty(bindingName) && bindingName != name)
        {
            throw StatusException.BadRequest($"the name of the object ({bindingName}) does not match the name on the URL ({name})");
        }

        if (node.Length == 0)
        {
            throw StatusException.Invalid("", "Binding", name, [FieldError.Required("target.name")]);
        }

        if (JsonUtil.Str(target, "kind") is { Length: > 0 } k && k != "Node")
        {
            throw StatusException.Invalid("", "Binding", name, [FieldError.NotSupported("target.kind", k, ["\"Node\"", "\"<empty>\""])]);
        }

        var inner = new OpContext { User = ctx.User, Now = ctx.Now, DryRun = ctx.DryRun, SubResource = "binding" };
        await ops.WriteAsync(pods, ns, name, inner, pod =>
        {
            var spec = JsonUtil.EnsureObject(pod, "spec");
            var existing = JsonUtil.Str(spec, "nodeName");
            if (!string.IsNullOrEmpty(existing))
            {
                throw StatusException.Conflict("", "pods/binding", name, $"pod {name} is already assigned to node \"{existing}\"");
            }

            if (pod["metadata"]?["deletionTimestamp"] != null)
            {
                throw StatusException.Conflict("", "pods/binding", name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            spec["nodeName"] = node;
            var status = JsonUtil.EnsureObject(pod, "status");
            var conditions = status["conditions"] as JsonArray ?? [];
            // As the real binding does (UpdatePodCondition): an earlier PodScheduled=False from a
            // failed scheduling attempt is replaced, not kept beside the new one.
            foreach (var old in conditions.OfType<JsonObject>().Where(c => JsonUtil.Str(c, "type") == "PodScheduled").ToList())
            {
                conditions.Remove(old);
            }

            conditions.Add(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "True",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = JsonUtil.Rfc3339(time.GetUtcNow()),
            });
            status["conditions"] = conditions;
            return pod;
        }, fromPatch: true, ct).ConfigureAwait(false);
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = 201,
        };
    }

    private JsonObject TokenRequest(ResourceType sas, string ns, string name, JsonObject body)
    {
        var sa = ops.TryGetStored(sas, ns, name) ?? throw StatusException.NotFound("", "serviceaccounts", name);
        var spec = body["spec"] as JsonObject ?? new JsonObject();
        var seconds = JsonUtil.AsLong(spec["expirationSeconds"]) ?? 3600;
        if (seconds < 600)
        {
            throw StatusException.Invalid("authentication.k8s.io", "TokenRequest", name,
                [FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")]);
        }

        if (seconds > (long)1 << 32)
        {
            throw StatusException.Invalid("authentication.k8s.io", "TokenRequest", name,
                [FieldError.TooLong("spec.expirationSeconds", seconds, (long)1 << 32)]);
        }

        var expires = time.GetUtcNow().AddSeconds(seconds);
        var token = authn.IssueServiceAccountToken(ns, name, sa.Uid, expires);
        spec["expirationSeconds"] = seconds;
        if (spec["audiences"] is not JsonArray)
        {
            spec["audiences"] = new JsonArray("https://kubernetes.default.svc.cluster.local");
        }

        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = JsonUtil.Rfc3339(time.GetUtcNow()) },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = JsonUtil.Rfc3339(expires) },
        };
    }

    private JsonObject AccessReview(JsonObject body, UserInfo user, string kind)
    {
        var spec = body["spec"] as JsonObject ?? new JsonObject();
        AuthzAttributes attrs;
        if (spec["resourceAttributes"] is JsonObject ra)
        {
            attrs = new AuthzAttributes(JsonUtil.Str(ra, "verb") ?? "", true, JsonUtil.Str(ra, "group") ?? "", JsonUtil.Str(ra, "resource") ?? "",
                JsonUtil.Str(ra, "subresource") ?? "", JsonUtil.Str(ra, "namespace") ?? "", JsonUtil.Str(ra, "name") ?? "", "");
        }
        else if (spec["nonResourceAttributes"] is JsonObject na)
        {
            attrs = new AuthzAttributes(JsonUtil.Str(na, "verb") ?? "", false, "", "", "", "", "", JsonUtil.Str(na, "path") ?? "");
        }
        else
        {
            throw StatusException.Invalid("authorization.k8s.io", kind, "",
                [FieldError.Invalid("spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
        }

        var allowed = authz.Authorize(user, attrs);
        var status = new JsonObject { ["allowed"] = allowed };
        if (allowed)
        {
            status["reason"] = user.Groups.Contains("system:masters") ? "" : "RBAC: allowed by the emulator's RBAC authorizer";
        }

        return new JsonObject
        {
            ["kind"] = kind,
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = spec.DeepClone(),
            ["status"] = status,
        };
    }

    private JsonObject RulesReview(JsonObject body, UserInfo user)
    {
        var ns = JsonUtil.Str(body["spec"], "namespace") ?? "";
        var rules = authz.RulesIn(user, ns);
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var r in rules)
        {
            if (r.NonResourceUrls.Count > 0)
            {
                nonResourceRules.Add(r.ToJson(true));
            }
            else
            {
                resourceRules.Add(r.ToJson(false));
            }
        }

        return new JsonObject
        {
            ["kind"] = "SelfSubjectRulesReview",
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = new JsonObject { ["namespace"] = ns },
            ["status"] = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = false },
        };
    }

    private JsonObject TokenReview(JsonObject body)
    {
        var token = JsonUtil.Str(body["spec"], "token") ?? "";
        var user = authn.Authenticate(token, out _);
        var status = new JsonObject { ["authenticated"] = user != null };
        if (user != null)
        {
            status["user"] = UserJson(user);
        }
        else
        {
            status["error"] = "invalid bearer token";
        }

        return new JsonObject
        {
            ["kind"] = "TokenReview",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = body["spec"]?.DeepClone(),
            ["status"] = status,
        };
    }
}
