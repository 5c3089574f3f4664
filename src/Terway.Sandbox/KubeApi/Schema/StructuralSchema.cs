using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Schema;

/// <summary>One <c>x-kubernetes-validations</c> entry.</summary>
internal sealed record ValidationRule(string Rule, string? Message, string? MessageExpression, string? Reason, string? FieldPath, bool OptionalOldSelf);

/// <summary>
/// A CRD's OpenAPI v3 schema node, parsed once: the structural subset the real server uses
/// for pruning, defaulting and validation, plus the Kubernetes extensions.
/// </summary>
internal sealed class StructuralSchema
{
    public string? Type { get; private set; }
    public string? Format { get; private set; }
    public string? Description { get; private set; }
    public JsonNode? Default { get; private set; }
    public bool Nullable { get; private set; }
    public List<KeyValuePair<string, StructuralSchema>>? Properties { get; private set; }
    public StructuralSchema? Items { get; private set; }
    public StructuralSchema? AdditionalProperties { get; private set; }
    public bool AdditionalPropertiesAny { get; private set; }
    public HashSet<string>? Required { get; private set; }
    public List<JsonNode?>? Enum { get; private set; }
    public double? Minimum { get; private set; }
    public double? Maximum { get; private set; }
    public bool ExclusiveMinimum { get; private set; }
    public bool ExclusiveMaximum { get; private set; }
    public double? MultipleOf { get; private set; }
    public long? MinLength { get; private set; }
    public long? MaxLength { get; private set; }
    public long? MinItems { get; private set; }
    public long? MaxItems { get; private set; }
    public long? MinProperties { get; private set; }
    public long? MaxProperties { get; private set; }
    public string? Pattern { get; private set; }
    public Regex? PatternRegex { get; private set; }
    public bool UniqueItems { get; private set; }
    public bool PreserveUnknownFields { get; private set; }
    public bool IntOrString { get; private set; }
    public bool EmbeddedResource { get; private set; }
    public string? ListType { get; private set; }
    public List<string>? ListMapKeys { get; private set; }
    public List<ValidationRule> Rules { get; } = [];
    public List<StructuralSchema>? AllOf { get; private set; }
    public List<StructuralSchema>? AnyOf { get; private set; }
    public List<StructuralSchema>? OneOf { get; private set; }
    public StructuralSchema? Not { get; private set; }
    public JsonObject Raw { get; private set; } = [];

    public StructuralSchema? Property(string name)
    {
        if (Properties == null)
        {
            return null;
        }

        foreach (var p in Properties)
        {
            if (p.Key == name)
            {
                return p.Value;
            }
        }

        return null;
    }

    public static StructuralSchema Parse(JsonObject o)
    {
        var s = new StructuralSchema { Raw = o };
        s.Type = JsonUtil.Str(o, "type");
        s.Format = JsonUtil.Str(o, "format");
        s.Description = JsonUtil.Str(o, "description");
        s.Default = o["default"]?.DeepClone();
        s.Nullable = JsonUtil.AsBool(o["nullable"]) == true;
        if (o["properties"] is JsonObject props)
        {
            s.Properties = props.Where(p => p.Value is JsonObject).Select(p => new KeyValuePair<string, StructuralSchema>(p.Key, Parse((JsonObject)p.Value!))).ToList();
        }

        if (o["items"] is JsonObject items)
        {
            s.Items = Parse(items);
        }

        switch (o["additionalProperties"])
        {
            case JsonObject ap:
                s.AdditionalProperties = Parse(ap);
                break;
            case JsonValue v when JsonUtil.AsBool(v) == true:
                s.AdditionalPropertiesAny = true;
                break;
        }

        if (o["required"] is JsonArray req)
        {
            s.Required = req.Select(JsonUtil.AsString).Where(x => x != null).Select(x => x!).ToHashSet(StringComparer.Ordinal);
        }

        if (o["enum"] is JsonArray en)
        {
            s.Enum = en.Select(e => e?.DeepClone()).ToList();
        }

        s.Minimum = Num(o["minimum"]);
        s.Maximum = Num(o["maximum"]);
        s.ExclusiveMinimum = JsonUtil.AsBool(o["exclusiveMinimum"]) == true;
        s.ExclusiveMaximum = JsonUtil.AsBool(o["exclusiveMaximum"]) == true;
        s.MultipleOf = Num(o["multipleOf"]);
        s.MinLength = JsonUtil.AsLong(o["minLength"]);
        s.MaxLength = JsonUtil.AsLong(o["maxLength"]);
        s.MinItems = JsonUtil.AsLong(o["minItems"]);
        s.MaxItems = JsonUtil.AsLong(o["maxItems"]);
        s.MinProperties = JsonUtil.AsLong(o["minProperties"]);
        s.MaxProperties = JsonUtil.AsLong(o["maxProperties"]);
        s.Pattern = JsonUtil.Str(o, "pattern");
        if (s.Pattern != null)
        {
            try
            {
                s.PatternRegex = new Regex(s.Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                s.PatternRegex = null;
            }
        }

        s.UniqueItems = JsonUtil.AsBool(o["uniqueItems"]) == true;
        s.PreserveUnknownFields = JsonUtil.AsBool(o["x-kubernetes-preserve-unknown-fields"]) == true;
        s.IntOrString = JsonUtil.AsBool(o["x-kubernetes-int-or-string"]) == true;
        s.EmbeddedResource = JsonUtil.AsBool(o["x-kubernetes-embedded-resource"]) == true;
        s.ListType = JsonUtil.Str(o, "x-kubernetes-list-type");
        if (o["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            s.ListMapKeys = keys.Select(k => JsonUtil.AsString(k) ?? "").ToList();
        }

        if (o["x-kubernetes-validations"] is JsonArray rules)
        {
            foreach (var r in rules.OfType<JsonObject>())
            {
                s.Rules.Add(new ValidationRule(JsonUtil.Str(r, "rule") ?? "", JsonUtil.Str(r, "message"), JsonUtil.Str(r, "messageExpression"),
                    JsonUtil.Str(r, "reason"), JsonUtil.Str(r, "fieldPath"), JsonUtil.AsBool(r["optionalOldSelf"]) == true));
            }
        }

        s.AllOf = ParseList(o["allOf"]);
        s.AnyOf = ParseList(o["anyOf"]);
        s.OneOf = ParseList(o["oneOf"]);
        if (o["not"] is JsonObject not)
        {
            s.Not = Parse(not);
        }

        return s;
    }

    private static List<StructuralSchema>? ParseList(JsonNode? n) => n is JsonArray a ? a.OfType<JsonObject>().Select(Parse).ToList() : null;

    private static double? Num(JsonNode? n) => JsonUtil.IsNumber(n) ? JsonUtil.GetDouble(n!.AsValue()) : null;

    public static string FormatNumber(double d) => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
}
