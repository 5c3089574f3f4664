using System.Net;
using System.Text;
using System.Web;

namespace Terway.Cloud.Tests.Support;

/// <summary>An in-memory HTTP handler: records requests (with their query parsed) and answers from a script.</summary>
internal sealed class FakeHandler(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
{
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _lock = new();

    public FakeHandler(Func<RecordedRequest, HttpResponseMessage> respond)
        : this((r, _) => Task.FromResult(respond(r)))
    {
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var recorded = new RecordedRequest(request, request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken));
        lock (_lock)
        {
            _requests.Add(recorded);
        }

        return await respond(recorded, cancellationToken);
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Text(string text, string mediaType, HttpStatusCode status) =>
        new(status) { Content = new StringContent(text, Encoding.UTF8, mediaType) };

    public static HttpResponseMessage Error(string code, HttpStatusCode status, string message = "msg", string requestId = "REQ-1") =>
        Json($$"""{"RequestId":"{{requestId}}","HostId":"ecs.aliyuncs.com","Code":"{{code}}","Message":"{{message}}","Recommend":"https://next.api.aliyun.com/troubleshoot?q={{code}}"}""", status);
}

/// <summary>A request as the fake handler saw it.</summary>
internal sealed class RecordedRequest
{
    public RecordedRequest(HttpRequestMessage message, string body)
    {
        Method = message.Method.Method;
        Uri = message.RequestUri!;
        Body = body;
        Headers = message.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value), StringComparer.Ordinal);
        var parsed = HttpUtility.ParseQueryString(Uri.Query);
        Query = parsed.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => parsed[k]!, StringComparer.Ordinal);
        RawQuery = Uri.Query.TrimStart('?');
    }

    public string Method { get; }

    public Uri Uri { get; }

    public string Body { get; }

    public string RawQuery { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    public IReadOnlyDictionary<string, string> Query { get; }

    public string? Action => Headers.TryGetValue("x-acs-action", out var a) ? a : Query.GetValueOrDefault("Action");

    public string? Nonce => Headers.TryGetValue("x-acs-signature-nonce", out var n) ? n : Query.GetValueOrDefault("SignatureNonce");
}
