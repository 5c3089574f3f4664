using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Ecs;
using Terway.Cloud.Resilience;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Resilience;

[TestFixture]
public sealed class TokenBucketLimiterTests
{
    [Test]
    public async Task Acquire_BurstThenEmpty_WaitsOneRefillIntervalPerToken()
    {
        var time = new FakeTimeProvider();
        using var limiter = new TokenBucketLimiter(60, time); // 1 token per second, burst 60

        for (var i = 0; i < 60; i++)
        {
            using var lease = await limiter.AcquireAsync(1);
            Assert.That(lease.IsAcquired, Is.True);
        }

        var next = limiter.AcquireAsync(1).AsTask();
        Assert.That(next.IsCompleted, Is.False, "bucket is empty");
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.That(next.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromMilliseconds(1));
        using var late = await next;
        Assert.That(late.IsAcquired, Is.True);
    }

    [Test]
    public async Task Acquire_QueuedWaiters_AreServedInArrivalOrder()
    {
        var time = new FakeTimeProvider();
        using var limiter = new TokenBucketLimiter(1, time); // one per minute
        (await limiter.AcquireAsync(1)).Dispose();
        var order = new List<int>();

        var first = limiter.AcquireAsync(1).AsTask().ContinueWith(_ => order.Add(1), TaskScheduler.Default);
        var second = limiter.AcquireAsync(1).AsTask().ContinueWith(_ => order.Add(2), TaskScheduler.Default);
        time.Advance(TimeSpan.FromMinutes(1));
        await first;
        Assert.That(second.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromMinutes(1));
        await second;

        Assert.That(order, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public async Task Acquire_Cancelled_ReturnsItsReservation()
    {
        var time = new FakeTimeProvider();
        using var limiter = new TokenBucketLimiter(1, time);
        (await limiter.AcquireAsync(1)).Dispose();
        using var cts = new CancellationTokenSource();

        var cancelled = limiter.AcquireAsync(1, cts.Token).AsTask();
        await cts.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());

        var next = limiter.AcquireAsync(1).AsTask();
        time.Advance(TimeSpan.FromMinutes(1));
        using var lease = await next;
        Assert.That(lease.IsAcquired, Is.True, "the cancelled caller's reservation does not delay the next one by a second interval");
    }

    [Test]
    public void Resolve_Limits_OverrideThenTerwayDefaultThenFallback()
    {
        var overrides = new Dictionary<string, int> { ["DescribeVSwitches"] = 42 };

        Assert.That(ApiRateLimits.Resolve("DescribeVSwitches", overrides, 500), Is.EqualTo(42));
        Assert.That(ApiRateLimits.Resolve("DescribeNetworkInterfaces", overrides, 500), Is.EqualTo(800));
        Assert.That(ApiRateLimits.Resolve("DetachNetworkInterface", overrides, 500), Is.EqualTo(400));
        Assert.That(ApiRateLimits.Resolve("CreateRouteEntry", overrides, 123), Is.EqualTo(123));
    }

    [Test]
    public async Task Client_ConfiguredLimitInTokenBucketMode_ThrottlesCallsOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        using var client = Harness.Client(handler, o =>
        {
            o.RateLimitsPerMinute["DeleteNetworkInterface"] = 2;
            o.RateLimitMode = RateLimitMode.TokenBucket;
        }, time);

        await client.Ecs.DeleteNetworkInterfaceAsync("eni-1");
        await client.Ecs.DeleteNetworkInterfaceAsync("eni-2");
        var third = client.Ecs.DeleteNetworkInterfaceAsync("eni-3");
        await Task.Delay(50);
        Assert.That(third.IsCompleted, Is.False, "burst of 2 is used up");
        Assert.That(handler.Requests, Has.Count.EqualTo(2));

        time.Advance(TimeSpan.FromSeconds(30)); // refill 2/min = one token per 30 s
        await third;
        Assert.That(handler.Requests, Has.Count.EqualTo(3));

        Assert.That(client.Invoker.LimiterOf("DeleteNetworkInterface").PerMinute, Is.EqualTo(2));
        Assert.That(client.Invoker.LimiterOf("DescribeNetworkInterfaces").PerMinute, Is.EqualTo(800));
        Assert.That(client.Invoker.LimiterOf("DescribeVSwitches").PerMinute, Is.EqualTo(300));
    }
}
