using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>Mutating/ValidatingWebhookConfiguration defaults and validation.</summary>
internal sealed class WebhookConfigStrategy(bool mutating) : KindStrategy
{
    public override void Decode(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        foreach (var w in (JsonUtil.Arr(obj, "webhooks") ?? []).OfType<JsonObject>())
        {
            var ca = JsonUtil.Str(w["clientConfig"], "caBundle");
            if (ca != null)
            {
                try
                {
                    Convert.FromBase64String(ca);
                }
                catch (FormatException)
                {
                    throw StatusException.BadRequest($"{rt.Kind} in version \"v1\" cannot be handled as a {rt.Kind}: illegal base64 data at input byte 0");
                }
            }
        }
    }

    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx) => Defaults(obj);

    public override void PrepareForUpdate(ResourceType rt, JsonObject obj, JsonObject old, OpContext ctx) => Defaults(obj);

    private void Defaults(JsonObject obj)
    {
        foreach (var w in (JsonUtil.Arr(obj, "webhooks") ?? []).OfType<JsonObject>())
        {
            void D(string k, JsonNode v)
            {
                if (JsonUtil.IsNull(w[k]))
                {
                    w[k] = v;
                }
            }

            D("failurePolicy", "Fail");
            D("matchPolicy", "Equivalent");
            D("namespaceSelector", new JsonObject());
            D("objectSelector", new JsonObject());
            D("timeoutSeconds", 10);
            if (mutating)
            {
                D("reinvocationPolicy", "Never");
            }

            if (w["clientConfig"]?["service"] is JsonObject svc && JsonUtil.IsNull(svc["port"]))
            {
                svc["port"] = 443;
            }

            foreach (var r in (JsonUtil.Arr(w, "rules") ?? []).OfType<JsonObject>())
            {
                if (JsonUtil.IsNull(r["scope"]))
                {
                    r["scope"] = "*";
                }
            }
        }
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var hooks = JsonUtil.Arr(obj, "webhooks") ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < hooks.Count; i++)
        {
            var w = hooks[i] as JsonObject ?? new JsonObject();
            var p = $"webhooks[{i}]";
            var name = JsonUtil.Str(w, "name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required(p + ".name"));
            }
            else
            {
                if (name.Split('.').Length < 3)
                {
                    errs.Add(FieldError.Invalid(p + ".name", name, "should be a domain with at least three segments separated by dots"));
                }

                if (!names.Add(name))
                {
                    errs.Add(FieldError.Duplicate(p + ".name", name));
                }
            }

            var cc = w["clientConfig"] as JsonObject ?? new JsonObject();
            var url = JsonUtil.Str(cc, "url");
            var svc = cc["service"] as JsonObject;
            if ((url == null) == (svc == null))
            {
                errs.Add(FieldError.Required(p + ".clientConfig", "exactly one of url or service is required"));
            }
            else if (url != null)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var u))
                {
                    errs.Add(FieldError.Invalid(p + ".clientConfig.url", url, "host must be specified"));
                }
                else if (u.Scheme != "https")
                {
                    errs.Add(FieldError.Invalid(p + ".clientConfig.url", url, "'https' is the only allowed URL scheme"));
                }
            }
            else if (svc != null)
            {
                if (string.IsNullOrEmpty(JsonUtil.Str(svc, "name")))
                {
                    errs.Add(FieldError.Required(p + ".clientConfig.service.name", "service name is required"));
                }

                if (string.IsNullOrEmpty(JsonUtil.Str(svc, "namespace")))
                {
                    errs.Add(FieldError.Required(p + ".clientConfig.service.namespace", "service namespace is required"));
                }

                var path = JsonUtil.Str(svc, "path");
                if (path != null && !path.StartsWith('/'))
                {
                    errs.Add(FieldError.Invalid(p + ".clientConfig.service.path", path, "must start with a '/'"));
                }

                var port = JsonUtil.AsLong(svc["port"]);
                if (port is < 1 or > 65535)
                {
                    errs.Add(FieldError.Invalid(p + ".clientConfig.service.port", port, "port is not valid: must be between 1 and 65535, inclusive"));
                }
            }

            var se = JsonUtil.Str(w, "sideEffects");
            if (se == null)
            {
                errs.Add(FieldError.Required(p + ".sideEffects"));
            }
            else if (se is not ("None" or "NoneOnDryRun"))
            {
                errs.Add(FieldError.NotSupported(p + ".sideEffects", se, ["\"None\"", "\"NoneOnDryRun\""]));
            }

            var versions = JsonUtil.Arr(w, "admissionReviewVersions");
            if (versions == null || versions.Count == 0)
            {
                errs.Add(FieldError.Required(p + ".admissionReviewVersions", "must specify one of v1, v1beta1"));
            }
            else if (!versions.Any(v => JsonUtil.AsString(v) is "v1" or "v1beta1"))
            {
                errs.Add(FieldError.Invalid(p + ".admissionReviewVersions", versions, "must include at least one of v1, v1beta1"));
            }

            var fp = JsonUtil.Str(w, "failurePolicy");
            if (fp != null && fp is not ("Fail" or "Ignore"))
            {
                errs.Add(FieldError.NotSupported(p + ".failurePolicy", fp, ["\"Fail\"", "\"Ignore\""]));
            }

            var timeout = JsonUtil.AsLong(w["timeoutSeconds"]);
            if (timeout is < 1 or > 30)
            {
                errs.Add(FieldError.Invalid(p + ".timeoutSeconds", timeout, "the timeout value must be between 1 and 30 seconds"));
            }

            var rules = JsonUtil.Arr(w, "rules") ?? [];
            for (var r = 0; r < rules.Count; r++)
            {
                var rule = rules[r] as JsonObject ?? new JsonObject();
                var rp = $"{p}.rules[{r}]";
                foreach (var f in new[] { "operations", "apiGroups", "apiVersions", "resources" })
                {
                    if ((JsonUtil.Arr(rule, f) ?? []).Count == 0)
                    {
                        errs.Add(FieldError.Required(rp + "." + f));
                    }
                }

                var ops = JsonUtil.Arr(rule, "operations") ?? [];
                for (var o = 0; o < ops.Count; o++)
                {
                    var op = JsonUtil.AsString(ops[o]) ?? "";
                    if (op is not ("*" or "CREATE" or "UPDATE" or "DELETE" or "CONNECT"))
                    {
                        errs.Add(FieldError.NotSupported($"{rp}.operations[{o}]", op, ["\"*\"", "\"CONNECT\"", "\"CREATE\"", "\"DELETE\"", "\"UPDATE\""]));
                    }
                }

                var scope = JsonUtil.Str(rule, "scope");
                if (scope != null && scope is not ("*" or "Cluster" or "Namespaced"))
                {
                    errs.Add(FieldError.NotSupported(rp + ".scope", scope, ["\"*\"", "\"Cluster\"", "\"Namespaced\""]));
                }
            }
        }
    }

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Webhooks", "integer", "Webhooks indicates the number of webhooks in the configuration."), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), (JsonUtil.Arr(o, "webhooks") ?? []).Count, TableConverter.Age(o, now)]);
}
