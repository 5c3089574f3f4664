using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;

namespace Terway.Cloud.Metadata;

/// <summary>
/// IMDSv2 client: <c>PUT /latest/api/token</c> (TTL 21600 s, cached for half of it), then GETs with the token header.
/// A 401 drops the token and retries once; 404 is "absent"; 429/5xx/network errors are retried a few times.
/// The token is never logged.
/// </summary>
internal sealed partial class InstanceMetadataClient : IInstanceMetadataClient, IDisposable
{
    private const int TokenTtlSeconds = 21600;
    private const int MaxAttempts = 4;
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private string? _token;
    private DateTimeOffset _tokenRenewAt;

    public InstanceMetadataClient(HttpMessageHandler handler, bool disposeHandler, Uri baseUri, TimeProvider time, TimeSpan timeout, ILogger logger)
    {
        _http = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        _base = baseUri;
        _time = time;
        _timeout = timeout;
        _logger = logger;
    }

    public async Task<string> GetValueAsync(string path, CancellationToken cancellationToken = default)
    {
        var text = await GetAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new CloudApiException("Metadata", CloudErrorKind.NotFound, "Metadata.NotFound", $"metadata item '{path}' does not exist", 404);
        var firstLine = text.Split('\n', 2)[0].Trim().Trim('/');
        return firstLine;
    }

    public async Task<string?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_base, "/latest/meta-data/" + path.TrimStart('/'));
        var tokenRetried = false;
        for (var attempt = 1; ; attempt++)
        {
            var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
            int status;
            string body;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.TryAddWithoutValidation("X-aliyun-ecs-metadata-token", token);
                (status, body) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudApiException ex) when (ex.IsRetryable && attempt < MaxAttempts)
            {
                await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            switch (status)
            {
                case >= 200 and < 300:
                    return body;
                case 404:
                    return null;
                case 401 when !tokenRetried:
                    tokenRetried = true;
                    DropToken(token);
                    continue;
                case 429 or >= 500 when attempt < MaxAttempts:
                    Log.MetadataRetry(_logger, path, status);
                    await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    throw new CloudApiException("Metadata", ErrorClassifier.Classify(null, status), "Metadata.HttpError", $"metadata item '{path}' answered HTTP {status}", status);
            }
        }
    }

    private async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is not null && _time.GetUtcNow() < _tokenRenewAt)
        {
            return token;
        }

        await _tokenGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is not null && _time.GetUtcNow() < _tokenRenewAt)
            {
                return _token;
            }

            for (var attempt = 1; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_base, "/latest/api/token"));
                request.Headers.TryAddWithoutValidation("X-aliyun-ecs-metadata-token-ttl-seconds", TokenTtlSeconds.ToString(CultureInfo.InvariantCulture));
                int status;
                string body;
                try
                {
                    (status, body) = await SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudApiException ex) when (ex.IsRetryable && attempt < MaxAttempts)
                {
                    await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (status is >= 200 and < 300 && !string.IsNullOrWhiteSpace(body))
                {
                    _token = body.Trim();
                    _tokenRenewAt = _time.GetUtcNow().AddSeconds(TokenTtlSeconds / 2.0);
                    return _token;
                }

                if ((status is 429 or >= 500) && attempt < MaxAttempts)
                {
                    await DelayAsync(attempt, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw new CloudApiException("Metadata", ErrorClassifier.Classify(null, status == 200 ? 500 : status), "Metadata.TokenFailed", $"IMDSv2 token request answered HTTP {status}", status);
            }
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    private void DropToken(string token)
    {
        if (string.Equals(_token, token, StringComparison.Ordinal))
        {
            _token = null;
        }
    }

    private async Task<(int Status, string Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, body);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CloudApiException("Metadata", CloudErrorKind.Timeout, ClientErrorCodes.Timeout, $"metadata service did not answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", innerException: ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new CloudApiException("Metadata", CloudErrorKind.Network, ClientErrorCodes.Network, $"metadata service unreachable at {_base.Authority}", innerException: ex);
        }
    }

    private Task DelayAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(500 * Math.Pow(1.2, attempt - 1)), _time, cancellationToken);

    public void Dispose()
    {
        _http.Dispose();
        _tokenGate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Metadata item {Path} answered HTTP {Status}; retrying")]
        public static partial void MetadataRetry(ILogger logger, string path, int status);
    }
}
