using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.RateLimiting;
using Polly.Retry;
using Polly.Timeout;
using Terway.Cloud.Credentials;
using Terway.Cloud.Errors;
using Terway.Cloud.Json;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Telemetry;

namespace Terway.Cloud.Transport;

/// <summary>
/// Runs one OpenAPI call: per-API pipeline (call timeout → retry → token bucket → attempt timeout),
/// signing with a fresh nonce and timestamp per attempt, the HTTP exchange, error mapping and parsing.
/// </summary>
internal sealed partial class OpenApiInvoker : IDisposable
{
    private readonly AlibabaCloudOptions _options;
    private readonly ICloudCredentialProvider _credentials;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CloudTelemetry _telemetry;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ApiRateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Uri> _endpoints = [];

    public OpenApiInvoker(
        AlibabaCloudOptions options,
        ICloudCredentialProvider credentials,
        HttpMessageHandler handler,
        bool disposeHandler,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        CloudTelemetry telemetry)
    {
        _options = options;
        _credentials = credentials;
        _time = time;
        _telemetry = telemetry;
        _logger = loggerFactory.CreateLogger("Terway.Cloud.OpenApi");
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", "application/json");
        _endpoints[CloudProduct.Ecs.Code] = EndpointResolver.Resolve(CloudProduct.Ecs, options);
        _endpoints[CloudProduct.Vpc.Code] = EndpointResolver.Resolve(CloudProduct.Vpc, options);
    }

    public string RegionId => _options.RegionId;

    public Uri EndpointOf(CloudProduct product) => _endpoints[product.Code];

    internal ApiRateLimiter LimiterOf(string api) =>
        _limiters.GetOrAdd(api, a => ApiRateLimiter.Create(_options.RateLimitMode, ApiRateLimits.Resolve(a, _options.RateLimitsPerMinute, _options.DefaultRateLimitPerMinute), _time));

    public async Task<T> InvokeAsync<T>(OpenApiRequest request, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        var api = request.Action;
        var pipeline = _pipelines.GetOrAdd(api, BuildPipeline);
        using var activity = CloudTelemetry.Source.StartActivity(api, ActivityKind.Client);
        activity?.SetTag("cloud.api", api);
        activity?.SetTag("cloud.region", _options.RegionId);
        activity?.SetTag("cloud.product", request.Product.Code);

        var state = new CallState<T>(this, request, parse, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(api, cancellationToken);
        try
        {
            var result = await pipeline.ExecuteAsync(
                static (ctx, s) => s.Invoker.AttemptAsync(s, ctx.CancellationToken),
                context,
                state).ConfigureAwait(false);
            activity?.SetTag("cloud.request_id", state.LastRequestId);
            activity?.SetTag("cloud.attempt", state.Attempt);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var typed = ex switch
            {
                CloudApiException c => c,
                TimeoutRejectedException t => new CloudApiException(api, CloudErrorKind.Timeout, ClientErrorCodes.Timeout, $"no answer within {t.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s after {state.Attempt} attempt(s)", innerException: t),
                RateLimiterRejectedException r => new CloudApiException(api, CloudErrorKind.Throttled, "Client.RateLimited", "client-side rate limiter rejected the call", innerException: r),
                _ => throw ex.Rethrow(),
            };
            activity?.SetTag("cloud.request_id", typed.RequestId ?? state.LastRequestId);
            activity?.SetTag("cloud.attempt", state.Attempt);
            activity?.SetTag("cloud.error_code", typed.Code);
            activity?.SetStatus(ActivityStatusCode.Error, typed.Code);
            Log.CallFailed(_logger, api, state.Attempt, typed.Code, typed.Kind, typed.HttpStatus, typed.RequestId, typed.ServerMessage);
            if (ReferenceEquals(typed, ex))
            {
                throw;
            }

            throw typed;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private ResiliencePipeline BuildPipeline(string api)
    {
        var limiter = LimiterOf(api);
        var retry = _options.Retry;
        var builder = new ResiliencePipelineBuilder { Name = "Terway.Cloud." + api, TimeProvider = _time };
        builder.AddTimeout(_options.CallTimeout);
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = retry.UseJitter,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception, retry)),
                DelayGenerator = args =>
                {
                    // The server's TimeLeft hint beats our own guess; capped so a bogus hint cannot stall the call.
                    TimeSpan? delay = args.Outcome.Exception is CloudApiException { RetryAfter: { } hint }
                        ? (hint < retry.MaxDelay ? hint : retry.MaxDelay)
                        : null;
                    return ValueTask.FromResult(delay);
                },
                OnRetry = args =>
                {
                    var code = args.Outcome.Exception switch
                    {
                        CloudApiException c => c.Code,
                        TimeoutRejectedException => ClientErrorCodes.Timeout,
                        _ => "Unknown",
                    };
                    _telemetry.RecordRetry(api, code);
                    Log.Retrying(_logger, api, args.AttemptNumber + 1, code, args.RetryDelay.TotalMilliseconds);
                    return default;
                },
            });
        }

        builder.AddRateLimiter(new RateLimiterStrategyOptions
        {
            RateLimiter = async args =>
            {
                var start = _time.GetTimestamp();
                var lease = await limiter.AcquireAsync(1, args.Context.CancellationToken).ConfigureAwait(false);
                var waited = _time.GetElapsedTime(start);
                _telemetry.RecordLimiterLatency(api, waited);
                if (waited > TimeSpan.FromSeconds(5))
                {
                    Log.RateLimitWait(_logger, api, waited.TotalMilliseconds);
                }

                return lease;
            },
        });
        builder.AddTimeout(_options.AttemptTimeout);
        return builder.Build();
    }

    private static bool ShouldRetry(Exception? ex, CloudRetryOptions retry) => ex switch
    {
        CloudApiException { Kind: CloudErrorKind.Conflict } => retry.RetryConflicts,
        CloudApiException c => c.IsRetryable,
        TimeoutRejectedException => true,
        _ => false,
    };

    private async ValueTask<T> AttemptAsync<T>(CallState<T> state, CancellationToken cancellationToken)
    {
        state.Attempt++;
        for (var refreshed = false; ; refreshed = true)
        {
            CloudCredential credential;
            try
            {
                credential = await _credentials.GetCredentialAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CloudCredentialException ex)
            {
                throw new CloudApiException(state.Request.Action, CloudErrorKind.Auth, ClientErrorCodes.CredentialsUnavailable, ex.Message, innerException: ex);
            }

            try
            {
                return await SendOnceAsync(state, credential, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudApiException ex) when (!refreshed && IsStaleCredential(ex, credential))
            {
                // An STS token that expired early (or was revoked) is replaced once, then the call is repeated.
                _credentials.Invalidate(credential);
            }
        }
    }

    private static bool IsStaleCredential(CloudApiException ex, CloudCredential credential) =>
        ex.Kind == CloudErrorKind.Auth && credential.SecurityToken is not null
        && (ex.Code.StartsWith("InvalidSecurityToken", StringComparison.Ordinal) || ex.Code == "InvalidAccessKeyId.NotFound");

    private async Task<T> SendOnceAsync<T>(CallState<T> state, CloudCredential credential, CancellationToken cancellationToken)
    {
        var request = state.Request;
        var api = request.Action;
        var endpoint = _endpoints[request.Product.Code];
        var started = _time.GetTimestamp();
        var errorCode = string.Empty;
        Log.Sending(_logger, api, state.Attempt, endpoint.Authority);
        try
        {
            using var message = RequestSigner.Build(_options.SignatureAlgorithm, endpoint, api, request.Product.Version, request.Parameters, credential, _time.GetUtcNow(), RequestSigner.NewNonce());
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new CloudApiException(api, CloudErrorKind.Network, ClientErrorCodes.Network, $"no response from {endpoint.Authority}: {ex.HttpRequestError}", innerException: ex);
            }

            using (response)
            {
                var body = await ReadBodyAsync(response, api, cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is < 200 or >= 300)
                {
                    throw BuildError(api, response, body, credential);
                }

                var result = ParseSuccess(api, status, body, state.Parse, out var requestId);
                state.LastRequestId = requestId;
                return result;
            }
        }
        catch (CloudApiException ex)
        {
            errorCode = ex.Code;
            Log.AttemptFailed(_logger, api, state.Attempt, ex.Code, ex.Kind, ex.HttpStatus, ex.RequestId, ex.ServerMessage);
            throw;
        }
        catch (OperationCanceledException)
        {
            errorCode = state.CallerToken.IsCancellationRequested ? "Client.Canceled" : ClientErrorCodes.Timeout;
            throw;
        }
        finally
        {
            _telemetry.RecordLatency(api, errorCode, _time.GetElapsedTime(started));
        }
    }

    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpResponseMessage response, string api, CancellationToken cancellationToken)
    {
        var max = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength is { } declared && declared > max)
        {
            throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, $"response of {declared} bytes exceeds the {max}-byte limit", (int)response.StatusCode);
        }

        try
        {
            using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[response.Content.Headers.ContentLength is { } n and > 0 ? (int)n + 1 : 4096];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= max + 1)
                    {
                        throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, $"response exceeds the {max}-byte limit", (int)response.StatusCode);
                    }

                    Array.Resize(ref buffer, (int)Math.Min((long)max + 1, (long)buffer.Length * 2));
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length > max)
            {
                throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, $"response exceeds the {max}-byte limit", (int)response.StatusCode);
            }

            return buffer.AsMemory(0, length);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The connection dropped mid-body: nothing usable arrived, and the call may or may not have happened.
            throw new CloudApiException(api, CloudErrorKind.Network, ClientErrorCodes.Network, $"response body cut off: {ex.Message}", (int)response.StatusCode, innerException: ex);
        }
    }

    private CloudApiException BuildError(string api, HttpResponseMessage response, ReadOnlyMemory<byte> body, CloudCredential credential)
    {
        var status = (int)response.StatusCode;
        var parsed = ErrorResponseParser.Parse(body.Span);
        var retryAfter = ErrorResponseParser.RetryAfter(Header(response, "x-ratelimit-user-api"), Header(response, "x-ratelimit-user"));
        var code = string.IsNullOrEmpty(parsed.Code) ? ClientErrorCodes.HttpError : parsed.Code;
        var kind = ErrorClassifier.Classify(parsed.Code, status);
        var message = parsed.Message ?? $"HTTP {status} {response.ReasonPhrase}: {ErrorResponseParser.Snippet(body.Span)}";
        message = SecretScrubber.Scrub(message, credential);
        if (kind == CloudErrorKind.ClockSkew)
        {
            var serverDate = response.Headers.Date;
            message += $" (local clock {RequestSigner.FormatTimestamp(_time.GetUtcNow())}, server clock {(serverDate is { } d ? RequestSigner.FormatTimestamp(d) : "unknown")})";
        }

        if (retryAfter is null && status == (int)HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } delta)
        {
            retryAfter = delta;
        }

        return new CloudApiException(api, kind, code, message, status, parsed.RequestId, parsed.HostId, parsed.Recommend, retryAfter);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : null;

    private static T ParseSuccess<T>(string api, int status, ReadOnlyMemory<byte> body, Func<JsonElement, T> parse, out string? requestId)
    {
        requestId = null;
        if (body.Span.Trim(" \r\n\t"u8).IsEmpty)
        {
            throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, "empty response body", status);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"top-level JSON is {root.ValueKind}, expected an object");
            }

            requestId = root.Str("RequestId");
            return parse(root);
        }
        catch (Json.MissingFieldException ex)
        {
            throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MissingField, ex.Message, status, requestId, innerException: ex);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new CloudApiException(api, CloudErrorKind.MalformedResponse, ClientErrorCodes.MalformedResponse, $"unreadable response ({ex.GetType().Name}: {ex.Message}); body starts: {ErrorResponseParser.Snippet(body.Span)}", status, requestId, innerException: ex);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }

    private sealed class CallState<T>(OpenApiInvoker invoker, OpenApiRequest request, Func<JsonElement, T> parse, CancellationToken callerToken)
    {
        public OpenApiInvoker Invoker { get; } = invoker;

        public OpenApiRequest Request { get; } = request;

        public Func<JsonElement, T> Parse { get; } = parse;

        public CancellationToken CallerToken { get; } = callerToken;

        public int Attempt { get; set; }

        public string? LastRequestId { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "OpenAPI {Api} attempt {Attempt} to {Endpoint}")]
        public static partial void Sending(ILogger logger, string api, int attempt, string endpoint);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "OpenAPI {Api} attempt {Attempt} failed: {Code} ({Kind}, HTTP {Status}, RequestId {RequestId}): {Message}")]
        public static partial void AttemptFailed(ILogger logger, string api, int attempt, string code, CloudErrorKind kind, int status, string? requestId, string message);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "OpenAPI {Api} retry {Attempt} after {Code} in {DelayMs} ms")]
        public static partial void Retrying(ILogger logger, string api, int attempt, string code, double delayMs);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "OpenAPI {Api} failed after {Attempts} attempt(s): {Code} ({Kind}, HTTP {Status}, RequestId {RequestId}): {Message}")]
        public static partial void CallFailed(ILogger logger, string api, int attempts, string code, CloudErrorKind kind, int status, string? requestId, string message);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "OpenAPI {Api} waited {WaitMs} ms for the client-side rate limiter")]
        public static partial void RateLimitWait(ILogger logger, string api, double waitMs);
    }
}

/// <summary>Rethrow helper that keeps the original stack trace.</summary>
internal static class ExceptionExtensions
{
    public static Exception Rethrow(this Exception ex)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex).Throw();
        return ex;
    }
}
