namespace Terway.Cloud.Credentials;

/// <summary>
/// An AccessKey pair, optionally temporary (STS) with a security token and an expiry.
/// <see cref="ToString"/> never prints the secret or the token.
/// </summary>
public sealed class CloudCredential
{
    /// <summary>Creates a credential.</summary>
    /// <param name="accessKeyId">AccessKey ID (for STS credentials it starts with <c>STS.</c>).</param>
    /// <param name="accessKeySecret">AccessKey secret.</param>
    /// <param name="securityToken">STS security token, or null for a long-lived AccessKey.</param>
    /// <param name="expiration">When a temporary credential stops working, or null if it does not expire.</param>
    /// <param name="source">Name of the provider that produced it (for logs).</param>
    public CloudCredential(string accessKeyId, string accessKeySecret, string? securityToken = null, DateTimeOffset? expiration = null, string source = "static")
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(accessKeySecret);
        AccessKeyId = accessKeyId;
        AccessKeySecret = accessKeySecret;
        SecurityToken = string.IsNullOrEmpty(securityToken) ? null : securityToken;
        Expiration = expiration;
        Source = source;
    }

    /// <summary>AccessKey ID (not secret; it appears in logs and signatures).</summary>
    public string AccessKeyId { get; }

    /// <summary>AccessKey secret. Never log it.</summary>
    public string AccessKeySecret { get; }

    /// <summary>STS security token, or null. Never log it.</summary>
    public string? SecurityToken { get; }

    /// <summary>Expiry of a temporary credential, or null.</summary>
    public DateTimeOffset? Expiration { get; }

    /// <summary>Name of the provider that produced this credential.</summary>
    public string Source { get; }

    /// <summary>Whether the credential must be refreshed at <paramref name="now"/> given a safety margin.</summary>
    /// <param name="now">Current time.</param>
    /// <param name="margin">How long before expiry a credential counts as stale.</param>
    public bool IsStale(DateTimeOffset now, TimeSpan margin) => Expiration is { } e && e - now <= margin;

    /// <summary>Prints the AccessKey ID, source and expiry only.</summary>
    public override string ToString() =>
        $"CloudCredential(AccessKeyId={AccessKeyId}, Source={Source}, Sts={(SecurityToken is null ? "no" : "yes")}, Expiration={Expiration?.ToString("u") ?? "never"})";
}
