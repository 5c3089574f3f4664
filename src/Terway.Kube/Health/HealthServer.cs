using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Terway.Kube.Hosting;

namespace Terway.Kube.Health;

/// <summary>Where and what the health server serves.</summary>
public sealed record HealthServerOptions
{
    /// <summary>Listen URLs; <c>http://127.0.0.1:0</c> picks a free port (tests). Kubebuilder uses <c>:8081</c> for probes.</summary>
    public string Urls { get; init; } = "http://0.0.0.0:8081";

    /// <summary>Serve <c>/metrics</c> in Prometheus text format.</summary>
    public bool ServeMetrics { get; init; } = true;
}

/// <summary>One named check.</summary>
/// <param name="Name">The check's name.</param>
/// <param name="Ok">Whether it passes.</param>
/// <param name="Detail">What it found.</param>
public sealed record HealthCheckResult(string Name, bool Ok, string Detail);

/// <summary>
/// A small Kestrel app serving <c>/healthz</c> (liveness), <c>/readyz</c> (caches synced, and leader or a
/// participating standby) in the Kubernetes style (<c>?verbose</c> lists the checks, <c>?exclude=name</c>
/// skips one), and <c>/metrics</c> through OpenTelemetry's Prometheus exporter, configured so the runtime's
/// instruments keep their controller-runtime names exactly (no scope labels, no unit suffixes).
/// </summary>
public sealed class HealthServer : IAsyncDisposable
{
    private readonly KubeManager _manager;
    private readonly HealthServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private WebApplication? _app;

    internal HealthServer(KubeManager manager, HealthServerOptions options, ILoggerFactory loggerFactory)
    {
        _manager = manager;
        _options = options;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The first address the server listens on (with the real port when 0 was asked).</summary>
    public Uri? Address { get; private set; }

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(_options.Urls);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        if (_options.ServeMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(_manager.Metrics.MeterName)
                .AddPrometheusExporter(o =>
                {
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    o.ScopeInfoEnabled = false;
                    o.TargetInfoEnabled = false;
                }));
        }

        var app = builder.Build();
        app.MapGet("/healthz", (HttpContext ctx) => Respond(ctx, _manager.CheckHealth()));
        app.MapGet("/livez", (HttpContext ctx) => Respond(ctx, _manager.CheckHealth()));
        app.MapGet("/readyz", (HttpContext ctx) => Respond(ctx, _manager.CheckReadiness()));
        if (_options.ServeMetrics)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }

        await app.StartAsync(cancellationToken);
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault();
        Address = first is null ? null : new Uri(first.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private static IResult Respond(HttpContext ctx, IReadOnlyList<HealthCheckResult> checks)
    {
        var excluded = ctx.Request.Query["exclude"].Where(s => s is not null).Select(s => s!).ToHashSet(StringComparer.Ordinal);
        var considered = checks.Where(c => !excluded.Contains(c.Name)).ToList();
        var ok = considered.All(c => c.Ok);
        var verbose = ctx.Request.Query.ContainsKey("verbose") || !ok;
        var text = new StringBuilder();
        if (verbose)
        {
            foreach (var c in considered)
            {
                text.Append(c.Ok ? "[+]" : "[-]").Append(c.Name).Append(' ').Append(c.Ok ? "ok" : "failed").Append(": ").AppendLine(c.Detail);
            }
        }

        text.Append(ok ? "ok" : "failed");
        return Results.Text(text.ToString(), "text/plain", Encoding.UTF8, ok ? (int)HttpStatusCode.OK : (int)HttpStatusCode.ServiceUnavailable);
    }
}
