using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.KubeApi.Json;

/// <summary>Small helpers over System.Text.Json nodes: the emulator's only object model.</summary>
internal static class JsonUtil
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static byte[] ToBytes(JsonNode node)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            node.WriteTo(w);
        }

        return ms.ToArray();
    }

    public static string ToText(JsonNode? node) => node == null ? "null" : Encoding.UTF8.GetString(ToBytes(node));

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8)
    {
        var node = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 10000 });
        return node as JsonObject ?? throw new JsonException("not an object");
    }

    public static JsonObject CloneObject(JsonObject o) => (JsonObject)o.DeepClone();

    public static JsonObject? Obj(JsonNode? parent, string key) => parent is JsonObject o && o.TryGetPropertyValue(key, out var v) ? v as JsonObject : null;

    public static JsonArray? Arr(JsonNode? parent, string key) => parent is JsonObject o && o.TryGetPropertyValue(key, out var v) ? v as JsonArray : null;

    public static string? Str(JsonNode? parent, string key)
    {
        if (parent is JsonObject o && o.TryGetPropertyValue(key, out var v) && v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String)
        {
            return jv.GetValue<string>();
        }

        return null;
    }

    public static string? AsString(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static bool? AsBool(JsonNode? n) => n is JsonValue v ? v.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    } : null;

    public static long? AsLong(JsonNode? n) => n is JsonValue v && TryGetLong(v, out var l) ? l : null;

    public static bool IsString(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    public static bool IsNumber(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    public static bool IsBool(JsonNode? n) => n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;

    public static bool IsNull(JsonNode? n) => n == null || (n is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    /// <summary>An integral JSON number (written without fraction or exponent, or integral and in range).</summary>
    public static bool TryGetLong(JsonValue v, out long value)
    {
        value = 0;
        if (v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (v.TryGetValue<long>(out value))
        {
            return true;
        }

        if (v.TryGetValue<int>(out var i))
        {
            value = i;
            return true;
        }

        if (v.TryGetValue<JsonElement>(out var e))
        {
            var raw = e.GetRawText();
            if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
            {
                return true;
            }

            if (e.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18)
            {
                value = (long)d;
                return true;
            }
        }

        if (v.TryGetValue<double>(out var dd) && dd == Math.Floor(dd) && Math.Abs(dd) < 9.2e18)
        {
            value = (long)dd;
            return true;
        }

        return false;
    }

    public static double GetDouble(JsonValue v)
    {
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        if (v.TryGetValue<JsonElement>(out var e) && e.TryGetDouble(out d))
        {
            return d;
        }

        return double.NaN;
    }

    /// <summary>Sets <paramref name="parent"/>[key], creating the object if missing.</summary>
    public static JsonObject EnsureObject(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        if (IsNull(a) && IsNull(b))
        {
            return true;
        }

        return JsonNode.DeepEquals(a, b);
    }

    /// <summary>The JSON type name Go's validator reports (<c>string</c>, <c>integer</c>, <c>number</c>...).</summary>
    public static string TypeName(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => TryGetLong(v, out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };

    public static string Rfc3339(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Rfc3339Micro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static bool TryParseTime(string? s, out DateTimeOffset t) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out t);

    public static JsonNode? FromDotNet(object? o) => o switch
    {
        null => null,
        JsonNode n => n,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        _ => JsonValue.Create(o.ToString()),
    };
}
