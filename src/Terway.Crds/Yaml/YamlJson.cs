using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Terway.Crds.Yaml;

/// <summary>
/// Converts between YAML manifests and JSON trees the way kubectl does: YAML is read as JSON
/// (plain scalars resolved to null, booleans, numbers or strings with the YAML 1.1 rules
/// Kubernetes' YAML library uses), and JSON is written as block YAML that reads back to the
/// same tree. Anchors, aliases and merge keys are not supported.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Parses every document of a YAML stream; empty documents are skipped.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>One JSON node per non-empty document.</returns>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    public static IReadOnlyList<JsonNode> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        var documents = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            var node = ToJson(document.RootNode);
            if (node is not null)
            {
                documents.Add(node);
            }
        }

        return documents;
    }

    /// <summary>Parses a YAML text that holds exactly one document.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <returns>The document as JSON.</returns>
    /// <exception cref="FormatException">The text holds no document or more than one.</exception>
    public static JsonNode Parse(string yaml)
    {
        var all = ParseAll(yaml);
        return all.Count == 1 ? all[0] : throw new FormatException($"expected one YAML document, found {all.Count}");
    }

    /// <summary>Writes JSON documents as a YAML stream, each starting with <c>---</c>.</summary>
    /// <param name="documents">The documents.</param>
    /// <param name="headerComment">Optional comment line(s) written before the first document.</param>
    /// <returns>The YAML text, ending in a newline.</returns>
    public static string Write(IEnumerable<JsonNode?> documents, string? headerComment = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer, new EmitterSettings(2, int.MaxValue, false, 1024, false, false, "\n"));
        emitter.Emit(new StreamStart());
        if (headerComment is not null)
        {
            foreach (var line in headerComment.Split('\n'))
            {
                emitter.Emit(new Comment(line, false));
            }
        }

        foreach (var document in documents)
        {
            emitter.Emit(new DocumentStart(null, null, false));
            Emit(emitter, document);
            emitter.Emit(new DocumentEnd(true));
        }

        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>Writes one JSON document as YAML.</summary>
    /// <param name="document">The document.</param>
    /// <param name="headerComment">Optional comment line(s) written first.</param>
    /// <returns>The YAML text, ending in a newline.</returns>
    public static string Write(JsonNode? document, string? headerComment = null) => Write([document], headerComment);

    /// <summary>Whether a plain (unquoted) YAML scalar with this text reads as something other than a string.</summary>
    /// <param name="text">The scalar text.</param>
    /// <returns>True for null, booleans, numbers and timestamps.</returns>
    public static bool IsNonStringPlainScalar(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SpecialFloat().IsMatch(text)
            || LooksLikeTimestamp().IsMatch(text)
            || ResolvePlain(text) is not { } value
            || value.GetValueKind() != System.Text.Json.JsonValueKind.String;
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode keyScalar)
                    {
                        throw new FormatException($"unsupported non-scalar mapping key at {key.Start}");
                    }

                    obj[keyScalar.Value ?? ""] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case YamlScalarNode scalar:
                return ScalarToJson(scalar);
            default:
                throw new FormatException($"unsupported YAML node {node.NodeType} at {node.Start}");
        }
    }

    private static JsonValue? ScalarToJson(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" or "!")
        {
            return JsonValue.Create(text);
        }

        if (scalar.Style is ScalarStyle.Plain or ScalarStyle.Any || tag is not null)
        {
            return ResolvePlain(text);
        }

        return JsonValue.Create(text);
    }

    private static JsonValue? ResolvePlain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                return JsonValue.Create(false);
        }

        if (DecimalInteger().IsMatch(text) && long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return Number(l.ToString(CultureInfo.InvariantCulture));
        }

        if (HexInteger().IsMatch(text))
        {
            return Number(Convert.ToInt64(text[2..].Replace("_", "", StringComparison.Ordinal), 16).ToString(CultureInfo.InvariantCulture));
        }

        if (OctalInteger().IsMatch(text))
        {
            var digits = text.StartsWith("0o", StringComparison.Ordinal) ? text[2..] : text[1..];
            return Number(Convert.ToInt64(digits.Replace("_", "", StringComparison.Ordinal), 8).ToString(CultureInfo.InvariantCulture));
        }

        if (Float().IsMatch(text) && double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return Number(d.ToString("R", CultureInfo.InvariantCulture));
        }

        if (SpecialFloat().IsMatch(text))
        {
            // JSON cannot hold infinities or NaN; kubectl rejects them as well.
            throw new FormatException($"'{text}' is not representable in JSON");
        }

        return JsonValue.Create(text);
    }

    // Numbers are backed by their JSON text, so callers can read them as int, long or double.
    private static JsonValue Number(string json) => JsonNode.Parse(json)!.AsValue();

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                Plain(emitter, "null");
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case System.Text.Json.JsonValueKind.String:
                        EmitString(emitter, value.GetValue<string>());
                        break;
                    case System.Text.Json.JsonValueKind.True:
                        Plain(emitter, "true");
                        break;
                    case System.Text.Json.JsonValueKind.False:
                        Plain(emitter, "false");
                        break;
                    case System.Text.Json.JsonValueKind.Number:
                        Plain(emitter, value.ToJsonString());
                        break;
                    default:
                        Plain(emitter, "null");
                        break;
                }

                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        ScalarStyle style;
        if (IsNonStringPlainScalar(text))
        {
            style = ScalarStyle.DoubleQuoted;
        }
        else if (text.Contains('\n', StringComparison.Ordinal))
        {
            // The emitter falls back to a quoted style when a literal block cannot hold the text.
            style = ScalarStyle.Literal;
        }
        else
        {
            // The emitter falls back to a quoted style when the text cannot be plain.
            style = ScalarStyle.Plain;
        }

        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, style, true, true));
    }

    private static void Plain(IEmitter emitter, string text) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, true, false));

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^0x[0-9a-fA-F_]+$")]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^(0o[0-7_]+|0[0-7_]+)$")]
    private static partial Regex OctalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    [GeneratedRegex(@"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex SpecialFloat();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")]
    private static partial Regex LooksLikeTimestamp();
}
