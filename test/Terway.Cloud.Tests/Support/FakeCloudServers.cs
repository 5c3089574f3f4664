using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Terway.Cloud.Tests.Support;

/// <summary>A fake IMDS on loopback: IMDSv2 token endpoint plus a table of metadata items; counts requests.</summary>
internal sealed class FakeImds : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private int _tokenGeneration;

    private FakeImds(LoopbackServer server) => _server = server;

    public ConcurrentDictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Log { get; } = new();

    public Uri Address => _server.Address;

    public string CurrentToken => "imds-token-" + _tokenGeneration;

    /// <summary>When set, the next GET answers 401 once (as if the token expired server-side).</summary>
    public bool RejectNextToken { get; set; }

    public int TokenRequests;

    public static async Task<FakeImds> StartAsync()
    {
        FakeImds? self = null;
        var server = await LoopbackServer.StartAsync(ctx => self!.Handle(ctx));
        self = new FakeImds(server);
        return self;
    }

    private async Task Handle(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? string.Empty;
        Log.Enqueue(ctx.Request.Method + " " + path);
        if (ctx.Request.Method == "PUT" && path == "/latest/api/token")
        {
            if (!int.TryParse(ctx.Request.Headers["X-aliyun-ecs-metadata-token-ttl-seconds"], out var ttl) || ttl is < 1 or > 21600 || ctx.Request.Headers.ContainsKey("X-Forwarded-For"))
            {
                ctx.Response.StatusCode = 400;
                return;
            }

            Interlocked.Increment(ref TokenRequests);
            Interlocked.Increment(ref _tokenGeneration);
            await ctx.Response.WriteAsync(CurrentToken);
            return;
        }

        if (ctx.Request.Method != "GET" || !path.StartsWith("/latest/meta-data/", StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        if (ctx.Request.Headers["X-aliyun-ecs-metadata-token"] != CurrentToken || RejectNextToken)
        {
            RejectNextToken = false;
            ctx.Response.StatusCode = 401;
            return;
        }

        if (!Items.TryGetValue(path["/latest/meta-data/".Length..], out var value))
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        await ctx.Response.WriteAsync(value);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>A fake STS on loopback answering AssumeRoleWithOIDC; records the decoded form of each call.</summary>
internal sealed class FakeSts : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private int _issued;

    private FakeSts(LoopbackServer server) => _server = server;

    public ConcurrentQueue<(IQueryCollection Query, IFormCollection Form, IHeaderDictionary Headers)> Calls { get; } = new();

    public Uri Address => _server.Address;

    public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public string? FailWithCode { get; set; }

    public int Issued => _issued;

    public static async Task<FakeSts> StartAsync()
    {
        FakeSts? self = null;
        var server = await LoopbackServer.StartAsync(ctx => self!.Handle(ctx));
        self = new FakeSts(server);
        return self;
    }

    private async Task Handle(HttpContext ctx)
    {
        var form = await ctx.Request.ReadFormAsync();
        Calls.Enqueue((ctx.Request.Query, form, ctx.Request.Headers));
        if (FailWithCode is { } code)
        {
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new { RequestId = "STS-REQ", Code = code, Message = "token " + form["OIDCToken"] + " rejected" }));
            return;
        }

        var n = Interlocked.Increment(ref _issued);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            RequestId = "STS-REQ",
            AssumedRoleUser = new { Arn = "acs:ram::1:role/terway", AssumedRoleId = "1:terway" },
            Credentials = new
            {
                AccessKeyId = "STS.key" + n,
                AccessKeySecret = "sts-secret-" + n,
                SecurityToken = "sts-token-" + n,
                Expiration = (Now() + Lifetime).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            },
        }));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
