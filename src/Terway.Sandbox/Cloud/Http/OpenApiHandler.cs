using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.Cloud.Api;
using Terway.Sandbox.Cloud.Signing;

namespace Terway.Sandbox.Cloud.Http;

/// <summary>
/// Turns raw HTTP into calls: checks the endpoint host, path and method, reads query and form
/// parameters, resolves product/version/action, authenticates, dispatches, and writes the JSON or
/// XML answer with the cloud's headers. Also serves the read-only state dump.
/// </summary>
internal sealed partial class OpenApiHandler(
    EndpointHosts hosts,
    RequestAuthenticator authenticator,
    ApiDispatcher dispatcher,
    CallLog callLog,
    TimeProvider time,
    Func<RegionSnapshot> snapshot,
    ILogger logger,
    CancellationToken stopping)
{
    /// <summary>The read-only JSON dump for humans; not on the OpenAPI path.</summary>
    public const string StatePath = "/_simulator/state";

    private const int MaxBodyBytes = 1 << 20;

    private static readonly JsonSerializerOptions DumpOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "/";
        var rawPath = rawTarget.Split('?', 2)[0];
        if (rawPath == StatePath && HttpMethods.IsGet(http.Request.Method))
        {
            http.Response.ContentType = ResponseWriter.JsonContentType;
            await http.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(snapshot(), DumpOptions), http.RequestAborted);
            return;
        }

        CloudProduct? product = null;
        ParsedCall? call = null;
        string? accessKeyId = null;
        var xml = false;
        ApiOutcome outcome;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        try
        {
            var body = await ReadBodyAsync(http);
            var incoming = BuildIncoming(http, rawPath, body);
            if (!hosts.TryResolve(http.Request.Headers.Host.ToString(), out var pinned))
            {
                throw CloudErrors.NotSupportedEndpoint(http.Request.Headers.Host.ToString());
            }

            product = pinned;
            if (rawPath != "/" || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsPost(http.Request.Method)))
            {
                throw CloudErrors.InvalidActionNotFound();
            }

            call = RequestAuthenticator.Parse(incoming);
            var fromVersion = ApiCatalog.ProductOfVersion(call.Version);
            if (fromVersion is null || (pinned is not null && pinned != fromVersion))
            {
                throw CloudErrors.InvalidVersion(call.Version);
            }

            product = fromVersion;
            if (call.Algorithm == SignatureAlgorithm.RpcHmacSha1)
            {
                // ECS answers XML unless asked for JSON; VPC answers JSON by default.
                xml = call.Format is null ? product == CloudProduct.Ecs : call.Format.Equals("XML", StringComparison.OrdinalIgnoreCase);
                if (call.Format is not null && !xml && !call.Format.Equals("JSON", StringComparison.OrdinalIgnoreCase))
                {
                    xml = product == CloudProduct.Ecs;
                    throw CloudErrors.InvalidParameter("Format", "It must be JSON or XML.");
                }
            }

            if (ApiCatalog.Find(product.Value, call.Action) is null)
            {
                throw CloudErrors.InvalidActionNotFound();
            }

            accessKeyId = authenticator.Verify(incoming, call);
            outcome = await dispatcher.DispatchAsync(new ApiRequest(product.Value, call.Action, call.Parameters, requestId), aborted.Token);
        }
        catch (CloudErrorException e)
        {
            outcome = new ApiOutcome(null, e, [], false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away (typically its timeout during a held request) or the simulator is
            // stopping; nothing to answer.
            Record(call, product, 499, "ClientClosedRequest", requestId, accessKeyId);
            http.Abort();
            return;
        }

        Record(call, product, outcome.Status, outcome.Error?.Code, requestId, accessKeyId);
        if (outcome.Error is not null)
        {
            LogRejected(logger, call?.Action ?? "(none)", outcome.Error.Code, outcome.Status, outcome.Error.Message);
        }

        if (outcome.Abort)
        {
            http.Abort();
            return;
        }

        await WriteAsync(http, outcome, requestId, product, call?.Action, xml);
    }

    private async Task WriteAsync(HttpContext http, ApiOutcome outcome, string requestId, CloudProduct? product, string? action, bool xml)
    {
        var requestHost = http.Request.Host.Host;
        var hostId = requestHost.EndsWith(".aliyuncs.com", StringComparison.OrdinalIgnoreCase)
            ? requestHost.ToLowerInvariant()
            : hosts.HostId(product);
        var response = http.Response;
        response.StatusCode = outcome.Status;
        response.Headers["x-acs-request-id"] = requestId;
        foreach (var (name, value) in outcome.Headers)
        {
            response.Headers[name] = value;
        }

        var body = outcome.Error is { } error
            ? ResponseWriter.ErrorBody(error, requestId, hostId, product == CloudProduct.Vpc ? "Vpc" : "Ecs")
            : outcome.Body!;
        byte[] bytes;
        if (xml)
        {
            response.ContentType = ResponseWriter.XmlContentType;
            bytes = ResponseWriter.Xml(outcome.Error is null ? action + "Response" : "Error", body);
        }
        else
        {
            response.ContentType = ResponseWriter.JsonContentType;
            bytes = ResponseWriter.Json(body);
        }

        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    private void Record(ParsedCall? call, CloudProduct? product, int status, string? code, string requestId, string? accessKeyId)
    {
        string? token = null;
        call?.Parameters.TryGetValue("ClientToken", out token);
        callLog.Record(new ApiCallRecord(
            time.GetUtcNow(),
            product?.ToString().ToUpperInvariant() ?? "?",
            call?.Action ?? "(none)",
            status,
            code,
            requestId,
            accessKeyId,
            call?.Algorithm switch
            {
                SignatureAlgorithm.RpcHmacSha1 => "HMAC-SHA1",
                SignatureAlgorithm.Acs3HmacSha256 => AcsV3Signature.Algorithm,
                _ => "?",
            },
            token));
    }

    private static IncomingRequest BuildIncoming(HttpContext http, string rawPath, byte[] body)
    {
        var request = http.Request;
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.Select(v => v ?? string.Empty).ToList();
        }

        var isForm = request.ContentType is { } ct
            && ct.Split(';')[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        return new IncomingRequest
        {
            Method = request.Method,
            Path = rawPath,
            Query = PercentEncoding.ParsePairs(request.QueryString.Value ?? string.Empty),
            Form = isForm ? PercentEncoding.ParsePairs(System.Text.Encoding.UTF8.GetString(body)) : [],
            Headers = headers,
            BodySha256 = AcsV3Signature.HexSha256(body),
        };
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw CloudErrors.InvalidParameter("Body", "The request body exceeds 1 MiB.");
            }
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Action} rejected: {Code} ({Status}) {Message}")]
    private static partial void LogRejected(ILogger logger, string action, string code, int status, string message);
}
