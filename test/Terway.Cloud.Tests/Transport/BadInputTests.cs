using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Transport;

/// <summary>Bad responses and failed exchanges become typed errors, never crashes or hangs.</summary>
[TestFixture]
public sealed class BadInputTests
{
    private static readonly DescribeNetworkInterfacesRequest Describe = new() { VpcId = "vpc-1" };

    private static async Task<CloudApiException> FailDescribe(HttpMessageHandler handler, Action<AlibabaCloudOptions>? configure = null)
    {
        using var client = Harness.Client(handler, o =>
        {
            o.Retry.MaxRetries = 0;
            configure?.Invoke(o);
        });
        return (await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.DescribeNetworkInterfacesAsync(Describe)))!;
    }

    [Test]
    public async Task Call_HtmlErrorPage502_IsTransientWithSnippet()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Text("<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", HttpStatusCode.BadGateway)));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Transient));
        Assert.That(ex.Code, Is.EqualTo(ClientErrorCodes.HttpError));
        Assert.That(ex.HttpStatus, Is.EqualTo(502));
        Assert.That(ex.Message, Does.Contain("502 Bad Gateway"));
    }

    [Test]
    public async Task Call_HtmlBodyWith200_IsMalformedResponse()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Text("<html>login portal</html>", "text/html", HttpStatusCode.OK)));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
        Assert.That(ex.HttpStatus, Is.EqualTo(200));
    }

    [Test]
    public async Task Call_XmlErrorBody_ReadsCodeAndClassifies()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Text("<?xml version=\"1.0\"?><Error><RequestId>R9</RequestId><Code>InvalidVSwitchId.IpNotEnough</Code><Message>no ip</Message></Error>", "text/xml", HttpStatusCode.Forbidden)));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Quota));
        Assert.That(ex.Code, Is.EqualTo("InvalidVSwitchId.IpNotEnough"));
        Assert.That(ex.RequestId, Is.EqualTo("R9"));
    }

    [Test]
    public async Task Call_JsonError_CarriesEveryServerField()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Error("InvalidEniId.NotFound", HttpStatusCode.NotFound, "The specified eni does not exist.", "REQ-42")));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Api, Is.EqualTo("DescribeNetworkInterfaces"));
            Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.NotFound));
            Assert.That(ex.IsNotFound, Is.True);
            Assert.That(ex.Code, Is.EqualTo("InvalidEniId.NotFound"));
            Assert.That(ex.ServerMessage, Is.EqualTo("The specified eni does not exist."));
            Assert.That(ex.RequestId, Is.EqualTo("REQ-42"));
            Assert.That(ex.HostId, Is.EqualTo("ecs.aliyuncs.com"));
            Assert.That(ex.Recommend, Does.StartWith("https://next.api.aliyun.com/troubleshoot"));
            Assert.That(ex.HttpStatus, Is.EqualTo(404));
        });
    }

    [Test]
    public async Task Call_TruncatedJsonSuccessBody_IsMalformedResponse()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceSets":{"NetworkInterfaceSet":[{"NetworkInterfaceId":"eni-1","Sta""")));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
        Assert.That(ex.Code, Is.EqualTo(ClientErrorCodes.MalformedResponse));
    }

    [Test]
    public async Task Call_TruncatedJsonErrorBody_ClassifiedByStatus()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","Code":"Thrott""", HttpStatusCode.ServiceUnavailable)));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Transient));
        Assert.That(ex.HttpStatus, Is.EqualTo(503));
    }

    [Test]
    public async Task Call_ConnectionClosedMidBody_IsNetworkError()
    {
        await using var server = await LoopbackServer.StartAsync(async ctx =>
        {
            ctx.Response.ContentLength = 1000;
            await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("{\"RequestId\":\"R\","));
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
        });
        using var handler = new SocketsHttpHandler();

        var ex = await FailDescribe(handler, o => o.EcsEndpoint = server.Address);

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Network));
    }

    [Test]
    public async Task Call_MissingRequiredField_IsMalformedWithMissingFieldCode()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceSets":{"NetworkInterfaceSet":[{"Status":"InUse"}]}}""")));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
        Assert.That(ex.Code, Is.EqualTo(ClientErrorCodes.MissingField));
        Assert.That(ex.Message, Does.Contain("NetworkInterfaceId"));
        Assert.That(ex.RequestId, Is.EqualTo("R"));
    }

    [Test]
    public async Task Create_SuccessWithoutNetworkInterfaceId_IsMalformed()
    {
        using var client = Harness.Client(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}""")), o => o.Retry.MaxRetries = 0);

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest { VSwitchId = "vsw", SecurityGroupIds = ["sg"] }));

        Assert.That(ex!.Code, Is.EqualTo(ClientErrorCodes.MissingField));
    }

    [Test]
    public async Task Call_WrongJsonTypes_IsMalformedResponse()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceSets":{"NetworkInterfaceSet":[{"NetworkInterfaceId":{"x":1}}]}}""")));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
    }

    [TestCase("")]
    [TestCase("   \n")]
    public async Task Call_Empty200Body_IsMalformedResponse(string body)
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Text(body, "application/json", HttpStatusCode.OK)));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
        Assert.That(ex.Message, Does.Contain("empty"));
    }

    [Test]
    public async Task Call_TopLevelJsonArray_IsMalformedResponse()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("[]")));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
    }

    [Test]
    public async Task Call_OversizedBody_IsMalformedResponse()
    {
        var ex = await FailDescribe(new FakeHandler(_ => FakeHandler.Json("{\"RequestId\":\"" + new string('x', 5000) + "\"}")), o => o.MaxResponseBytes = 1024);

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.MalformedResponse));
    }

    [Test]
    public async Task Call_ServerNeverAnswers_TimesOutWithTypedError()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new FakeHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return FakeHandler.Json("{}");
        });
        using var client = Harness.Client(handler, o =>
        {
            o.Retry.MaxRetries = 1;
            o.AttemptTimeout = TimeSpan.FromSeconds(5);
        }, time);

        var call = client.Ecs.DescribeNetworkInterfacesAsync(Describe);
        var ex = await Assert.ThrowsAsync<CloudApiException>(() => Harness.RunWithFakeTime(time, call, TimeSpan.FromSeconds(1)));

        Assert.That(ex!.Kind, Is.EqualTo(CloudErrorKind.Timeout));
        Assert.That(ex.Code, Is.EqualTo(ClientErrorCodes.Timeout));
        Assert.That(handler.Requests, Has.Count.EqualTo(2), "the timed-out attempt is retried once");
    }

    [Test]
    public async Task Call_ConnectionRefused_IsNetworkError()
    {
        // Bind then close an ephemeral port so nothing listens on it.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var handler = new SocketsHttpHandler();

        var ex = await FailDescribe(handler, o => o.EcsEndpoint = new Uri($"http://127.0.0.1:{port}/"));

        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Network));
        Assert.That(ex.HttpStatus, Is.Zero);
        Assert.That(ex.IsRetryable, Is.True);
    }

    [Test]
    public async Task Call_ClockSkew_IsClockSkewWithBothClocksInMessage()
    {
        var handler = new FakeHandler(_ =>
        {
            var response = FakeHandler.Error("InvalidTimeStamp.Expired", HttpStatusCode.BadRequest, "Specified time stamp or date value is expired.");
            response.Headers.Date = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            return response;
        });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 30, 0, TimeSpan.Zero));

        using var client = Harness.Client(handler, o => o.Retry.MaxRetries = 3, time);
        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.DescribeNetworkInterfacesAsync(Describe));

        Assert.That(ex!.Kind, Is.EqualTo(CloudErrorKind.ClockSkew));
        Assert.That(ex.Message, Does.Contain("local clock 2026-01-01T00:30:00Z").And.Contain("server clock 2026-01-01T00:00:00Z"));
        Assert.That(handler.Requests, Has.Count.EqualTo(1), "clock skew is not retried");
    }

    [Test]
    public async Task Call_CallerCancels_ThrowsOperationCanceled()
    {
        var handler = new FakeHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return FakeHandler.Json("{}");
        });
        using var client = Harness.Client(handler);
        using var cts = new CancellationTokenSource();

        var call = client.Ecs.DescribeNetworkInterfacesAsync(Describe, cts.Token);
        await cts.CancelAsync();

        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
    }
}
