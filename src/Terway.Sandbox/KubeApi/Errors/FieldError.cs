using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;

namespace Terway.Sandbox.KubeApi.Errors;

/// <summary>The field error types of apimachinery's <c>field.ErrorType</c>.</summary>
internal enum FieldErrorType
{
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
    TypeInvalid,
}

/// <summary>
/// One validation failure, rendered exactly as apimachinery renders a <c>field.Error</c>
/// (<c>path: Type: value: detail</c>), so 422 messages match the real server's.
/// </summary>
internal sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, null, detail);
    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);
    public static FieldError TypeInvalid(string field, object? value, string detail) => new(FieldErrorType.TypeInvalid, field, value, detail);
    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail);
    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");
    public static FieldError NotFound(string field, object? value) => new(FieldErrorType.NotFound, field, value, "");
    public static FieldError Internal(string field, string detail) => new(FieldErrorType.Internal, field, null, detail);

    public static FieldError NotSupported(string field, object? value, IEnumerable<string> quotedValid) =>
        new(FieldErrorType.NotSupported, field, value, "supported values: " + string.Join(", ", quotedValid));

    public static FieldError TooLong(string field, object? value, long max) =>
        new(FieldErrorType.TooLong, field, value, max >= 0 ? $"may not be more than {max} {(max == 1 ? "byte" : "bytes")}" : "value is too long");

    public static FieldError TooLongBytes(string field, long max) =>
        new(FieldErrorType.TooLong, field, null, $"must have at most {max} bytes");

    public static FieldError TooMany(string field, long actual, long max) =>
        new(FieldErrorType.TooMany, field, actual, $"must have at most {max} items");

    /// <summary>The <c>StatusCause.reason</c> for this error type.</summary>
    public string CauseType => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => "FieldValueInvalid",
    };

    private string TypeText => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Internal => "Internal error",
        FieldErrorType.TypeInvalid => "Invalid value",
        _ => "Invalid value",
    };

    /// <summary>The error without the field path (<c>ErrorBody</c> in apimachinery).</summary>
    public string Body
    {
        get
        {
            string s;
            if (Type is FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal)
            {
                s = TypeText;
            }
            else
            {
                s = TypeText + ": " + GoFormat.Value(BadValue);
            }

            return Detail.Length > 0 ? s + ": " + Detail : s;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Field + ": " + Body;
}

/// <summary>Helpers to render a list of field errors like <c>utilerrors.Aggregate</c>.</summary>
internal static class FieldErrors
{
    public static string Aggregate(IReadOnlyList<FieldError> errors)
    {
        var msgs = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in errors)
        {
            var m = e.ToString();
            if (seen.Add(m))
            {
                msgs.Add(m);
            }
        }

        return msgs.Count == 1 ? msgs[0] : "[" + string.Join(", ", msgs) + "]";
    }

    public static JsonArray Causes(IReadOnlyList<FieldError> errors)
    {
        var arr = new JsonArray();
        foreach (var e in errors)
        {
            arr.Add(new JsonObject { ["reason"] = e.CauseType, ["message"] = e.Body, ["field"] = e.Field });
        }

        return arr;
    }
}
