namespace Terway.Sandbox.Cloud.Api;

/// <summary>
/// ClientToken memory: the first successful result of (action, token) with the request's
/// fingerprint, and the tokens of requests still being processed.
/// </summary>
internal sealed class IdempotencyStore
{
    private const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Action, string Token), (string Fingerprint, string Body)> _done = [];
    private readonly Queue<(string, string)> _order = new();
    private readonly HashSet<(string, string)> _inFlight = [];

    /// <summary>Looks up a finished request with this token.</summary>
    public bool TryGet(string action, string token, out string fingerprint, out string body)
    {
        lock (_gate)
        {
            if (_done.TryGetValue((action, token), out var r))
            {
                (fingerprint, body) = r;
                return true;
            }
        }

        fingerprint = body = string.Empty;
        return false;
    }

    /// <summary>Marks the token as being processed; false when another request with it is in flight.</summary>
    public bool TryBegin(string action, string token)
    {
        lock (_gate)
        {
            return _inFlight.Add((action, token));
        }
    }

    public void End(string action, string token)
    {
        lock (_gate)
        {
            _inFlight.Remove((action, token));
        }
    }

    public void Store(string action, string token, string fingerprint, string body)
    {
        lock (_gate)
        {
            if (_done.TryAdd((action, token), (fingerprint, body)))
            {
                _order.Enqueue((action, token));
                while (_order.Count > Capacity)
                {
                    _done.Remove(_order.Dequeue());
                }
            }
        }
    }
}
