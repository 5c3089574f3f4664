using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Crds.Names;
using Terway.Kube.Hosting;
using Terway.Operator.Certificates;
using Terway.Operator.Webhooks.Admission;
using Terway.Operator.Webhooks.PodNetworkings;
using Terway.Operator.Webhooks.State;

namespace Terway.Operator.Webhooks.Hosting;

/// <summary>
/// The HTTPS listener of the admission webhooks: its own Kestrel server on the webhook port (independent of the
/// health/metrics server), presenting the current certificate from the Secret (renewals are picked up without a
/// restart), serving AdmissionReview v1 on <c>/mutating</c> and <c>/validate</c>.
/// <para>
/// Malformed bodies get 400, and a fault inside a handler gets 500: the API server then applies the webhook's
/// failurePolicy (Ignore for pods, Fail for PodNetworkings) instead of reading an error as a denial.
/// </para>
/// </summary>
public sealed partial class WebhookServer : IAsyncDisposable
{
    /// <summary>Largest AdmissionReview accepted (an object may be 3 MiB, and a review carries object and oldObject).</summary>
    private const long MaxBodyBytes = 16 * 1024 * 1024;

    private readonly WebApplication _app;
    private readonly IServingCertificateSource _certificates;
    private readonly WebhookMetrics _metrics;
    private readonly CancellationTokenSource? _ownedLoop;
    private readonly Task? _ownedLoopTask;

    private WebhookServer(WebApplication app, Uri baseAddress, IServingCertificateSource certificates, WebhookMetrics metrics, CancellationTokenSource? ownedLoop, Task? ownedLoopTask)
    {
        _app = app;
        BaseAddress = baseAddress;
        _certificates = certificates;
        _metrics = metrics;
        _ownedLoop = ownedLoop;
        _ownedLoopTask = ownedLoopTask;
    }

    /// <summary>Where the listener is reachable (<c>https://&lt;bind address&gt;:&lt;port&gt;/</c>; 0.0.0.0 shown as 127.0.0.1).</summary>
    public Uri BaseAddress { get; }

    /// <summary>PEM of the CA bundle that verifies the serving certificate (what the webhook configurations carry as caBundle).</summary>
    public string CaBundlePem => _certificates.CaBundlePem;

    /// <summary>The certificate currently presented.</summary>
    public X509Certificate2 ServingCertificate => _certificates.ServingCertificate;

    /// <summary>
    /// Starts the webhooks in-process, as the sandbox and tests do: syncs the certificate Secret and the
    /// configurations' caBundle through <paramref name="manager"/>'s client, keeps them in sync in the background,
    /// waits for the PodNetworking, Namespace and PodENI caches of <paramref name="manager"/> (which must be started,
    /// or be started while this waits), then listens. Disposing stops the listener and the certificate loop.
    /// </summary>
    /// <param name="options">Port, bind address, certificate and mutation settings (Port 0 picks a free port).</param>
    /// <param name="manager">The controller runtime whose client and caches the webhooks use.</param>
    /// <param name="vSwitchLookup">Optional cloud check of PodNetworking vSwitches.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<WebhookServer> StartAsync(WebhookOptions options, KubeManager manager, IVSwitchLookup? vSwitchLookup = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(manager);
        var certificates = new WebhookCertificateManager(manager.Client, options, manager.Time, manager.LoggerFactory.CreateLogger<WebhookCertificateManager>());
        await certificates.SyncOnceAsync(cancellationToken);
        var state = new KubeCacheAdmissionState(manager);
        await WaitForCachesAsync(state, options.CacheSyncTimeout, cancellationToken);

        var loop = new CancellationTokenSource();
        var loopTask = Task.Run(() => certificates.RunAsync(loop.Token, syncFirst: false), CancellationToken.None);
        try
        {
            return await StartListenerAsync(options, state, certificates, vSwitchLookup, manager.LoggerFactory, manager.Metrics.MeterName, loop, loopTask, cancellationToken);
        }
        catch
        {
            await loop.CancelAsync();
            await loopTask;
            loop.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the admission caches, naming the problem when they do not sync.</summary>
    internal static async Task WaitForCachesAsync(IAdmissionState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await state.WaitForSyncAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the webhook caches (PodNetworkings, Namespaces, PodENIs) did not sync within {timeout}; is the KubeManager started and may it list them?");
        }
    }

    /// <summary>Starts the listener over the given state and certificates.</summary>
    internal static async Task<WebhookServer> StartListenerAsync(
        WebhookOptions options,
        IAdmissionState state,
        IServingCertificateSource certificates,
        IVSwitchLookup? vSwitchLookup,
        ILoggerFactory? loggerFactory,
        string meterName,
        CancellationTokenSource? ownedLoop,
        Task? ownedLoopTask,
        CancellationToken cancellationToken)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger<WebhookServer>();
        var handlers = new AdmissionHandlers(options, state, vSwitchLookup);
        var metrics = new WebhookMetrics(meterName);
        var address = ParseBindAddress(options.BindAddress);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);

        // The operator's host owns the process lifetime: this inner server neither listens for signals nor logs
        // "Application started".
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ServerCertificateSelector = (_, _) => certificates.ServingCertificate,
                });
            });
        });

        var app = builder.Build();
        app.MapPost(InstallNames.MutatingPath, (HttpContext ctx) => ServeAsync(ctx, InstallNames.MutatingPath, handlers.MutateAsync, metrics, log));
        app.MapPost(InstallNames.ValidatingPath, (HttpContext ctx) => ServeAsync(ctx, InstallNames.ValidatingPath, handlers.ValidateAsync, metrics, log));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            metrics.Dispose();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? $"https://{options.BindAddress}:{options.Port}";
        var baseAddress = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal));
        LogListening(log, baseAddress);
        return new WebhookServer(app, baseAddress, certificates, metrics, ownedLoop, ownedLoopTask);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _metrics.Dispose();
        if (_ownedLoop is not null)
        {
            await _ownedLoop.CancelAsync();
            await _ownedLoopTask!;
            _ownedLoop.Dispose();
        }
    }

    private static async Task ServeAsync(
        HttpContext ctx,
        string webhook,
        Func<AdmissionRequest, CancellationToken, Task<AdmissionDecision>> handle,
        WebhookMetrics metrics,
        ILogger log)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.InFlight(webhook, +1);
        var code = StatusCodes.Status500InternalServerError;
        try
        {
            code = await ServeCoreAsync(ctx, webhook, handle, log);
        }
        finally
        {
            metrics.InFlight(webhook, -1);
            metrics.Record(webhook, code, Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task<int> ServeCoreAsync(HttpContext ctx, string webhook, Func<AdmissionRequest, CancellationToken, Task<AdmissionDecision>> handle, ILogger log)
    {
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            body = buffer.ToArray();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            return await PlainAsync(ctx, ex.StatusCode, ex.Message);
        }

        var request = AdmissionReview.TryParse(body, out var error);
        if (request is null)
        {
            LogMalformed(log, webhook, error);
            return await PlainAsync(ctx, StatusCodes.Status400BadRequest, error);
        }

        AdmissionDecision decision;
        try
        {
            decision = await handle(request, ctx.RequestAborted);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The API server gave up (its timeout); nobody reads an answer.
            return StatusCodes.Status499ClientClosedRequest;
        }
        catch (Exception ex)
        {
            LogHandlerFailed(log, webhook, request.Kind, request.Namespace, request.Name, request.Uid, ex);
            return await PlainAsync(ctx, StatusCodes.Status500InternalServerError, "internal error while handling the admission request; see the operator's log");
        }

        if (decision.Allowed)
        {
            LogAllowed(log, webhook, request.Operation, request.Kind, request.Namespace, request.Name, decision.Patch.Count, decision.Message);
        }
        else
        {
            LogDenied(log, webhook, request.Operation, request.Kind, request.Namespace, request.Name, decision.Message);
        }

        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(AdmissionReview.Response(request, decision).ToJsonString(), ctx.RequestAborted);
        return StatusCodes.Status200OK;
    }

    private static async Task<int> PlainAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        await ctx.Response.WriteAsync(text + "\n", ctx.RequestAborted);
        return status;
    }

    private static IPAddress ParseBindAddress(string text)
    {
        if (IPAddress.TryParse(text.Trim('[', ']'), out var ip))
        {
            return ip;
        }

        return text == "localhost"
            ? IPAddress.Loopback
            : throw new ArgumentException($"webhook bind address '{text}' is not an IP address", nameof(text));
    }

    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admission webhooks listening on {Address}")]
    private static partial void LogListening(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Malformed AdmissionReview on the {Webhook} webhook: {Error}")]
    private static partial void LogMalformed(ILogger logger, string webhook, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Webhook} webhook failed on {Kind} {Namespace}/{Name} (uid {Uid})")]
    private static partial void LogHandlerFailed(ILogger logger, string webhook, string kind, string? @namespace, string? name, string uid, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Webhook}: {Operation} {Kind} {Namespace}/{Name} allowed with {Operations} patch operation(s): {Message}")]
    private static partial void LogAllowed(ILogger logger, string webhook, string operation, string kind, string? @namespace, string? name, int operations, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Webhook}: {Operation} {Kind} {Namespace}/{Name} denied: {Message}")]
    private static partial void LogDenied(ILogger logger, string webhook, string operation, string kind, string? @namespace, string? name, string message);
}
