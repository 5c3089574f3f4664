using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Terway.Kube.Queues;

namespace Terway.Kube.Metrics;

/// <summary>
/// The runtime's instruments, under controller-runtime's metric names and labels so dashboards and alerts
/// written for Go controllers work unchanged. Export them with the Prometheus endpoint
/// (<see cref="Health.HealthServer"/>) or any OpenTelemetry reader listening to <see cref="MeterName"/>.
/// </summary>
public sealed class KubeMetrics : IDisposable
{
    /// <summary>The default meter name.</summary>
    public const string DefaultMeterName = "Terway.Kube";

    private static readonly double[] ReconcileBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];

    private static readonly double[] QueueBuckets =
        [0.0001, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, Func<(double Unfinished, double Longest)>> _queues = new();
    private readonly ConcurrentDictionary<string, int> _leaderStatus = new();

    /// <summary>Creates the instruments on a new meter named <paramref name="meterName"/>.</summary>
    public KubeMetrics(string meterName = DefaultMeterName)
    {
        MeterName = meterName;
        _meter = new Meter(meterName);
        ReconcileTotal = _meter.CreateCounter<long>("controller_runtime_reconcile_total", description: "Total number of reconciliations per controller");
        ReconcileErrors = _meter.CreateCounter<long>("controller_runtime_reconcile_errors_total", description: "Total number of reconciliation errors per controller");
        TerminalReconcileErrors = _meter.CreateCounter<long>("controller_runtime_terminal_reconcile_errors_total", description: "Total number of terminal reconciliation errors per controller");
        ReconcilePanics = _meter.CreateCounter<long>("controller_runtime_reconcile_panics_total", description: "Total number of reconciliation panics (unexpected exceptions) per controller");
        ReconcileTimeouts = _meter.CreateCounter<long>("controller_runtime_reconcile_timeouts_total", description: "Total number of reconciliation timeouts per controller");
        ReconcileTime = _meter.CreateHistogram("controller_runtime_reconcile_time_seconds", unit: null,
            description: "Length of time per reconciliation per controller", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ReconcileBuckets });
        MaxConcurrentReconciles = _meter.CreateGauge<long>("controller_runtime_max_concurrent_reconciles", description: "Maximum number of concurrent reconciles per controller");
        ActiveWorkers = _meter.CreateUpDownCounter<long>("controller_runtime_active_workers", description: "Number of currently used workers per controller");

        QueueDepth = _meter.CreateUpDownCounter<long>("workqueue_depth", description: "Current depth of workqueue");
        QueueAdds = _meter.CreateCounter<long>("workqueue_adds_total", description: "Total number of adds handled by workqueue");
        QueueDuration = _meter.CreateHistogram("workqueue_queue_duration_seconds", unit: null,
            description: "How long in seconds an item stays in workqueue before being requested", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueBuckets });
        WorkDuration = _meter.CreateHistogram("workqueue_work_duration_seconds", unit: null,
            description: "How long in seconds processing an item from workqueue takes", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueBuckets });
        QueueRetries = _meter.CreateCounter<long>("workqueue_retries_total", description: "Total number of retries handled by workqueue");
        _meter.CreateObservableGauge("workqueue_unfinished_work_seconds", () => ObserveQueues(unfinished: true),
            description: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration");
        _meter.CreateObservableGauge("workqueue_longest_running_processor_seconds", () => ObserveQueues(unfinished: false),
            description: "How many seconds has the longest running processor for workqueue been running");
        _meter.CreateObservableGauge("leader_election_master_status", ObserveLeaders,
            description: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master");
    }

    /// <summary>The meter's name (what an OpenTelemetry reader subscribes to).</summary>
    public string MeterName { get; }

    internal Counter<long> ReconcileTotal { get; }

    internal Counter<long> ReconcileErrors { get; }

    internal Counter<long> TerminalReconcileErrors { get; }

    internal Counter<long> ReconcilePanics { get; }

    internal Counter<long> ReconcileTimeouts { get; }

    internal Histogram<double> ReconcileTime { get; }

    internal Gauge<long> MaxConcurrentReconciles { get; }

    internal UpDownCounter<long> ActiveWorkers { get; }

    internal UpDownCounter<long> QueueDepth { get; }

    internal Counter<long> QueueAdds { get; }

    internal Histogram<double> QueueDuration { get; }

    internal Histogram<double> WorkDuration { get; }

    internal Counter<long> QueueRetries { get; }

    /// <summary>Records whether this process holds the lease <paramref name="leaseName"/>.</summary>
    public void SetLeader(string leaseName, bool isLeader) => _leaderStatus[leaseName] = isLeader ? 1 : 0;

    /// <summary>
    /// Publishes every series of a controller at zero (as controller-runtime does), so dashboards and
    /// <c>rate()</c> see the series before the first error or timeout ever happens.
    /// </summary>
    internal void InitializeController(string name, int maxConcurrentReconciles)
    {
        KeyValuePair<string, object?>[] tags = [new("controller", name)];
        foreach (var result in new[] { "success", "error", "requeue", "requeue_after" })
        {
            ReconcileTotal.Add(0, [new("controller", name), new("result", result)]);
        }

        ReconcileErrors.Add(0, tags);
        TerminalReconcileErrors.Add(0, tags);
        ReconcilePanics.Add(0, tags);
        ReconcileTimeouts.Add(0, tags);
        ActiveWorkers.Add(0, tags);
        MaxConcurrentReconciles.Record(maxConcurrentReconciles, tags);
        KeyValuePair<string, object?>[] queueTags = [new("name", name), new("controller", name)];
        QueueDepth.Add(0, queueTags);
        QueueAdds.Add(0, queueTags);
        QueueRetries.Add(0, queueTags);
    }

    /// <summary>Makes a work-queue observer that reports under <c>name</c>/<c>controller</c> = <paramref name="name"/>.</summary>
    internal IWorkQueueObserver ForQueue(string name) => new QueueObserver(this, name);

    /// <summary>Includes a queue in the unfinished-work and longest-processor gauges.</summary>
    internal void TrackQueue<TKey>(string name, WorkQueue<TKey> queue)
        where TKey : notnull => _queues[name] = queue.ProcessingSeconds;

    /// <summary>Removes a queue from the gauges.</summary>
    internal void UntrackQueue(string name) => _queues.TryRemove(name, out _);

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> ObserveQueues(bool unfinished)
    {
        foreach (var (name, probe) in _queues)
        {
            var (u, l) = probe();
            yield return new Measurement<double>(unfinished ? u : l,
                new KeyValuePair<string, object?>("name", name), new KeyValuePair<string, object?>("controller", name));
        }
    }

    private IEnumerable<Measurement<int>> ObserveLeaders()
    {
        foreach (var (name, value) in _leaderStatus)
        {
            yield return new Measurement<int>(value, new KeyValuePair<string, object?>("name", name));
        }
    }

    private sealed class QueueObserver(KubeMetrics metrics, string name) : IWorkQueueObserver
    {
        private readonly KeyValuePair<string, object?>[] _tags =
        [
            new("name", name),
            new("controller", name),
        ];

        public void Added() => metrics.QueueAdds.Add(1, _tags);

        public void DepthChanged(int delta) => metrics.QueueDepth.Add(delta, _tags);

        public void Started(TimeSpan queued) => metrics.QueueDuration.Record(queued.TotalSeconds, _tags);

        public void Finished(TimeSpan worked) => metrics.WorkDuration.Record(worked.TotalSeconds, _tags);

        public void Retried() => metrics.QueueRetries.Add(1, _tags);
    }
}
