using System.Text.Json;
using System.Text.Json.Nodes;

namespace Terway.Crds.Tests.Support;

/// <summary>
/// Checks the structural-schema rules of apiextensions.k8s.io/v1 (KEP-2335) and the
/// Kubernetes extensions this project uses, and returns every violation with its path.
/// </summary>
internal static class StructuralSchema
{
    private static readonly HashSet<string> Types = ["object", "array", "string", "integer", "number", "boolean"];

    private static readonly HashSet<string> Keywords =
    [
        "description", "type", "format", "properties", "required", "items", "additionalProperties", "enum", "default",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems",
        "minProperties", "maxProperties", "pattern", "nullable", "title", "allOf", "anyOf", "oneOf", "not", "multipleOf",
        "uniqueItems", "x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
    ];

    private static readonly HashSet<string> ForbiddenInJunctors = ["type", "description", "default", "nullable", "additionalProperties"];

    /// <summary>Violations in every version schema of a CRD.</summary>
    public static List<string> CrdViolations(JsonNode crd)
    {
        var violations = new List<string>();
        foreach (var version in crd["spec"]!["versions"]!.AsArray())
        {
            var name = version!["name"]!.GetValue<string>();
            if (version["schema"]?["openAPIV3Schema"] is not JsonObject schema)
            {
                violations.Add($"{name}: no openAPIV3Schema");
                continue;
            }

            violations.AddRange(Violations(schema, name));
        }

        return violations;
    }

    /// <summary>Violations in one root schema.</summary>
    public static List<string> Violations(JsonObject root, string path = "$")
    {
        var violations = new List<string>();
        if (TypeOf(root) != "object")
        {
            violations.Add($"{path}: the root must be type: object");
        }

        Walk(root, path, violations);
        if (root["properties"]?["metadata"] is JsonObject metadata)
        {
            CheckMetadata(metadata, path + ".properties.metadata", violations);
        }

        return violations;
    }

    private static void Walk(JsonObject node, string path, List<string> violations)
    {
        foreach (var (key, _) in node)
        {
            if (!Keywords.Contains(key))
            {
                violations.Add($"{path}: unknown keyword '{key}'");
            }
        }

        var escapesType = node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true
            || node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        var type = TypeOf(node);
        if (type is null && !escapesType)
        {
            violations.Add($"{path}: no type");
        }
        else if (type is not null && !Types.Contains(type))
        {
            violations.Add($"{path}: unknown type '{type}'");
        }

        if (node.ContainsKey("properties") && node.ContainsKey("additionalProperties"))
        {
            violations.Add($"{path}: properties and additionalProperties are mutually exclusive");
        }

        if (node.ContainsKey("additionalProperties") && node["additionalProperties"] is not JsonObject)
        {
            violations.Add($"{path}: additionalProperties must be a schema");
        }

        if ((node.ContainsKey("properties") || node.ContainsKey("additionalProperties")) && type != "object")
        {
            violations.Add($"{path}: properties on a non-object");
        }

        if (type == "array" && node["items"] is not JsonObject)
        {
            violations.Add($"{path}: an array needs items with a single schema");
        }

        if (node.ContainsKey("items") && type != "array")
        {
            violations.Add($"{path}: items on a non-array");
        }

        var properties = node["properties"] as JsonObject;
        if (node["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => r!.GetValue<string>()))
            {
                if (properties is null || !properties.ContainsKey(name))
                {
                    violations.Add($"{path}: required '{name}' is not a property");
                }
            }
        }

        foreach (var junctor in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var branch in node[junctor]?.AsArray() ?? [])
            {
                CheckJunctor(branch!.AsObject(), $"{path}.{junctor}", violations);
            }
        }

        if (node["not"] is JsonObject not)
        {
            CheckJunctor(not, path + ".not", violations);
        }

        CheckEnumAndDefault(node, path, type, violations);
        CheckListType(node, path, violations);
        CheckValidations(node, path, violations);

        foreach (var (name, child) in properties ?? [])
        {
            if (child is JsonObject childObject)
            {
                Walk(childObject, $"{path}.properties.{name}", violations);
            }
            else
            {
                violations.Add($"{path}.properties.{name}: not a schema");
            }
        }

        if (node["items"] is JsonObject items)
        {
            Walk(items, path + ".items", violations);
        }

        if (node["additionalProperties"] is JsonObject additional)
        {
            Walk(additional, path + ".additionalProperties", violations);
        }
    }

    private static void CheckJunctor(JsonObject branch, string path, List<string> violations)
    {
        foreach (var (key, _) in branch)
        {
            if (ForbiddenInJunctors.Contains(key))
            {
                violations.Add($"{path}: '{key}' is not allowed inside allOf/anyOf/oneOf/not");
            }
        }
    }

    private static void CheckMetadata(JsonObject metadata, string path, List<string> violations)
    {
        foreach (var (key, value) in metadata)
        {
            if (key is "type" or "description")
            {
                continue;
            }

            if (key == "properties" && value is JsonObject props && props.All(p => p.Key is "name" or "generateName"))
            {
                continue;
            }

            violations.Add($"{path}: metadata may only restrict name and generateName (found '{key}')");
        }
    }

    private static void CheckEnumAndDefault(JsonObject node, string path, string? type, List<string> violations)
    {
        var values = node["enum"] as JsonArray;
        if (values is not null)
        {
            foreach (var value in values)
            {
                if (!Matches(value, type))
                {
                    violations.Add($"{path}: enum value {value?.ToJsonString()} is not of type {type}");
                }
            }
        }

        if (!node.ContainsKey("default"))
        {
            return;
        }

        var @default = node["default"];
        if (!Matches(@default, type))
        {
            violations.Add($"{path}: default {@default?.ToJsonString()} is not of type {type}");
        }

        if (values is not null && !values.Any(v => JsonNode.DeepEquals(v, @default)))
        {
            violations.Add($"{path}: default {@default?.ToJsonString()} is not in the enum");
        }

        if (@default is JsonObject defaultObject)
        {
            var properties = node["properties"] as JsonObject;
            foreach (var (key, value) in defaultObject)
            {
                if (properties?[key] is not JsonObject property)
                {
                    violations.Add($"{path}: default sets '{key}', which is not a property (it would be pruned)");
                }
                else if (property["enum"] is JsonArray allowed && !allowed.Any(v => JsonNode.DeepEquals(v, value)))
                {
                    violations.Add($"{path}: default sets '{key}' to {value?.ToJsonString()}, which is not in its enum");
                }
            }
        }
    }

    private static void CheckListType(JsonObject node, string path, List<string> violations)
    {
        if (node["x-kubernetes-list-type"]?.GetValue<string>() is not { } listType)
        {
            return;
        }

        if (listType is not ("atomic" or "set" or "map"))
        {
            violations.Add($"{path}: unknown x-kubernetes-list-type '{listType}'");
        }

        if (listType != "map")
        {
            return;
        }

        var items = node["items"] as JsonObject;
        var keys = node["x-kubernetes-list-map-keys"] as JsonArray;
        if (items is null || TypeOf(items) != "object" || keys is null || keys.Count == 0)
        {
            violations.Add($"{path}: a map list needs object items and x-kubernetes-list-map-keys");
            return;
        }

        var required = items["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var key in keys.Select(k => k!.GetValue<string>()))
        {
            if (items["properties"]?[key] is not JsonObject keySchema)
            {
                violations.Add($"{path}: map key '{key}' is not an item property");
            }
            else if (!required.Contains(key) && !keySchema.ContainsKey("default"))
            {
                violations.Add($"{path}: map key '{key}' must be required or defaulted");
            }
        }
    }

    private static void CheckValidations(JsonObject node, string path, List<string> violations)
    {
        if (node["x-kubernetes-validations"] is not { } rules)
        {
            return;
        }

        if (rules is not JsonArray array)
        {
            violations.Add($"{path}: x-kubernetes-validations must be a list");
            return;
        }

        foreach (var rule in array)
        {
            if (rule?["rule"]?.GetValue<string>() is not { Length: > 0 } || rule["message"]?.GetValue<string>() is not { Length: > 0 })
            {
                violations.Add($"{path}: every validation needs a rule and a message");
            }
        }
    }

    private static string? TypeOf(JsonObject node) => node["type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Matches(JsonNode? value, string? type) => type switch
    {
        "string" => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-'),
        "number" => value is JsonValue v && v.GetValueKind() == JsonValueKind.Number,
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        _ => true,
    };
}
