using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Cloud.Json;
using Terway.Cloud.Signing;
using Terway.Cloud.Transport;

namespace Terway.Cloud.Credentials;

/// <summary>
/// RRSA: exchanges the projected OIDC token for STS credentials with <c>AssumeRoleWithOIDC</c> (STS 2015-04-01).
/// The request is anonymous (no AccessKey, no signature): query <c>Action/Version/Format/Timestamp</c>, form body
/// <c>RoleArn</c>, <c>OIDCProviderArn</c>, <c>OIDCToken</c>, <c>RoleSessionName</c>, <c>DurationSeconds</c>.
/// The token file is re-read on every refresh because the kubelet rotates it.
/// </summary>
internal sealed class OidcRoleCredentialProvider : RefreshingCredentialProvider
{
    private readonly HttpClient _http;
    private readonly Uri _stsEndpoint;
    private readonly string _roleArn;
    private readonly string _providerArn;
    private readonly string _tokenFile;
    private readonly string _sessionName;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _requestTimeout;

    public OidcRoleCredentialProvider(
        HttpMessageHandler handler,
        Uri stsEndpoint,
        string roleArn,
        string providerArn,
        string tokenFile,
        string sessionName,
        TimeSpan duration,
        TimeSpan requestTimeout,
        TimeProvider time,
        ILogger logger,
        TimeSpan refreshMargin)
        : base(time, logger, refreshMargin)
    {
        _http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _stsEndpoint = stsEndpoint;
        _roleArn = roleArn;
        _providerArn = providerArn;
        _tokenFile = tokenFile;
        _sessionName = sessionName;
        _duration = duration < TimeSpan.FromSeconds(900) ? TimeSpan.FromSeconds(900) : duration;
        _requestTimeout = requestTimeout;
    }

    public override string Name => "rrsa";

    public Uri StsEndpoint => _stsEndpoint;

    protected override async Task<CloudCredential> FetchAsync(CancellationToken cancellationToken)
    {
        string oidcToken;
        try
        {
            oidcToken = (await File.ReadAllTextAsync(_tokenFile, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CloudCredentialException(Name, $"cannot read OIDC token file '{_tokenFile}': {ex.GetType().Name}", ex);
        }

        if (oidcToken.Length == 0)
        {
            throw new CloudCredentialException(Name, $"OIDC token file '{_tokenFile}' is empty");
        }

        var query = QueryParameters.Canonicalize(
        [
            new("Action", "AssumeRoleWithOIDC"),
            new("Version", "2015-04-01"),
            new("Format", "JSON"),
            new("Timestamp", RequestSigner.FormatTimestamp(Time.GetUtcNow())),
        ]);
        var form = RequestSigner.FormBody(
        [
            new("RoleArn", _roleArn),
            new("OIDCProviderArn", _providerArn),
            new("OIDCToken", oidcToken),
            new("RoleSessionName", _sessionName),
            new("DurationSeconds", ((int)_duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)),
        ]);

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_stsEndpoint, "/?" + query))
        {
            Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        using var timeout = new CancellationTokenSource(_requestTimeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        int status;
        byte[] body;
        try
        {
            using var response = await _http.SendAsync(request, linked.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CloudCredentialException(Name, $"STS at {_stsEndpoint.Authority} did not answer in time", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new CloudCredentialException(Name, $"STS at {_stsEndpoint.Authority} unreachable: {ex.HttpRequestError}", ex);
        }

        if (status is < 200 or >= 300)
        {
            var error = ErrorResponseParser.Parse(body);
            var message = SecretScrubber.ScrubValue(error.Message ?? $"HTTP {status}", oidcToken);
            var inner = new CloudApiException("AssumeRoleWithOIDC", ErrorClassifier.Classify(error.Code, status), error.Code ?? ClientErrorCodes.HttpError, message, status, error.RequestId, error.HostId, error.Recommend);
            throw new CloudCredentialException(Name, $"AssumeRoleWithOIDC failed: {inner.Code} (HTTP {status}, RequestId {error.RequestId}): {message}", inner);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.Prop("Credentials") is not { ValueKind: JsonValueKind.Object } c)
            {
                throw new CloudCredentialException(Name, "AssumeRoleWithOIDC response has no Credentials");
            }

            return new CloudCredential(c.RequireStr("AccessKeyId"), c.RequireStr("AccessKeySecret"), c.RequireStr("SecurityToken"), c.Time("Expiration") ?? throw new Json.MissingFieldException("Expiration"), Name);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            // Never pass the parser's message on: it may quote the body, which carries the new secret.
            throw new CloudCredentialException(Name, $"AssumeRoleWithOIDC response is unreadable ({ex.GetType().Name})");
        }
    }
}
