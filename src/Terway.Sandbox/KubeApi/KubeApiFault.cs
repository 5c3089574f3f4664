namespace Terway.Sandbox.KubeApi;

/// <summary>
/// A fault the emulator injects into matching requests (test hook): the next <see cref="Count"/>
/// requests with this verb on this resource fail with <see cref="StatusCode"/>, with the real
/// server's Status body for that code (and <c>Retry-After</c> for 429/503).
/// </summary>
public sealed record KubeApiFault
{
    /// <summary>API verb: create, update, patch, delete, get, list, watch, deletecollection, or <c>*</c>.</summary>
    public required string Verb { get; init; }

    /// <summary>Resource plural (e.g. <c>podenis</c>, <c>pods</c>), or <c>*</c>.</summary>
    public required string Resource { get; init; }

    /// <summary>Subresource to match (e.g. <c>status</c>); null matches any.</summary>
    public string? Subresource { get; init; }

    /// <summary>409, 429, 500, 503 or 504.</summary>
    public required int StatusCode { get; init; }

    /// <summary>How many matching requests fail before the fault is used up.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Seconds for <c>Retry-After</c> (429/503) and the Status details.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
}
