using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Cel;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Schema;

/// <summary>
/// What the real server does with a custom resource against its structural schema:
/// prune unknown fields, apply defaults, validate (types, enums, bounds, patterns, formats,
/// list types) and evaluate <c>x-kubernetes-validations</c> CEL rules.
/// </summary>
internal static class SchemaProcessor
{
    /// <summary>ObjectMeta's fields: everything else under metadata is dropped.</summary>
    public static readonly HashSet<string> ObjectMetaFields =
    [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private static readonly ConcurrentDictionary<string, object> CompiledRules = new(StringComparer.Ordinal);

    /// <summary>Removes fields the schema does not declare; returns their paths (<c>spec.foo</c>).</summary>
    public static void Prune(JsonObject root, StructuralSchema schema, List<string> unknown)
    {
        foreach (var (k, _) in root.ToList())
        {
            if (k is "apiVersion" or "kind")
            {
                continue;
            }

            if (k == "metadata")
            {
                PruneMetadata(root, "metadata", unknown);
                continue;
            }

            var child = schema.Property(k);
            if (child == null && !schema.PreserveUnknownFields && schema.AdditionalProperties == null && !schema.AdditionalPropertiesAny)
            {
                root.Remove(k);
                unknown.Add(k);
                continue;
            }

            PruneNode(root[k], child ?? schema.AdditionalProperties, k, unknown);
        }
    }

    /// <summary>Drops unknown ObjectMeta fields of any kind's object (typed decoding does this for built-ins).</summary>
    public static void PruneObjectMeta(JsonObject root, List<string> unknown) => PruneMetadata(root, "metadata", unknown);

    private static void PruneMetadata(JsonObject parent, string path, List<string> unknown)
    {
        if (parent["metadata"] is not JsonObject meta)
        {
            return;
        }

        foreach (var (k, _) in meta.ToList())
        {
            if (!ObjectMetaFields.Contains(k))
            {
                meta.Remove(k);
                unknown.Add(path + "." + k);
            }
        }
    }

    private static void PruneNode(JsonNode? node, StructuralSchema? s, string path, List<string> unknown)
    {
        if (s == null || node == null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject o:
                if (s.EmbeddedResource)
                {
                    PruneMetadata(o, path + ".metadata", unknown);
                }

                foreach (var (k, _) in o.ToList())
                {
                    if (s.EmbeddedResource && k is "apiVersion" or "kind" or "metadata")
                    {
                        continue;
                    }

                    var child = s.Property(k);
                    if (child == null)
                    {
                        if (s.AdditionalProperties != null)
                        {
                            PruneNode(o[k], s.AdditionalProperties, path + "." + k, unknown);
                            continue;
                        }

                        if (s.PreserveUnknownFields || s.AdditionalPropertiesAny)
                        {
                            continue;
                        }

                        o.Remove(k);
                        unknown.Add(path + "." + k);
                        continue;
                    }

                    PruneNode(o[k], child, path + "." + k, unknown);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    PruneNode(a[i], s.Items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }

    /// <summary>Applies schema defaults; nulls of non-nullable fields are defaulted or dropped.</summary>
    public static void ApplyDefaults(JsonObject root, StructuralSchema schema)
    {
        DefaultObject(root, schema, isRoot: true);
    }

    private static void DefaultObject(JsonObject o, StructuralSchema s, bool isRoot = false)
    {
        if (s.Properties != null)
        {
            foreach (var (k, child) in s.Properties)
            {
                if (isRoot && k is "metadata" or "apiVersion" or "kind")
                {
                    continue;
                }

                var present = o.TryGetPropertyValue(k, out var v);
                if (present && JsonUtil.IsNull(v) && !child.Nullable)
                {
                    o.Remove(k);
                    present = false;
                }

                if (!present && child.Default != null)
                {
                    o[k] = child.Default.DeepClone();
                }
            }
        }

        foreach (var (k, v) in o.ToList())
        {
            if (isRoot && k is "metadata" or "apiVersion" or "kind")
            {
                continue;
            }

            var child = s.Property(k) ?? s.AdditionalProperties;
            if (child != null)
            {
                DefaultNode(v, child);
            }
        }
    }

    private static void DefaultNode(JsonNode? n, StructuralSchema s)
    {
        switch (n)
        {
            case JsonObject o:
                DefaultObject(o, s);
                break;
            case JsonArray a when s.Items != null:
                for (var i = 0; i < a.Count; i++)
                {
                    if (JsonUtil.IsNull(a[i]) && !s.Items.Nullable && s.Items.Default != null)
                    {
                        a[i] = s.Items.Default.DeepClone();
                    }

                    DefaultNode(a[i], s.Items);
                }

                break;
        }
    }

    /// <summary>Validates <paramref name="root"/> (and CEL rules; transition rules against <paramref name="oldRoot"/>).</summary>
    public static List<FieldError> Validate(JsonObject root, StructuralSchema schema, JsonObject? oldRoot)
    {
        var errs = new List<FieldError>();
        ValidateNode(root, oldRoot, schema, "", errs, isRoot: true);
        return errs;
    }

    private static string Child(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static void ValidateNode(JsonNode? n, JsonNode? old, StructuralSchema s, string path, List<FieldError> errs, bool isRoot = false)
    {
        if (JsonUtil.IsNull(n))
        {
            if (!s.Nullable && !isRoot)
            {
                errs.Add(FieldError.TypeInvalid(path, null, $"{path} in body must be of type {s.Type ?? "object"}: \"null\""));
            }

            return;
        }

        if (!TypeMatches(n, s))
        {
            var expected = s.IntOrString ? "integer,string" : s.Type!;
            errs.Add(FieldError.TypeInvalid(path, n, $"{path} in body must be of type {expected}: {GoFormat.Quote(JsonUtil.TypeName(n))}"));
            return;
        }

        var before = errs.Count;
        ValidateValue(n!, s, path, errs);
        if (!isRoot)
        {
            ValidateCombinators(n!, s, path, errs);
        }

        switch (n)
        {
            case JsonObject o:
                if (s.Required != null)
                {
                    foreach (var r in s.Required.OrderBy(x => x, StringComparer.Ordinal))
                    {
                        if (!o.ContainsKey(r) && !(isRoot && r is "metadata" or "apiVersion" or "kind"))
                        {
                            errs.Add(FieldError.Required(Child(path, r)));
                        }
                    }
                }

                foreach (var (k, v) in o)
                {
                    if (isRoot && k is "metadata" or "apiVersion" or "kind")
                    {
                        if (k == "metadata" && s.Property("metadata") is { } ms)
                        {
                            ValidateMetadataRestrictions(v as JsonObject, ms, errs);
                        }

                        continue;
                    }

                    var child = s.Property(k) ?? s.AdditionalProperties;
                    if (child != null)
                    {
                        ValidateNode(v, (old as JsonObject)?[k], child, Child(path, k), errs);
                    }
                }

                break;
            case JsonArray a when s.Items != null:
                for (var i = 0; i < a.Count; i++)
                {
                    ValidateNode(a[i], CorrelateListItem(a[i], old as JsonArray, s), s.Items, $"{path}[{i}]", errs);
                }

                break;
        }

        if (s.Rules.Count > 0 && errs.Count == before)
        {
            EvaluateRules(n!, old, s, path, errs);
        }
    }

    private static void ValidateMetadataRestrictions(JsonObject? meta, StructuralSchema ms, List<FieldError> errs)
    {
        if (meta == null)
        {
            return;
        }

        foreach (var f in new[] { "name", "generateName" })
        {
            if (ms.Property(f) is { } fs && meta[f] is JsonValue v)
            {
                ValidateValue(v, fs, "metadata." + f, errs);
            }
        }
    }

    private static JsonObject? CorrelateListItem(JsonNode? item, JsonArray? oldList, StructuralSchema listSchema)
    {
        if (oldList == null || listSchema.ListType != "map" || listSchema.ListMapKeys == null || item is not JsonObject io)
        {
            return null;
        }

        foreach (var o in oldList.OfType<JsonObject>())
        {
            if (listSchema.ListMapKeys.All(k => JsonUtil.DeepEquals(o[k], io[k])))
            {
                return o;
            }
        }

        return null;
    }

    private static bool TypeMatches(JsonNode? n, StructuralSchema s)
    {
        if (s.IntOrString)
        {
            return JsonUtil.IsString(n) || (n is JsonValue v && JsonUtil.TryGetLong(v, out _));
        }

        return s.Type switch
        {
            null or "" => true,
            "object" => n is JsonObject,
            "array" => n is JsonArray,
            "string" => JsonUtil.IsString(n),
            "integer" => n is JsonValue v && JsonUtil.TryGetLong(v, out _),
            "number" => JsonUtil.IsNumber(n),
            "boolean" => JsonUtil.IsBool(n),
            _ => true,
        };
    }

    private static void ValidateValue(JsonNode n, StructuralSchema s, string path, List<FieldError> errs)
    {
        if (s.Enum != null && !s.Enum.Any(e => JsonUtil.DeepEquals(e, n) || NumbersEqual(e, n)))
        {
            errs.Add(FieldError.NotSupported(path, n, s.Enum.Select(e => GoFormat.Value(e))));
        }

        if (JsonUtil.IsString(n))
        {
            var str = JsonUtil.AsString(n)!;
            var len = str.EnumerateRunes().Count();
            if (s.MaxLength is { } max && len > max)
            {
                errs.Add(FieldError.TooLong(path, str, max));
            }

            if (s.MinLength is { } min && len < min)
            {
                errs.Add(FieldError.Invalid(path, str, $"{path} in body should be at least {min} chars long"));
            }

            if (s.PatternRegex != null && !s.PatternRegex.IsMatch(str))
            {
                errs.Add(FieldError.Invalid(path, str, $"{path} in body should match '{s.Pattern}'"));
            }

            if (s.Format != null && !FormatValid(s.Format, str))
            {
                errs.Add(FieldError.Invalid(path, str, $"{path} in body must be of type {s.Format}: {GoFormat.Quote(str)}"));
            }
        }
        else if (JsonUtil.IsNumber(n))
        {
            var d = JsonUtil.GetDouble(n.AsValue());
            if (s.Minimum is { } min && (s.ExclusiveMinimum ? d <= min : d < min))
            {
                errs.Add(FieldError.Invalid(path, n, $"{path} in body should be greater than {(s.ExclusiveMinimum ? "" : "or equal to ")}{StructuralSchema.FormatNumber(min)}"));
            }

            if (s.Maximum is { } max && (s.ExclusiveMaximum ? d >= max : d > max))
            {
                errs.Add(FieldError.Invalid(path, n, $"{path} in body should be less than {(s.ExclusiveMaximum ? "" : "or equal to ")}{StructuralSchema.FormatNumber(max)}"));
            }

            if (s.MultipleOf is { } mul && mul != 0 && Math.Abs(Math.IEEERemainder(d, mul)) > 1e-9)
            {
                errs.Add(FieldError.Invalid(path, n, $"{path} in body should be a multiple of {StructuralSchema.FormatNumber(mul)}"));
            }

            if (s.Format is "int32" && (d < int.MinValue || d > int.MaxValue))
            {
                errs.Add(FieldError.Invalid(path, n, $"{path} in body must be of type int32: {GoFormat.Quote(StructuralSchema.FormatNumber(d))}"));
            }
        }
        else if (n is JsonArray a)
        {
            if (s.MaxItems is { } max && a.Count > max)
            {
                errs.Add(FieldError.TooMany(path, a.Count, max));
            }

            if (s.MinItems is { } min && a.Count < min)
            {
                errs.Add(FieldError.Invalid(path, a, $"{path} in body should have at least {min} items"));
            }

            if (s.UniqueItems || s.ListType == "set")
            {
                for (var i = 0; i < a.Count; i++)
                {
                    for (var j = 0; j < i; j++)
                    {
                        if (JsonUtil.DeepEquals(a[i], a[j]))
                        {
                            errs.Add(FieldError.Duplicate($"{path}[{i}]", a[i]));
                            break;
                        }
                    }
                }
            }
            else if (s.ListType == "map" && s.ListMapKeys is { Count: > 0 } keys)
            {
                var seen = new List<JsonObject>();
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is not JsonObject item)
                    {
                        continue;
                    }

                    var keyObj = new JsonObject();
                    foreach (var k in keys)
                    {
                        if (item[k] != null)
                        {
                            keyObj[k] = item[k]!.DeepClone();
                        }
                    }

                    if (seen.Any(x => JsonUtil.DeepEquals(x, keyObj)))
                    {
                        errs.Add(FieldError.Duplicate($"{path}[{i}]", keyObj));
                    }

                    seen.Add(keyObj);
                }
            }
        }
        else if (n is JsonObject o)
        {
            if (s.MaxProperties is { } max && o.Count > max)
            {
                errs.Add(FieldError.TooMany(path, o.Count, max));
            }

            if (s.MinProperties is { } min && o.Count < min)
            {
                errs.Add(FieldError.Invalid(path, o, $"{path} in body should have at least {min} properties"));
            }
        }
    }

    private static void ValidateCombinators(JsonNode n, StructuralSchema s, string path, List<FieldError> errs)
    {
        if (s.AllOf != null)
        {
            foreach (var sub in s.AllOf)
            {
                ValidateValue(n, sub, path, errs);
            }
        }

        if (s.AnyOf != null && !s.AnyOf.Any(sub => Passes(n, sub)))
        {
            errs.Add(FieldError.Invalid(path, n, $"{path} in body must be of type {string.Join(",", s.AnyOf.Select(x => x.Type).Where(x => x != null))}").WithAnyOf(path));
        }

        if (s.OneOf != null && s.OneOf.Count(sub => Passes(n, sub)) != 1)
        {
            errs.Add(FieldError.Invalid(path, n, $"{path} in body must validate one and only one schema (oneOf)"));
        }

        if (s.Not != null && Passes(n, s.Not))
        {
            errs.Add(FieldError.Invalid(path, n, $"{path} in body must not validate the schema (not)"));
        }
    }

    private static FieldError WithAnyOf(this FieldError e, string path) => e with { Detail = $"{path} in body must validate at least one schema (anyOf)" };

    private static bool Passes(JsonNode n, StructuralSchema sub)
    {
        var tmp = new List<FieldError>();
        if (sub.Type != null && !TypeMatches(n, sub))
        {
            return false;
        }

        ValidateValue(n, sub, "x", tmp);
        if (n is JsonObject o && sub.Required != null && sub.Required.Any(r => !o.ContainsKey(r)))
        {
            return false;
        }

        return tmp.Count == 0;
    }

    private static bool NumbersEqual(JsonNode? a, JsonNode? b) =>
        JsonUtil.IsNumber(a) && JsonUtil.IsNumber(b) && JsonUtil.GetDouble(a!.AsValue()) == JsonUtil.GetDouble(b!.AsValue());

    /// <summary>The string formats Kubernetes checks for custom resources (unknown formats pass).</summary>
    public static bool FormatValid(string format, string v) => format switch
    {
        "date-time" or "datetime" => JsonUtil.TryParseTime(v, out _) && v.Contains('T', StringComparison.OrdinalIgnoreCase),
        "date" => DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "byte" => IsBase64(v),
        "uuid" => Guid.TryParseExact(v, "D", out _),
        "ipv4" => IPAddress.TryParse(v, out var ip4) && ip4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && v.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(v, out var ip6) && ip6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "cidr" => IPNetwork.TryParse(v, out _),
        "mac" => PhysicalAddressValid(v),
        "hostname" => v.Length <= 255 && v.Split('.').All(p => p.Length is > 0 and <= 63 && p.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && p[0] != '-' && p[^1] != '-'),
        "duration" => CelEvaluator.ParseDuration(v) != null,
        _ => true,
    };

    private static bool IsBase64(string v)
    {
        try
        {
            Convert.FromBase64String(v);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool PhysicalAddressValid(string v)
    {
        var parts = v.Split(':', '-');
        return parts.Length is 6 or 8 or 20 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiHexDigit)) && PhysicalAddress.TryParse(v.Replace(':', '-'), out _);
    }

    private static void EvaluateRules(JsonNode n, JsonNode? old, StructuralSchema s, string path, List<FieldError> errs)
    {
        var typeName = s.Type switch
        {
            "object" => "object",
            "array" => "array",
            "integer" => "integer",
            "number" => "number",
            "boolean" => "boolean",
            _ => "string",
        };
        foreach (var rule in s.Rules)
        {
            var fieldPath = path;
            if (!string.IsNullOrEmpty(rule.FieldPath))
            {
                fieldPath = (path + rule.FieldPath).TrimStart('.');
            }

            object compiled = CompiledRules.GetOrAdd(rule.Rule, r =>
            {
                try
                {
                    return CelParser.Parse(r);
                }
                catch (CelUnsupportedException e)
                {
                    return e;
                }
            });
            if (compiled is CelUnsupportedException pe)
            {
                errs.Add(FieldError.Invalid(fieldPath, typeName, $"rule cannot be evaluated by the emulator's CEL subset ({pe.Message}): {rule.Rule}"));
                continue;
            }

            var expr = (CelExpr)compiled;
            var usesOld = rule.Rule.Contains("oldSelf", StringComparison.Ordinal);
            if (usesOld && old == null && !rule.OptionalOldSelf)
            {
                // Transition rules only run on updates where the old value exists.
                continue;
            }

            var vars = new Dictionary<string, object?> { ["self"] = CelEvaluator.FromJson(n, s) };
            if (usesOld)
            {
                vars["oldSelf"] = CelEvaluator.FromJson(old, s);
            }

            try
            {
                var result = new CelEvaluator(vars).Eval(expr);
                if (result is not bool ok)
                {
                    errs.Add(FieldError.Invalid(fieldPath, typeName, $"rule result must be a bool, got {CelEvaluator.TypeName(result)}: {rule.Rule}"));
                    continue;
                }

                if (!ok)
                {
                    var msg = rule.Message;
                    if (msg == null && rule.MessageExpression != null)
                    {
                        try
                        {
                            msg = new CelEvaluator(vars).Eval(CelParser.Parse(rule.MessageExpression)) as string;
                        }
                        catch (Exception e) when (e is CelEvalException or CelUnsupportedException)
                        {
                            msg = null;
                        }
                    }

                    msg ??= "failed rule: " + rule.Rule;
                    errs.Add(rule.Reason switch
                    {
                        "FieldValueForbidden" => FieldError.Forbidden(fieldPath, msg),
                        "FieldValueRequired" => FieldError.Required(fieldPath, msg),
                        "FieldValueDuplicate" => new FieldError(FieldErrorType.Duplicate, fieldPath, typeName, msg),
                        _ => FieldError.Invalid(fieldPath, typeName, msg),
                    });
                }
            }
            catch (CelEvalException e)
            {
                errs.Add(FieldError.Invalid(fieldPath, typeName, $"{e.Message} evaluating rule: {rule.Rule}"));
            }
            catch (CelUnsupportedException e)
            {
                errs.Add(FieldError.Invalid(fieldPath, typeName, $"rule cannot be evaluated by the emulator's CEL subset ({e.Message}): {rule.Rule}"));
            }
            catch (OverflowException)
            {
                errs.Add(FieldError.Invalid(fieldPath, typeName, $"integer overflow evaluating rule: {rule.Rule}"));
            }
        }
    }
}
