using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using Terway.Crds.Schema;

namespace Terway.Crds.Generation;

/// <summary>
/// Builds structural OpenAPI v3 schemas from the C# model types by reflection: JSON names
/// from <c>[JsonPropertyName]</c>, descriptions from the XML doc comments, validation from the
/// attributes in <c>Terway.Crds.Schema</c>.
/// </summary>
internal sealed class SchemaBuilder
{
    private readonly XmlDocumentation _docs;

    public SchemaBuilder(XmlDocumentation docs) => _docs = docs;

    /// <summary>The <c>openAPIV3Schema</c> of a root type.</summary>
    public JsonObject ForRoot(Type root)
    {
        var schema = ObjectSchema(root, isRoot: true);
        schema["description"] = Describe(root);
        return schema;
    }

    private JsonObject ObjectSchema(Type type, bool isRoot = false)
    {
        var properties = new JsonObject();
        var required = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? throw new InvalidOperationException($"{type.Name}.{property.Name} has no [JsonPropertyName]; every wire name must be explicit.");
            properties[name] = isRoot && name is "apiVersion" or "kind" or "metadata"
                ? RootMetaSchema(name)
                : PropertySchema(property);
            if (property.GetCustomAttribute<SchemaRequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0)
        {
            required.Sort(StringComparer.Ordinal);
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        AddRules(schema, type.GetCustomAttributes<CelRuleAttribute>(inherit: false));
        return schema;
    }

    private static JsonObject RootMetaSchema(string name) => name switch
    {
        "apiVersion" => new JsonObject { ["description"] = KnownSchemas.ApiVersionDescription, ["type"] = "string" },
        "kind" => new JsonObject { ["description"] = KnownSchemas.KindDescription, ["type"] = "string" },
        _ => KnownSchemas.For(typeof(V1ObjectMeta))!,
    };

    private JsonObject PropertySchema(PropertyInfo property)
    {
        var schema = ValueSchema(property.PropertyType);
        schema["description"] = _docs.Summary(property)
            ?? _docs.Summary(Unwrap(property.PropertyType))
            ?? throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name} has no <summary>; it becomes the CRD field description.");

        if (property.GetCustomAttribute<SchemaEnumAttribute>() is { } enumAttribute)
        {
            schema["enum"] = new JsonArray([.. EnumValues(enumAttribute.ValuesType).Select(v => (JsonNode)v)]);
        }

        if (property.GetCustomAttribute<SchemaDefaultAttribute>() is { } defaultAttribute)
        {
            schema["default"] = JsonNode.Parse(defaultAttribute.Json);
        }

        if (property.GetCustomAttribute<SchemaMinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = minimum.Minimum;
        }

        if (property.GetCustomAttribute<SchemaMaxLengthAttribute>() is { } maxLength)
        {
            schema["maxLength"] = maxLength.MaxLength;
        }

        if (property.GetCustomAttribute<SchemaMaxItemsAttribute>() is { } maxItems)
        {
            schema["maxItems"] = maxItems.MaxItems;
        }

        AddRules(schema, property.GetCustomAttributes<CelRuleAttribute>(inherit: false));
        return schema;
    }

    private JsonObject ValueSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (type == typeof(long) || type == typeof(uint))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = ElementSchema(valueType) };
        }

        if (ListElementType(type) is { } elementType)
        {
            return elementType == typeof(V1Condition)
                ? KnownSchemas.ConditionList()
                : new JsonObject { ["type"] = "array", ["items"] = ElementSchema(elementType) };
        }

        if (KnownSchemas.For(type) is { } known)
        {
            return known;
        }

        if (type.IsClass && type.Assembly == typeof(SchemaBuilder).Assembly)
        {
            return ObjectSchema(type);
        }

        throw new NotSupportedException($"No schema mapping for {type.FullName}.");
    }

    private JsonObject ElementSchema(Type type)
    {
        var schema = ValueSchema(type);
        if (schema["type"]?.GetValue<string>() == "object" && _docs.Summary(Unwrap(type)) is { } summary && !schema.ContainsKey("description"))
        {
            schema["description"] = summary;
        }

        return schema;
    }

    private string Describe(Type type) =>
        _docs.Summary(type) ?? throw new InvalidOperationException($"{type.Name} has no <summary>; it becomes the CRD description.");

    private static void AddRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        var ordered = rules.OrderBy(r => r.Order).ToList();
        if (ordered.Count == 0)
        {
            return;
        }

        var array = new JsonArray();
        foreach (var rule in ordered)
        {
            var entry = new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message };
            if (rule.FieldPath is not null)
            {
                entry["fieldPath"] = rule.FieldPath;
            }

            if (rule.Reason is not null)
            {
                entry["reason"] = rule.Reason;
            }

            array.Add(entry);
        }

        schema["x-kubernetes-validations"] = array;
    }

    /// <summary>The <c>const string</c> values of a constants class, in declaration order.</summary>
    internal static IReadOnlyList<string> EnumValues(Type valuesType) =>
        [.. valuesType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .OrderBy(f => f.MetadataToken)
            .Select(f => (string)f.GetRawConstantValue()!)];

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is null)
        {
            return null;
        }

        var arguments = dictionary.GetGenericArguments();
        return arguments[0] == typeof(string)
            ? arguments[1]
            : throw new NotSupportedException($"Map keys must be strings ({type.FullName}).");
    }

    private static Type? ListElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        var list = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        return list?.GetGenericArguments()[0];
    }
}
