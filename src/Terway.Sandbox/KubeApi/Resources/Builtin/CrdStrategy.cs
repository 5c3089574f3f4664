using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinitions: defaults, validation, the cleanup finalizer.</summary>
internal sealed class CrdStrategy : KindStrategy
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    private static readonly string[] ColumnTypes = ["integer", "number", "string", "boolean", "date"];

    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        Defaults(obj);
        var storage = (JsonUtil.Arr(obj["spec"], "versions") ?? []).OfType<JsonObject>().FirstOrDefault(v => JsonUtil.AsBool(v["storage"]) == true);
        obj["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(),
            ["acceptedNames"] = new JsonObject { ["plural"] = "", ["kind"] = "" },
            ["storedVersions"] = storage == null ? new JsonArray() : new JsonArray(JsonUtil.Str(storage, "name")),
        };
        var meta = Meta(obj);
        var finalizers = JsonUtil.Arr(meta, "finalizers") ?? [];
        if (!finalizers.Any(f => JsonUtil.AsString(f) == CleanupFinalizer))
        {
            finalizers.Add(CleanupFinalizer);
        }

        meta["finalizers"] = finalizers;
    }

    public override void PrepareForUpdate(ResourceType rt, JsonObject obj, JsonObject old, OpContext ctx)
    {
        if (ctx.SubResource != "status")
        {
            Defaults(obj);
        }
    }

    private static void Defaults(JsonObject obj)
    {
        var spec = JsonUtil.EnsureObject(obj, "spec");
        var names = JsonUtil.EnsureObject(spec, "names");
        if (string.IsNullOrEmpty(JsonUtil.Str(names, "singular")) && JsonUtil.Str(names, "kind") is { } kind)
        {
            names["singular"] = kind.ToLowerInvariant();
        }

        if (string.IsNullOrEmpty(JsonUtil.Str(names, "listKind")) && JsonUtil.Str(names, "kind") is { } k2)
        {
            names["listKind"] = k2 + "List";
        }

        if (spec["conversion"] is not JsonObject)
        {
            spec["conversion"] = new JsonObject { ["strategy"] = "None" };
        }
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var group = JsonUtil.Str(spec, "group") ?? "";
        var names = spec["names"] as JsonObject ?? new JsonObject();
        var plural = JsonUtil.Str(names, "plural") ?? "";
        var name = JsonUtil.Str(obj["metadata"], "name") ?? "";
        if (name != plural + "." + group)
        {
            errs.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }

        if (group.Length == 0)
        {
            errs.Add(FieldError.Required("spec.group"));
        }
        else
        {
            foreach (var m in NameRules.SubdomainErrors(group))
            {
                errs.Add(FieldError.Invalid("spec.group", group, m));
            }

            if (!group.Contains('.', StringComparison.Ordinal))
            {
                errs.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
            }
        }

        var scope = JsonUtil.Str(spec, "scope") ?? "";
        if (scope is not ("Cluster" or "Namespaced"))
        {
            errs.Add(scope.Length == 0 ? FieldError.Required("spec.scope") : FieldError.NotSupported("spec.scope", scope, ["\"Cluster\"", "\"Namespaced\""]));
        }

        foreach (var field in new[] { "plural", "singular" })
        {
            var v = JsonUtil.Str(names, field) ?? "";
            if (v.Length == 0)
            {
                errs.Add(FieldError.Required("spec.names." + field));
            }
            else
            {
                foreach (var m in NameRules.LabelErrors(v))
                {
                    errs.Add(FieldError.Invalid("spec.names." + field, v, m));
                }
            }
        }

        var kind = JsonUtil.Str(names, "kind") ?? "";
        if (kind.Length == 0)
        {
            errs.Add(FieldError.Required("spec.names.kind"));
        }

        foreach (var (i, sn) in (JsonUtil.Arr(names, "shortNames") ?? []).Select((n, i) => (i, JsonUtil.AsString(n) ?? "")))
        {
            foreach (var m in NameRules.LabelErrors(sn))
            {
                errs.Add(FieldError.Invalid($"spec.names.shortNames[{i}]", sn, m));
            }
        }

        var versions = JsonUtil.Arr(spec, "versions") ?? [];
        if (versions.Count == 0)
        {
            errs.Add(FieldError.Required("spec.versions", "must have exactly one version marked as storage version"));
        }
        else if (versions.Count(v => JsonUtil.AsBool(v?["storage"]) == true) != 1)
        {
            errs.Add(FieldError.Invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < versions.Count; i++)
        {
            var v = versions[i] as JsonObject ?? new JsonObject();
            var p = $"spec.versions[{i}]";
            var vn = JsonUtil.Str(v, "name") ?? "";
            if (vn.Length == 0)
            {
                errs.Add(FieldError.Required(p + ".name"));
            }
            else if (!NameRules.IsDnsLabel(vn) || !char.IsAsciiLetterLower(vn[0]))
            {
                errs.Add(FieldError.Invalid(p + ".name", vn, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"));
            }
            else if (!seen.Add(vn))
            {
                errs.Add(FieldError.Invalid(p + ".name", vn, "must be unique"));
            }

            var schema = v["schema"]?["openAPIV3Schema"] as JsonObject;
            if (schema == null)
            {
                errs.Add(FieldError.Required(p + ".schema.openAPIV3Schema", "schemas are required"));
            }
            else
            {
                if (string.IsNullOrEmpty(JsonUtil.Str(schema, "type")))
                {
                    errs.Add(FieldError.Required(p + ".schema.openAPIV3Schema.type", "must not be empty at the root"));
                }
                else if (JsonUtil.Str(schema, "type") != "object")
                {
                    errs.Add(FieldError.Invalid(p + ".schema.openAPIV3Schema.type", JsonUtil.Str(schema, "type"), "must be object at the root"));
                }

                CheckStructural(schema, p + ".schema.openAPIV3Schema", errs);
            }

            var cols = JsonUtil.Arr(v, "additionalPrinterColumns") ?? [];
            for (var c = 0; c < cols.Count; c++)
            {
                var col = cols[c] as JsonObject ?? new JsonObject();
                var cp = $"{p}.additionalPrinterColumns[{c}]";
                if (string.IsNullOrEmpty(JsonUtil.Str(col, "name")))
                {
                    errs.Add(FieldError.Required(cp + ".name"));
                }

                var type = JsonUtil.Str(col, "type") ?? "";
                if (!ColumnTypes.Contains(type))
                {
                    errs.Add(FieldError.NotSupported(cp + ".type", type, ColumnTypes.Select(t => "\"" + t + "\"")));
                }

                var path = JsonUtil.Str(col, "jsonPath") ?? "";
                if (path.Length == 0)
                {
                    errs.Add(FieldError.Required(cp + ".jsonPath"));
                }
                else
                {
                    try
                    {
                        Tables.JsonPath.Parse(path);
                    }
                    catch (FormatException e)
                    {
                        errs.Add(FieldError.Invalid(cp + ".jsonPath", path, "must be a simple json path: " + e.Message));
                    }
                }
            }
        }
    }

    /// <summary>The structural-schema rule every emulated CRD must meet: every field has a type.</summary>
    private static void CheckStructural(JsonObject schema, string path, List<FieldError> errs)
    {
        if (schema["properties"] is JsonObject props)
        {
            if (schema["additionalProperties"] is JsonObject)
            {
                errs.Add(FieldError.Forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"));
            }

            foreach (var (k, v) in props)
            {
                if (v is not JsonObject child)
                {
                    continue;
                }

                var cp = $"{path}.properties[{k}]";
                if (string.IsNullOrEmpty(JsonUtil.Str(child, "type")) && JsonUtil.AsBool(child["x-kubernetes-int-or-string"]) != true &&
                    JsonUtil.AsBool(child["x-kubernetes-preserve-unknown-fields"]) != true)
                {
                    errs.Add(FieldError.Required(cp + ".type", "must not be empty for specified object fields"));
                }

                CheckStructural(child, cp, errs);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            if (string.IsNullOrEmpty(JsonUtil.Str(items, "type")) && JsonUtil.AsBool(items["x-kubernetes-int-or-string"]) != true &&
                JsonUtil.AsBool(items["x-kubernetes-preserve-unknown-fields"]) != true)
            {
                errs.Add(FieldError.Required(path + ".items.type", "must not be empty for specified array items"));
            }

            CheckStructural(items, path + ".items", errs);
        }

        if (schema["additionalProperties"] is JsonObject ap)
        {
            if (string.IsNullOrEmpty(JsonUtil.Str(ap, "type")) && JsonUtil.AsBool(ap["x-kubernetes-int-or-string"]) != true &&
                JsonUtil.AsBool(ap["x-kubernetes-preserve-unknown-fields"]) != true)
            {
                errs.Add(FieldError.Required(path + ".additionalProperties.type", "must not be empty for specified object fields"));
            }

            CheckStructural(ap, path + ".additionalProperties", errs);
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        if (JsonUtil.Str(obj["spec"], "scope") != JsonUtil.Str(old["spec"], "scope"))
        {
            errs.Add(FieldError.Invalid("spec.scope", JsonUtil.Str(obj["spec"], "scope"), "field is immutable"));
        }

        if (JsonUtil.Str(obj["spec"], "group") != JsonUtil.Str(old["spec"], "group"))
        {
            errs.Add(FieldError.Invalid("spec.group", JsonUtil.Str(obj["spec"], "group"), "field is immutable"));
        }
    }
}
