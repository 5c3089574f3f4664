namespace Terway.Sandbox.Cloud.Api;

/// <summary>What the fault knobs decided for one call.</summary>
internal enum FaultKind
{
    None,
    Error,
    Timeout,
}

/// <summary>The fault decision for one call.</summary>
internal sealed record FaultPlan(FaultKind Kind, string Code, int HttpStatus, string Message, bool Applies, TimeSpan Hold)
{
    public static FaultPlan None { get; } = new(FaultKind.None, string.Empty, 0, string.Empty, false, TimeSpan.Zero);
}

/// <summary>A fault queued from code for the next calls of one action.</summary>
/// <param name="Code">Error code, or null for a timeout.</param>
/// <param name="HttpStatus">HTTP status (derived from the code when null).</param>
/// <param name="Applies">Whether the operation takes effect despite the fault.</param>
/// <param name="Hold">For a timeout: how long the request is held.</param>
internal sealed record ScriptedFault(string? Code, int? HttpStatus, bool Applies, TimeSpan Hold);

/// <summary>
/// Decides injected faults: first any scripted ones queued for the action, then the random rates
/// of the action's knobs, from a seeded generator so runs repeat.
/// </summary>
internal sealed class FaultInjector(int seed)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(seed);
    private readonly Dictionary<string, Queue<ScriptedFault>> _scripted = new(StringComparer.Ordinal);

    public void Enqueue(string action, ScriptedFault fault, int count)
    {
        lock (_gate)
        {
            if (!_scripted.TryGetValue(action, out var q))
            {
                q = new Queue<ScriptedFault>();
                _scripted[action] = q;
            }

            for (var i = 0; i < count; i++)
            {
                q.Enqueue(fault);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _scripted.Clear();
        }
    }

    public FaultPlan Decide(string action, ApiKnobs knobs)
    {
        lock (_gate)
        {
            if (_scripted.TryGetValue(action, out var q) && q.TryDequeue(out var s))
            {
                return s.Code is null
                    ? new FaultPlan(FaultKind.Timeout, string.Empty, 0, string.Empty, s.Applies, s.Hold)
                    : Error(s.Code, s.HttpStatus, s.Applies);
            }

            if (knobs.TimeoutRate > 0 && _random.NextDouble() < knobs.TimeoutRate)
            {
                return new FaultPlan(FaultKind.Timeout, string.Empty, 0, string.Empty, knobs.TimeoutAfterApply, knobs.TimeoutHold);
            }

            if (knobs.ErrorRate > 0 && _random.NextDouble() < knobs.ErrorRate)
            {
                return Error(knobs.ErrorCode, knobs.ErrorHttpStatus, knobs.ErrorAfterApply);
            }

            return FaultPlan.None;
        }
    }

    private static FaultPlan Error(string code, int? status, bool applies) =>
        new(FaultKind.Error, code, status ?? CloudErrors.DefaultStatusFor(code), CloudErrors.DefaultMessageFor(code), applies, TimeSpan.Zero);
}
