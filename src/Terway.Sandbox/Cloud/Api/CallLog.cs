namespace Terway.Sandbox.Cloud.Api;

/// <summary>Every API call the simulator answered: a bounded recent list and per-action totals.</summary>
internal sealed class CallLog
{
    private const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Queue<ApiCallRecord> _recent = new();
    private readonly Dictionary<string, (long Total, long Ok, long Failed, long Throttled)> _counts = new(StringComparer.Ordinal);

    public void Record(ApiCallRecord record)
    {
        lock (_gate)
        {
            _recent.Enqueue(record);
            while (_recent.Count > Capacity)
            {
                _recent.Dequeue();
            }

            var (total, ok, failed, throttled) = _counts.GetValueOrDefault(record.Action);
            var success = record.HttpStatus is >= 200 and < 300;
            var isThrottled = record.ErrorCode is "Throttling.User" or "Throttling";
            _counts[record.Action] = (total + 1, ok + (success ? 1 : 0), failed + (success ? 0 : 1), throttled + (isThrottled ? 1 : 0));
        }
    }

    public (IReadOnlyList<ApiCallRecord> Recent, IReadOnlyDictionary<string, ApiCallStats> Counts) Capture()
    {
        lock (_gate)
        {
            return (_recent.ToList(),
                _counts.ToDictionary(p => p.Key, p => new ApiCallStats(p.Value.Total, p.Value.Ok, p.Value.Failed, p.Value.Throttled), StringComparer.Ordinal));
        }
    }
}
