namespace Terway.Sandbox.Cloud.Signing;

/// <summary>The AccessKey pairs (and STS tokens) the simulated account accepts.</summary>
internal sealed class CredentialStore
{
    private readonly Dictionary<string, AccessKeyDefinition> _keys = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public CredentialStore(IEnumerable<AccessKeyDefinition> keys)
    {
        foreach (var k in keys)
        {
            Add(k);
        }
    }

    public IReadOnlyList<AccessKeyDefinition> All
    {
        get
        {
            lock (_gate)
            {
                return _keys.Values.ToList();
            }
        }
    }

    /// <summary>Adds or replaces a key (e.g. a rotated STS credential).</summary>
    public void Add(AccessKeyDefinition key)
    {
        if (string.IsNullOrEmpty(key.AccessKeyId) || string.IsNullOrEmpty(key.AccessKeySecret))
        {
            throw new ArgumentException("An AccessKey needs an ID and a secret.");
        }

        lock (_gate)
        {
            _keys[key.AccessKeyId] = key;
        }
    }

    public bool Remove(string accessKeyId)
    {
        lock (_gate)
        {
            return _keys.Remove(accessKeyId);
        }
    }

    /// <summary>
    /// Resolves the key for a request, checking it is enabled and that the security token (if the
    /// key is an STS credential) is present, matching and unexpired.
    /// </summary>
    public AccessKeyDefinition Resolve(string accessKeyId, string? securityToken, DateTimeOffset now)
    {
        AccessKeyDefinition? key;
        lock (_gate)
        {
            _keys.TryGetValue(accessKeyId, out key);
        }

        if (key is null)
        {
            throw CloudErrors.AccessKeyNotFound();
        }

        if (!key.Enabled)
        {
            throw CloudErrors.AccessKeyInactive();
        }

        if (key.SecurityToken is null)
        {
            if (!string.IsNullOrEmpty(securityToken))
            {
                throw CloudErrors.SecurityTokenMismatch();
            }

            return key;
        }

        if (string.IsNullOrEmpty(securityToken))
        {
            throw CloudErrors.MissingSecurityToken();
        }

        if (!string.Equals(key.SecurityToken, securityToken, StringComparison.Ordinal))
        {
            throw CloudErrors.SecurityTokenMismatch();
        }

        if (key.Expiration is { } exp && exp <= now)
        {
            throw CloudErrors.SecurityTokenExpired();
        }

        return key;
    }
}
