using Terway.Sandbox.KubeApi.Errors;

namespace Terway.Sandbox.KubeApi.Server;

/// <summary>Holds injected faults and turns the matching requests into failures.</summary>
internal sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<(KubeApiFault Fault, int Remaining)> _faults = [];

    public void Add(KubeApiFault fault)
    {
        lock (_gate)
        {
            _faults.Add((fault, fault.Count));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    public StatusException? Take(string verb, string group, string resource, string subresource, string name)
    {
        lock (_gate)
        {
            for (var i = 0; i < _faults.Count; i++)
            {
                var (f, remaining) = _faults[i];
                if ((f.Verb != "*" && f.Verb != verb) || (f.Resource != "*" && f.Resource != resource) ||
                    (f.Subresource != null && f.Subresource != subresource))
                {
                    continue;
                }

                if (remaining <= 1)
                {
                    _faults.RemoveAt(i);
                }
                else
                {
                    _faults[i] = (f, remaining - 1);
                }

                return f.StatusCode switch
                {
                    409 => StatusException.ModifiedConflict(group, resource, name.Length > 0 ? name : "unknown"),
                    429 => StatusException.TooManyRequests(f.RetryAfterSeconds),
                    503 => new StatusException(503, "ServiceUnavailable", "the server is currently unable to handle the request", new System.Text.Json.Nodes.JsonObject { ["retryAfterSeconds"] = f.RetryAfterSeconds })
                    {
                        RetryAfterSeconds = f.RetryAfterSeconds,
                    },
                    504 => new StatusException(504, "Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request", new System.Text.Json.Nodes.JsonObject()),
                    _ => StatusException.Internal("injected fault"),
                };
            }
        }

        return null;
    }
}
