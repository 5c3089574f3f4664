using System.Globalization;
using System.Text.Json;

namespace Terway.Cloud.Json;

/// <summary>A 2xx response lacks a field the API always returns.</summary>
internal sealed class MissingFieldException(string field) : FormatException($"response has no '{field}'")
{
    public string Field { get; } = field;
}

/// <summary>
/// Reads OpenAPI JSON the way the API writes it: flat objects, lists wrapped as
/// <c>Wrapper.Item[]</c>. Missing or null fields read as null/empty; a field of the wrong
/// JSON type is a <see cref="FormatException"/> (the transport turns that into a typed error).
/// </summary>
internal static class JsonFields
{
    public static JsonElement? Prop(this JsonElement e, string name)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
        {
            return v;
        }

        return null;
    }

    public static string? Str(this JsonElement e, string name)
    {
        if (e.Prop(name) is not { } v)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new FormatException($"field '{name}' is {v.ValueKind}, expected a string"),
        };
    }

    public static string RequireStr(this JsonElement e, string name) =>
        e.Str(name) is { Length: > 0 } s ? s : throw new MissingFieldException(name);

    public static long? Long(this JsonElement e, string name)
    {
        if (e.Prop(name) is not { } v)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n))
        {
            return n;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            var s = v.GetString();
            if (string.IsNullOrEmpty(s))
            {
                return null;
            }

            if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            {
                return n;
            }
        }

        throw new FormatException($"field '{name}' is not an integer");
    }

    public static int? Int(this JsonElement e, string name) => e.Long(name) is { } l
        ? (l is >= int.MinValue and <= int.MaxValue ? (int)l : throw new FormatException($"field '{name}' is out of range"))
        : null;

    public static bool? Bool(this JsonElement e, string name)
    {
        if (e.Prop(name) is not { } v)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
            JsonValueKind.String when string.IsNullOrEmpty(v.GetString()) => null,
            _ => throw new FormatException($"field '{name}' is not a boolean"),
        };
    }

    public static DateTimeOffset? Time(this JsonElement e, string name)
    {
        var s = e.Str(name);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new FormatException($"field '{name}' is not a time");
    }

    /// <summary>Items of <c>e[wrapper][item]</c>, tolerating a bare array or a single object where the API's XML heritage shows through.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement e, string wrapper, string item)
    {
        if (e.Prop(wrapper) is not { } w)
        {
            return [];
        }

        if (w.ValueKind == JsonValueKind.Array)
        {
            return w.EnumerateArray().ToArray();
        }

        if (w.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"field '{wrapper}' is {w.ValueKind}, expected an object");
        }

        if (w.Prop(item) is not { } list)
        {
            return [];
        }

        return list.ValueKind switch
        {
            JsonValueKind.Array => list.EnumerateArray().ToArray(),
            JsonValueKind.Object or JsonValueKind.String => [list],
            _ => throw new FormatException($"field '{wrapper}.{item}' is {list.ValueKind}, expected an array"),
        };
    }

    /// <summary>Strings of <c>e[wrapper][item]</c> (e.g. <c>SecurityGroupIds.SecurityGroupId[]</c>).</summary>
    public static List<string> Strings(this JsonElement e, string wrapper, string item)
    {
        var result = new List<string>();
        foreach (var v in e.Items(wrapper, item))
        {
            if (v.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"field '{wrapper}.{item}' holds {v.ValueKind}, expected strings");
            }

            result.Add(v.GetString()!);
        }

        return result;
    }
}
