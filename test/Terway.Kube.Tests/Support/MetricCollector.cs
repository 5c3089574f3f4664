using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Terway.Kube.Tests.Support;

/// <summary>Sums measurements of one meter by instrument name and tag set.</summary>
internal sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();

    public MetricCollector(string meterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>The sum recorded for <paramref name="instrument"/> with at least the given tags.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        _sums.Where(p => p.Key.StartsWith(instrument + "|", StringComparison.Ordinal) && tags.All(t => p.Key.Contains($"|{t.Key}={t.Value}", StringComparison.Ordinal)))
            .Sum(p => p.Value);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name + string.Concat(tags.ToArray().OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"|{t.Key}={t.Value}")) + "|";
        _sums.AddOrUpdate(key, value, (_, old) => old + value);
    }
}
