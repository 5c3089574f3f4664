using System.Net;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.KubeApi.Errors;

/// <summary>
/// An API failure carried as the <c>Status</c> object the real API server would answer with.
/// Everything the emulator rejects goes through here, so codes, reasons and messages stay in one place.
/// </summary>
internal sealed class StatusException : Exception
{
    public StatusException(int code, string reason, string message, JsonObject? details = null, JsonObject? listMeta = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
        ListMeta = listMeta;
    }

    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }
    public JsonObject? ListMeta { get; }
    public int? RetryAfterSeconds { get; init; }

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = ListMeta?.DeepClone() ?? new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details != null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }

    private static JsonObject GrDetails(string group, string resource, string? name)
    {
        var d = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            d["name"] = name;
        }

        if (group.Length > 0)
        {
            d["group"] = group;
        }

        d["kind"] = resource;
        return d;
    }

    /// <summary><c>pods</c> or <c>deployments.apps</c>: a GroupResource as Go prints it.</summary>
    public static string Qualified(string group, string resource) => group.Length == 0 ? resource : resource + "." + group;

    public static StatusException NotFound(string group, string resource, string name) =>
        new(404, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found", GrDetails(group, resource, name));

    public static StatusException AlreadyExists(string group, string resource, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists", GrDetails(group, resource, name));

    public static StatusException Conflict(string group, string resource, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {detail}", GrDetails(group, resource, name));

    public static StatusException ModifiedConflict(string group, string resource, string name) =>
        Conflict(group, resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static StatusException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var gk = group.Length == 0 ? kind : kind + "." + group;
        var details = new JsonObject { ["name"] = name };
        if (group.Length > 0)
        {
            details["group"] = group;
        }

        details["kind"] = kind;
        details["causes"] = FieldErrors.Causes(errors);
        var msg = errors.Count == 0 ? $"{gk} \"{name}\" is invalid" : $"{gk} \"{name}\" is invalid: {FieldErrors.Aggregate(errors)}";
        return new StatusException(422, "Invalid", msg, details);
    }

    public static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static StatusException Forbidden(string group, string resource, string? name, string detail)
    {
        var qualified = Qualified(group, resource);
        var msg = string.IsNullOrEmpty(name) ? $"{qualified} is forbidden: {detail}" : $"{qualified} \"{name}\" is forbidden: {detail}";
        if (resource.Length == 0 && group.Length == 0)
        {
            msg = "forbidden: " + detail;
        }

        return new StatusException(403, "Forbidden", msg, GrDetails(group, resource, name));
    }

    public static StatusException MethodNotSupported(string group, string resource, string action) =>
        new(405, "MethodNotAllowed", $"{action} is not supported on resources of kind \"{Qualified(group, resource)}\"", GrDetails(group, resource, null));

    public static StatusException MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", new JsonObject());

    public static StatusException NotFoundGeneric() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static StatusException UnsupportedMediaType(string contentType, IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}", new JsonObject());

    public static StatusException NotAcceptable(IEnumerable<string> accepted) =>
        new(406, "NotAcceptable", $"only the following media types are accepted: {string.Join(", ", accepted)}", new JsonObject());

    public static StatusException Expired(string message, JsonObject? listMeta = null) => new(410, "Expired", message, null, listMeta);

    public static StatusException Gone(string message) => new(410, "Gone", message);

    public static StatusException TooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}", new JsonObject());

    public static StatusException Internal(string message)
    {
        var details = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) };
        return new StatusException(500, "InternalError", "Internal error occurred: " + message, details);
    }

    public static StatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static StatusException TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "Too many requests, please try again later.", new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds })
        {
            RetryAfterSeconds = retryAfterSeconds,
        };

    public static StatusException ServerTimeout(string message, int retryAfter) =>
        new(504, "Timeout", message, new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
            ["retryAfterSeconds"] = retryAfter,
        })
        {
            RetryAfterSeconds = retryAfter,
        };

    public static StatusException FromCode(HttpStatusCode code, string reason, string message) => new((int)code, reason, message, new JsonObject());
}
