namespace Terway.Operator.Webhooks.Admission;

/// <summary>
/// A webhook's answer to one request: allowed (possibly with a JSON patch) or denied with an HTTP code and a
/// message people read in <c>kubectl</c> ("admission webhook "x" denied the request: &lt;message&gt;"), plus
/// warnings the API server passes on to the client.
/// </summary>
internal sealed record AdmissionDecision
{
    private AdmissionDecision(bool allowed, int code, string? reason, string message, IReadOnlyList<JsonPatchOperation> patch, IReadOnlyList<string> warnings)
    {
        Allowed = allowed;
        Code = code;
        Reason = reason;
        Message = message;
        Patch = patch;
        Warnings = warnings;
    }

    /// <summary>Whether the request may proceed.</summary>
    public bool Allowed { get; }

    /// <summary>HTTP status code: 200 when allowed, 4xx when denied.</summary>
    public int Code { get; }

    /// <summary>Machine-readable reason of a denial (<c>Forbidden</c>, <c>Invalid</c>, <c>BadRequest</c>).</summary>
    public string? Reason { get; }

    /// <summary>Why: shown to users on denial, kept for logs and debugging when allowed.</summary>
    public string Message { get; }

    /// <summary>JSON patch to apply (mutating webhooks only); empty for none.</summary>
    public IReadOnlyList<JsonPatchOperation> Patch { get; }

    /// <summary>Warnings for the client (at most a few, each one line).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Allowed unchanged.</summary>
    public static AdmissionDecision Allow(string message, IReadOnlyList<string>? warnings = null) =>
        new(true, 200, null, message, [], warnings ?? []);

    /// <summary>Allowed with changes.</summary>
    public static AdmissionDecision Patched(IReadOnlyList<JsonPatchOperation> patch, string message, IReadOnlyList<string>? warnings = null) =>
        new(true, 200, null, message, patch, warnings ?? []);

    /// <summary>Denied by policy (403 Forbidden), as Terway's webhook denies.</summary>
    public static AdmissionDecision Forbidden(string message) => new(false, 403, "Forbidden", message, [], []);

    /// <summary>Denied because the request cannot be understood (400 BadRequest), e.g. an object that does not decode.</summary>
    public static AdmissionDecision BadRequest(string message) => new(false, 400, "BadRequest", message, [], []);

    /// <summary>Denied because the object is invalid (422 Invalid).</summary>
    public static AdmissionDecision Invalid(string message, IReadOnlyList<string>? warnings = null) => new(false, 422, "Invalid", message, [], warnings ?? []);
}
