using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Terway.Cloud.Telemetry;

/// <summary>Names of the client's OpenTelemetry-compatible instruments and trace source.</summary>
public static class CloudTelemetryNames
{
    /// <summary>Meter and ActivitySource name; subscribe to it with OpenTelemetry's <c>AddMeter</c>/<c>AddSource</c>.</summary>
    public const string Name = "Terway.Cloud";

    /// <summary>Histogram (ms) of each OpenAPI HTTP exchange, tags <c>api</c> and <c>error</c> (error code, empty on success); Terway's name.</summary>
    public const string OpenApiLatency = "aliyun_openapi_latency";

    /// <summary>Histogram (ms) of time spent waiting for the per-API token bucket, tag <c>api</c>; Terway's name.</summary>
    public const string RateLimiterLatency = "rate_limiter_latency";

    /// <summary>Counter of retries, tags <c>api</c> and <c>error</c>.</summary>
    public const string Retries = "aliyun_openapi_retries";
}

/// <summary>The meter and activity source of one client instance.</summary>
internal sealed class CloudTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _limiterLatency;
    private readonly Counter<long> _retries;

    public CloudTelemetry(IMeterFactory? meterFactory = null)
    {
        if (meterFactory is not null)
        {
            _meter = meterFactory.Create(CloudTelemetryNames.Name);
        }
        else
        {
            _meter = new Meter(CloudTelemetryNames.Name);
            _ownsMeter = true;
        }

        _latency = _meter.CreateHistogram<double>(CloudTelemetryNames.OpenApiLatency, "ms", "Latency of Alibaba Cloud OpenAPI calls");
        _limiterLatency = _meter.CreateHistogram<double>(CloudTelemetryNames.RateLimiterLatency, "ms", "Time waiting for the client-side per-API rate limiter");
        _retries = _meter.CreateCounter<long>(CloudTelemetryNames.Retries, "{retry}", "Retried Alibaba Cloud OpenAPI attempts");
    }

    public static ActivitySource Source { get; } = new(CloudTelemetryNames.Name);

    public Meter Meter => _meter;

    public void RecordLatency(string api, string error, TimeSpan elapsed) =>
        _latency.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("api", api), new KeyValuePair<string, object?>("error", error));

    public void RecordLimiterLatency(string api, TimeSpan elapsed) =>
        _limiterLatency.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("api", api));

    public void RecordRetry(string api, string error) =>
        _retries.Add(1, new KeyValuePair<string, object?>("api", api), new KeyValuePair<string, object?>("error", error));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
