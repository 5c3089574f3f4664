using System.Diagnostics.Metrics;

namespace Terway.Operator.Hosting;

/// <summary>
/// The operator's own instruments, with Terway's names. They live on a meter named like the controller
/// runtime's, so the health server's <c>/metrics</c> endpoint exports them next to the runtime's.
/// </summary>
internal sealed class OperatorMetrics : IDisposable
{
    private static readonly double[] AttachBuckets = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144];
    private readonly Meter _meter;
    private readonly Dictionary<string, int> _configInfo = new(StringComparer.Ordinal);

    public OperatorMetrics(string meterName)
    {
        _meter = new Meter(meterName);
        AttachDuration = _meter.CreateHistogram("terway_eni_attach_duration_seconds", unit: null,
            description: "Time from AttachNetworkInterface to the ENI being InUse", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AttachBuckets });
        LeakedEnisDeleted = _meter.CreateCounter<long>("leaked_enis_deleted_total", description: "ENIs tagged as the operator's that nothing referenced, deleted by garbage collection");
        GcCount = _meter.CreateCounter<long>("gc_count_total", description: "Garbage-collection actions (detach or delete of an unreferenced ENI)");
        _meter.CreateObservableGauge("terway_controlplane_config_info", ObserveConfig, description: "Controllers running and their max concurrency");
    }

    public Histogram<double> AttachDuration { get; }

    public Counter<long> LeakedEnisDeleted { get; }

    public Counter<long> GcCount { get; }

    /// <summary>Publishes <c>terway_controlplane_config_info{controller, max_concurrent} 1</c>.</summary>
    public void SetControllerConfig(string controller, int maxConcurrent)
    {
        lock (_configInfo)
        {
            _configInfo[controller] = maxConcurrent;
        }
    }

    public void RecordAttach(TimeSpan duration, bool success, string eniType) =>
        AttachDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("result", success ? "success" : "failed"), new KeyValuePair<string, object?>("eni_type", eniType));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveConfig()
    {
        lock (_configInfo)
        {
            return _configInfo.Select(kv => new Measurement<int>(1,
                new KeyValuePair<string, object?>("controller", kv.Key),
                new KeyValuePair<string, object?>("max_concurrent", kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToList();
        }
    }
}
