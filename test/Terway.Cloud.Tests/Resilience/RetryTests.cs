using System.Net;
using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Resilience;

[TestFixture]
public sealed class RetryTests
{
    private static readonly CreateNetworkInterfaceRequest Create = new() { VSwitchId = "vsw-1", SecurityGroupIds = ["sg-1"], ClientToken = "intent-token" };

    private static FakeHandler FailThenSucceed(int failures, Func<HttpResponseMessage> failure)
    {
        var calls = 0;
        return new FakeHandler(_ => Interlocked.Increment(ref calls) <= failures
            ? failure()
            : FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1","Status":"Available"}"""));
    }

    [TestCase("Throttling", HttpStatusCode.BadRequest)]
    [TestCase("Throttling.User", HttpStatusCode.BadRequest)]
    [TestCase("ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    [TestCase("InternalError", HttpStatusCode.InternalServerError)]
    [TestCase("Operation.Conflict", HttpStatusCode.Forbidden)]
    [TestCase("SignatureNonceUsed", HttpStatusCode.BadRequest)]
    public async Task Create_RetryableError_RetriesWithFreshNonceAndSameClientToken(string code, HttpStatusCode status)
    {
        var handler = FailThenSucceed(2, () => FakeHandler.Error(code, status));
        using var client = Harness.Client(handler);

        var eni = await client.Ecs.CreateNetworkInterfaceAsync(Create);

        Assert.That(eni.NetworkInterfaceId, Is.EqualTo("eni-1"));
        Assert.That(handler.Requests, Has.Count.EqualTo(3));
        Assert.That(handler.Requests.Select(r => r.Query["ClientToken"]).Distinct(), Is.EqualTo(new[] { "intent-token" }));
        Assert.That(handler.Requests.Select(r => r.Nonce).Distinct().Count(), Is.EqualTo(3), "every attempt is signed with a new nonce");
        Assert.That(handler.Requests.Select(r => r.Headers["authorization"]).Distinct().Count(), Is.EqualTo(3), "every attempt has a new signature");
    }

    [Test]
    public async Task Create_RpcSignatureRetries_RenewNonceTimestampAndSignature()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var handler = FailThenSucceed(1, () => FakeHandler.Error("Throttling", HttpStatusCode.BadRequest));
        using var client = Harness.Client(handler, o =>
        {
            o.SignatureAlgorithm = SignatureAlgorithm.RpcHmacSha1;
            o.Retry.BaseDelay = TimeSpan.FromSeconds(2);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(10);
            o.Retry.UseJitter = false;
        }, time);

        var call = client.Ecs.CreateNetworkInterfaceAsync(Create);
        await Harness.RunWithFakeTime(time, call, TimeSpan.FromSeconds(1));

        var (first, second) = (handler.Requests[0].Query, handler.Requests[1].Query);
        Assert.That(second["SignatureNonce"], Is.Not.EqualTo(first["SignatureNonce"]));
        Assert.That(second["Timestamp"], Is.Not.EqualTo(first["Timestamp"]));
        Assert.That(second["Signature"], Is.Not.EqualTo(first["Signature"]));
        Assert.That(second["ClientToken"], Is.EqualTo(first["ClientToken"]));
    }

    [TestCase("InvalidParameter", HttpStatusCode.BadRequest)]
    [TestCase("InvalidVSwitchId.IpNotEnough", HttpStatusCode.Forbidden)]
    [TestCase("IdempotentParameterMismatch", HttpStatusCode.BadRequest)]
    [TestCase("Forbidden.RAM", HttpStatusCode.Forbidden)]
    [TestCase("InvalidEniId.NotFound", HttpStatusCode.NotFound)]
    public async Task Create_PermanentError_IsNotRetried(string code, HttpStatusCode status)
    {
        var handler = FailThenSucceed(10, () => FakeHandler.Error(code, status));
        using var client = Harness.Client(handler);

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.CreateNetworkInterfaceAsync(Create));

        Assert.That(ex!.Code, Is.EqualTo(code));
        Assert.That(handler.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Create_ThrottledBeyondRetries_ThrowsThrottledAfterMaxAttempts()
    {
        var handler = FailThenSucceed(100, () => FakeHandler.Error("Throttling.User", HttpStatusCode.BadRequest));
        using var client = Harness.Client(handler, o => o.Retry.MaxRetries = 3);

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.CreateNetworkInterfaceAsync(Create));

        Assert.That(ex!.Kind, Is.EqualTo(CloudErrorKind.Throttled));
        Assert.That(handler.Requests, Has.Count.EqualTo(4));
    }

    [Test]
    public async Task Create_ConflictWithRetryConflictsOff_IsNotRetried()
    {
        var handler = FailThenSucceed(1, () => FakeHandler.Error("TaskConflict", HttpStatusCode.BadRequest));
        using var client = Harness.Client(handler, o => o.Retry.RetryConflicts = false);

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => client.Ecs.CreateNetworkInterfaceAsync(Create));

        Assert.That(ex!.Kind, Is.EqualTo(CloudErrorKind.Conflict));
        Assert.That(handler.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Create_ThrottledWithTimeLeftHint_WaitsForTheHint()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var attemptTimes = new List<DateTimeOffset>();
        var calls = 0;
        var handler = new FakeHandler(_ =>
        {
            attemptTimes.Add(time.GetUtcNow());
            if (++calls == 1)
            {
                var r = FakeHandler.Error("Throttling.User", HttpStatusCode.BadRequest);
                r.Headers.TryAddWithoutValidation("x-ratelimit-user-api", "Limit:1,Remain:0,TimeLeft:7000,Reset:1234");
                r.Headers.TryAddWithoutValidation("x-ratelimit-user", "Limit:10,Remain:3,TimeLeft:2000");
                return r;
            }

            return FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1"}""");
        });
        using var client = Harness.Client(handler, o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(100);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(30);
        }, time);

        var call = client.Ecs.CreateNetworkInterfaceAsync(Create);
        await Harness.RunWithFakeTime(time, call, TimeSpan.FromMilliseconds(250));

        var gap = attemptTimes[1] - attemptTimes[0];
        Assert.That(gap, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(7)).And.LessThan(TimeSpan.FromSeconds(8)));
    }

    [Test]
    public async Task Create_ExponentialBackoff_DelaysGrowBetweenAttempts()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var attemptTimes = new List<DateTimeOffset>();
        var handler = new FakeHandler(_ =>
        {
            attemptTimes.Add(time.GetUtcNow());
            return attemptTimes.Count <= 3 ? FakeHandler.Error("InternalError", HttpStatusCode.InternalServerError) : FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceId":"eni-1"}""");
        });
        using var client = Harness.Client(handler, o =>
        {
            o.Retry.BaseDelay = TimeSpan.FromSeconds(1);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(60);
            o.Retry.UseJitter = false;
        }, time);

        var call = client.Ecs.CreateNetworkInterfaceAsync(Create);
        await Harness.RunWithFakeTime(time, call, TimeSpan.FromMilliseconds(100));

        var gaps = attemptTimes.Zip(attemptTimes.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.That(gaps, Has.Count.EqualTo(3));
        Assert.That(gaps[0], Is.InRange(1.0, 1.3));
        Assert.That(gaps[1], Is.InRange(2.0, 2.3));
        Assert.That(gaps[2], Is.InRange(4.0, 4.3));
    }

    [Test]
    public async Task Call_ExpiredStsTokenRejected_InvalidatesCredentialAndRetriesOnce()
    {
        var provider = new RotatingProvider();
        var calls = 0;
        var handler = new FakeHandler(r => Interlocked.Increment(ref calls) == 1
            ? FakeHandler.Error("InvalidSecurityToken.Expired", HttpStatusCode.BadRequest)
            : FakeHandler.Json("""{"RequestId":"R","NetworkInterfaceSets":{"NetworkInterfaceSet":[]}}"""));
        using var client = Harness.Client(handler, credentials: provider);

        await client.Ecs.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest());

        Assert.That(provider.Invalidations, Is.EqualTo(1));
        Assert.That(handler.Requests.Select(r => r.Headers["x-acs-security-token"]), Is.EqualTo(new[] { "token-1", "token-2" }));
    }

    private sealed class RotatingProvider : ICloudCredentialProvider
    {
        private int _generation = 1;

        public int Invalidations { get; private set; }

        public string Name => "rotating";

        public ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new CloudCredential("STS.id", "secret-" + _generation, "token-" + _generation));

        public void Invalidate(CloudCredential credential)
        {
            Invalidations++;
            _generation++;
        }
    }
}
