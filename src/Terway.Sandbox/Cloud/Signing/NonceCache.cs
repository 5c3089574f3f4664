namespace Terway.Sandbox.Cloud.Signing;

/// <summary>
/// Remembers signature nonces for as long as a request carrying them could still pass the
/// timestamp check, so a replayed request is refused with <c>SignatureNonceUsed</c>.
/// </summary>
internal sealed class NonceCache(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiry = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                Purge(time.GetUtcNow());
                return _seen.Count;
            }
        }
    }

    /// <summary>Records the nonce; false when it was already seen and not yet forgotten.</summary>
    public bool TryUse(string nonce, DateTimeOffset forgetAfter)
    {
        lock (_gate)
        {
            Purge(time.GetUtcNow());
            if (_seen.ContainsKey(nonce))
            {
                return false;
            }

            _seen[nonce] = forgetAfter;
            _expiry.Enqueue(nonce, forgetAfter);
            return true;
        }
    }

    private void Purge(DateTimeOffset now)
    {
        while (_expiry.TryPeek(out var nonce, out var at) && at < now)
        {
            _expiry.Dequeue();
            _seen.Remove(nonce);
        }
    }
}
