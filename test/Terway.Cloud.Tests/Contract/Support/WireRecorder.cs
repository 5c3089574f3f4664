using System.Web;

namespace Terway.Cloud.Tests.Contract.Support;

/// <summary>
/// Sits between the client and the real socket handler and writes down every HTTP exchange the
/// client made: what it sent (action, nonce, ClientToken) and what came back (status, request ID,
/// rate-limit header), with timestamps. The contract tests compare this client-side log with the
/// simulator's call log.
/// </summary>
internal sealed class WireRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly Lock _lock = new();
    private readonly List<WireExchange> _exchanges = [];
    private int _inFlight;

    /// <summary>Requests sent whose answer (or failure) has not come back yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyList<WireExchange> Exchanges
    {
        get
        {
            lock (_lock)
            {
                return _exchanges.ToList();
            }
        }
    }

    public IReadOnlyList<WireExchange> Of(string action) => Exchanges.Where(e => e.Action == action).ToList();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = HttpUtility.ParseQueryString(request.RequestUri!.Query);
        var action = Header(request, "x-acs-action") ?? query["Action"] ?? "?";
        var nonce = Header(request, "x-acs-signature-nonce") ?? query["SignatureNonce"] ?? "?";
        var token = query["ClientToken"];
        var sent = DateTimeOffset.UtcNow;
        Interlocked.Increment(ref _inFlight);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            Add(new WireExchange(action, nonce, token, sent, DateTimeOffset.UtcNow, (int)response.StatusCode,
                Header(response, "x-acs-request-id"), Header(response, "x-ratelimit-user-api")));
            return response;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            // No answer (attempt timeout or dropped connection): recorded with status 0, then passed on.
            Add(new WireExchange(action, nonce, token, sent, DateTimeOffset.UtcNow, 0, null, null));
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Add(WireExchange exchange)
    {
        lock (_lock)
        {
            _exchanges.Add(exchange);
        }
    }

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? values.First() : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;
}

/// <summary>One HTTP attempt as the client saw it; <see cref="Status"/> is 0 when no answer arrived.</summary>
internal sealed record WireExchange(
    string Action,
    string Nonce,
    string? ClientToken,
    DateTimeOffset SentAt,
    DateTimeOffset EndedAt,
    int Status,
    string? RequestId,
    string? RateLimitHeader)
{
    /// <summary>The <c>TimeLeft</c> of the <c>x-ratelimit-user-api</c> header, if any.</summary>
    public TimeSpan? TimeLeft
    {
        get
        {
            if (RateLimitHeader is null)
            {
                return null;
            }

            foreach (var pair in RateLimitHeader.Split(','))
            {
                var kv = pair.Split(':', 2);
                if (kv.Length == 2 && kv[0].Trim() == "TimeLeft" && long.TryParse(kv[1], out var ms))
                {
                    return TimeSpan.FromMilliseconds(ms);
                }
            }

            return null;
        }
    }
}
