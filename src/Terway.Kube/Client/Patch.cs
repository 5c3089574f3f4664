namespace Terway.Kube.Client;

/// <summary>The patch formats the API server accepts.</summary>
public enum PatchKind
{
    /// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>); works for custom resources.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>).</summary>
    Json,

    /// <summary>Strategic merge patch; built-in kinds only.</summary>
    StrategicMerge,
}

/// <summary>A patch document ready to send: its format and its JSON text.</summary>
/// <param name="Kind">The format.</param>
/// <param name="Body">The JSON text of the patch.</param>
public sealed record Patch(PatchKind Kind, string Body)
{
    /// <summary>The Content-Type header for this patch format.</summary>
    public string ContentType => Kind switch
    {
        PatchKind.Merge => "application/merge-patch+json",
        PatchKind.Json => "application/json-patch+json",
        PatchKind.StrategicMerge => "application/strategic-merge-patch+json",
        _ => throw new InvalidOperationException($"unknown patch kind {Kind}"),
    };
}
