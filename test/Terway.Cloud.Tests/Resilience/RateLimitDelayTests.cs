using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Resilience;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Resilience;

/// <summary><see cref="ApiRateLimiter.TimeUntilAvailable"/> and <see cref="AlibabaCloudClient.RateLimitDelay"/>: the wait a call would have, without taking a permit.</summary>
[TestFixture]
public sealed class RateLimitDelayTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task RollingWindow_TimeUntilAvailable_ZeroUnderTheLimitThenUntilTheOldestGrantIsAMinuteOld()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(2, time);
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.Zero));
        (await limiter.AcquireAsync(1)).Dispose();
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.Zero), "one of two used");
        (await limiter.AcquireAsync(1)).Dispose();

        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.FromSeconds(40)), "the 12:00:00 grant frees at 12:01:00");
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.FromSeconds(40)), "asking reserves nothing");
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.Zero));
        Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.True, "the estimate matches what the limiter grants");
    }

    [Test]
    public async Task RollingWindow_TimeUntilAvailable_CountsQueuedReservations()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(1, time);
        (await limiter.AcquireAsync(1)).Dispose();
        var waiter = limiter.AcquireAsync(1).AsTask();

        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.FromMinutes(2)), "behind the waiter reserved for 12:01");
        time.Advance(TimeSpan.FromMinutes(1));
        (await waiter).Dispose();
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.FromMinutes(1)));
    }

    [Test]
    public async Task TokenBucket_TimeUntilAvailable_ZeroWithATokenThenOneRefillInterval()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new TokenBucketLimiter(60, time); // one token per second
        for (var i = 0; i < 60; i++)
        {
            Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.Zero));
            (await limiter.AcquireAsync(1)).Dispose();
        }

        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.FromSeconds(1)));
        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.That(limiter.TimeUntilAvailable().TotalMilliseconds, Is.EqualTo(600).Within(1));
        time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.That(limiter.TimeUntilAvailable(), Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task Client_RateLimitDelay_FollowsThatApisLimiterOnly()
    {
        var time = new FakeTimeProvider(Start);
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        using var client = Harness.Client(handler, o => o.RateLimitsPerMinute["DeleteNetworkInterface"] = 1, time);

        Assert.That(client.RateLimitDelay("DeleteNetworkInterface"), Is.EqualTo(TimeSpan.Zero));
        await client.Ecs.DeleteNetworkInterfaceAsync("eni-1");
        time.Advance(TimeSpan.FromSeconds(15));

        Assert.That(client.RateLimitDelay("DeleteNetworkInterface"), Is.EqualTo(TimeSpan.FromSeconds(45)));
        Assert.That(client.RateLimitDelay("DetachNetworkInterface"), Is.EqualTo(TimeSpan.Zero), "limits are per API");
        Assert.That(handler.Requests, Has.Count.EqualTo(1), "asking calls nothing");
    }
}
