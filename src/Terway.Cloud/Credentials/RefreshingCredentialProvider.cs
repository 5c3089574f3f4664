using Microsoft.Extensions.Logging;

namespace Terway.Cloud.Credentials;

/// <summary>
/// Caches a credential and fetches a new one, single-flight, when it comes within
/// <see cref="RefreshMargin"/> of expiry. If a refresh fails while the cached credential
/// has not yet expired, the cached one keeps being served and the next call tries again.
/// </summary>
internal abstract partial class RefreshingCredentialProvider : ICloudCredentialProvider, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile CloudCredential? _current;
    private DateTimeOffset _nextForcedRefresh = DateTimeOffset.MaxValue;

    protected RefreshingCredentialProvider(TimeProvider time, ILogger logger, TimeSpan refreshMargin, TimeSpan? maxAge = null)
    {
        _time = time;
        _logger = logger;
        RefreshMargin = refreshMargin;
        MaxAge = maxAge;
    }

    public abstract string Name { get; }

    /// <summary>How long before expiry a credential is refreshed.</summary>
    public TimeSpan RefreshMargin { get; }

    /// <summary>For credentials without expiry (e.g. a mounted file): re-read after this long.</summary>
    public TimeSpan? MaxAge { get; }

    protected TimeProvider Time => _time;

    public async ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        var cached = _current;
        if (cached is not null && IsFresh(cached))
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            cached = _current;
            if (cached is not null && IsFresh(cached))
            {
                return cached;
            }

            try
            {
                var fresh = await FetchAsync(cancellationToken).ConfigureAwait(false);
                _current = fresh;
                var now = _time.GetUtcNow();
                _nextForcedRefresh = MaxAge is { } age ? now + age : DateTimeOffset.MaxValue;
                Log.Refreshed(_logger, Name, fresh.AccessKeyId, fresh.Expiration);
                return fresh;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && cached is not null && !IsExpired(cached))
            {
                // Serving the still-valid credential keeps the client working through a short STS/IMDS outage.
                Log.RefreshFailedUsingCached(_logger, Name, ex.GetType().Name, ex.Message, cached.Expiration);
                return cached;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate(CloudCredential credential)
    {
        if (ReferenceEquals(_current, credential))
        {
            _current = null;
            Log.Invalidated(_logger, Name, credential.AccessKeyId);
        }
    }

    /// <summary>Fetches a new credential from the source.</summary>
    protected abstract Task<CloudCredential> FetchAsync(CancellationToken cancellationToken);

    private bool IsFresh(CloudCredential credential)
    {
        var now = _time.GetUtcNow();
        return !credential.IsStale(now, RefreshMargin) && now < _nextForcedRefresh;
    }

    private bool IsExpired(CloudCredential credential) => credential.IsStale(_time.GetUtcNow(), TimeSpan.Zero);

    public void Dispose()
    {
        _gate.Dispose();
        GC.SuppressFinalize(this);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Credential from {Provider} refreshed: AccessKeyId {AccessKeyId}, expires {Expiration}")]
        public static partial void Refreshed(ILogger logger, string provider, string accessKeyId, DateTimeOffset? expiration);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Credential refresh from {Provider} failed ({ErrorType}: {Error}); serving the cached credential until {Expiration}")]
        public static partial void RefreshFailedUsingCached(ILogger logger, string provider, string errorType, string error, DateTimeOffset? expiration);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Credential from {Provider} (AccessKeyId {AccessKeyId}) rejected by the server; it will be fetched again")]
        public static partial void Invalidated(ILogger logger, string provider, string accessKeyId);
    }
}
