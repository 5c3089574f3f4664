using System.Diagnostics.Metrics;
using System.Globalization;

namespace Terway.Operator.Webhooks.Hosting;

/// <summary>
/// controller-runtime's webhook metrics, on a meter named like the controller runtime's so the operator's
/// <c>/metrics</c> endpoint (which exports that meter by name) shows them next to the controller series.
/// </summary>
internal sealed class WebhookMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly UpDownCounter<long> _inFlight;

    public WebhookMetrics(string meterName)
    {
        _meter = new Meter(meterName);
        _requests = _meter.CreateCounter<long>("controller_runtime_webhook_requests_total", description: "Total number of admission requests by HTTP status code.");
        _latency = _meter.CreateHistogram<double>("controller_runtime_webhook_latency_seconds", description: "Histogram of the latency of processing admission requests.");
        _inFlight = _meter.CreateUpDownCounter<long>("controller_runtime_webhook_requests_in_flight", description: "Current number of admission requests being served.");
    }

    /// <summary>Counts one finished request.</summary>
    public void Record(string webhook, int code, TimeSpan elapsed)
    {
        _requests.Add(1, new KeyValuePair<string, object?>("webhook", webhook), new KeyValuePair<string, object?>("code", code.ToString(CultureInfo.InvariantCulture)));
        _latency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("webhook", webhook));
    }

    /// <summary>Moves the in-flight gauge.</summary>
    public void InFlight(string webhook, int delta) => _inFlight.Add(delta, new KeyValuePair<string, object?>("webhook", webhook));

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();
}
