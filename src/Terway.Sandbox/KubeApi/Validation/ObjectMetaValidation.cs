using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Validation;

/// <summary>The metadata checks every kind gets (apimachinery <c>ValidateObjectMeta</c> and <c>...Update</c>).</summary>
internal static class ObjectMetaValidation
{
    private const int TotalAnnotationSizeLimit = 256 * 1024;

    public static List<FieldError> Validate(JsonObject obj, bool namespaced, NameRule rule)
    {
        var errs = new List<FieldError>();
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        var name = JsonUtil.Str(meta, "name") ?? "";
        var generateName = JsonUtil.Str(meta, "generateName") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            foreach (var m in NameRules.NameErrors(rule, name))
            {
                errs.Add(FieldError.Invalid("metadata.name", name, m));
            }
        }

        if (generateName.Length > 0 && name.Length == 0)
        {
            foreach (var m in NameRules.NameErrors(rule, generateName.TrimEnd('-') + "a"))
            {
                errs.Add(FieldError.Invalid("metadata.generateName", generateName, m));
            }
        }

        var ns = JsonUtil.Str(meta, "namespace") ?? "";
        if (namespaced)
        {
            if (ns.Length == 0)
            {
                errs.Add(FieldError.Required("metadata.namespace"));
            }
            else
            {
                foreach (var m in NameRules.LabelErrors(ns))
                {
                    errs.Add(FieldError.Invalid("metadata.namespace", ns, m));
                }
            }
        }
        else if (ns.Length > 0)
        {
            errs.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        errs.AddRange(ValidateLabels(meta["labels"], "metadata.labels"));
        errs.AddRange(ValidateAnnotations(meta["annotations"], "metadata.annotations"));
        errs.AddRange(ValidateOwnerReferences(meta["ownerReferences"]));
        errs.AddRange(ValidateFinalizers(meta["finalizers"]));
        return errs;
    }

    public static List<FieldError> ValidateLabels(JsonNode? labels, string path)
    {
        var errs = new List<FieldError>();
        if (labels is not JsonObject o)
        {
            return errs;
        }

        foreach (var (k, v) in o)
        {
            foreach (var m in NameRules.QualifiedNameErrors(k))
            {
                errs.Add(FieldError.Invalid(path, k, m));
            }

            var value = JsonUtil.AsString(v) ?? "";
            foreach (var m in NameRules.LabelValueErrors(value))
            {
                errs.Add(FieldError.Invalid(path, value, m));
            }
        }

        return errs;
    }

    public static List<FieldError> ValidateAnnotations(JsonNode? annotations, string path)
    {
        var errs = new List<FieldError>();
        if (annotations is not JsonObject o)
        {
            return errs;
        }

        long total = 0;
        foreach (var (k, v) in o)
        {
            foreach (var m in NameRules.QualifiedNameErrors(k.ToLowerInvariant()))
            {
                errs.Add(FieldError.Invalid(path, k, m));
            }

            total += k.Length + Encoding.UTF8.GetByteCount(JsonUtil.AsString(v) ?? "");
        }

        if (total > TotalAnnotationSizeLimit)
        {
            errs.Add(FieldError.TooLongBytes(path, TotalAnnotationSizeLimit));
        }

        return errs;
    }

    private static List<FieldError> ValidateOwnerReferences(JsonNode? refs)
    {
        var errs = new List<FieldError>();
        if (refs is not JsonArray a)
        {
            return errs;
        }

        var controllers = 0;
        foreach (var r in a.OfType<JsonObject>())
        {
            var apiVersion = JsonUtil.Str(r, "apiVersion") ?? "";
            if (apiVersion.Length == 0 || apiVersion.Split('/').Any(p => p.Length == 0) || apiVersion.Count(c => c == '/') > 1)
            {
                errs.Add(FieldError.Invalid("metadata.ownerReferences.apiVersion", apiVersion, "version must not be empty"));
            }

            if (string.IsNullOrEmpty(JsonUtil.Str(r, "kind")))
            {
                errs.Add(FieldError.Invalid("metadata.ownerReferences.kind", "", "kind must not be empty"));
            }

            if (string.IsNullOrEmpty(JsonUtil.Str(r, "name")))
            {
                errs.Add(FieldError.Invalid("metadata.ownerReferences.name", "", "name must not be empty"));
            }

            if (string.IsNullOrEmpty(JsonUtil.Str(r, "uid")))
            {
                errs.Add(FieldError.Invalid("metadata.ownerReferences.uid", "", "uid must not be empty"));
            }

            if (JsonUtil.AsBool(r["controller"]) == true)
            {
                controllers++;
            }
        }

        if (controllers > 1)
        {
            errs.Add(FieldError.Invalid("metadata.ownerReferences", a, "Only one reference can have Controller set to true"));
        }

        return errs;
    }

    private static List<FieldError> ValidateFinalizers(JsonNode? finalizers)
    {
        var errs = new List<FieldError>();
        if (finalizers is not JsonArray a)
        {
            return errs;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < a.Count; i++)
        {
            var f = JsonUtil.AsString(a[i]) ?? "";
            foreach (var m in NameRules.QualifiedNameErrors(f))
            {
                errs.Add(FieldError.Invalid($"metadata.finalizers[{i}]", f, m));
            }

            if (!seen.Add(f))
            {
                errs.Add(FieldError.Duplicate($"metadata.finalizers[{i}]", f));
            }
        }

        if (seen.Contains("orphan") && seen.Contains("foregroundDeletion"))
        {
            errs.Add(FieldError.Invalid("metadata.finalizers", a, "finalizer orphan and foregroundDeletion cannot be both set"));
        }

        return errs;
    }

    public static List<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var errs = new List<FieldError>();
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        var oldMeta = old["metadata"] as JsonObject ?? new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid" })
        {
            var n = JsonUtil.Str(meta, field) ?? "";
            var o = JsonUtil.Str(oldMeta, field) ?? "";
            if (n != o)
            {
                errs.Add(FieldError.Invalid("metadata." + field, n, "field is immutable"));
            }
        }

        if (oldMeta["deletionTimestamp"] != null)
        {
            var oldF = (JsonUtil.Arr(oldMeta, "finalizers") ?? []).Select(JsonUtil.AsString).ToHashSet(StringComparer.Ordinal);
            var added = (JsonUtil.Arr(meta, "finalizers") ?? []).Select(JsonUtil.AsString).Where(f => !oldF.Contains(f)).ToList();
            if (added.Count > 0)
            {
                errs.Add(FieldError.Forbidden("metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{" + string.Join(", ", added.Select(f => GoFormat.Quote(f ?? ""))) + "}"));
            }
        }

        return errs;
    }
}
