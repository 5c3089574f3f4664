using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Resilience;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Resilience;

[TestFixture]
public sealed class RollingWindowLimiterTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Acquire_BurstOfLimit_NextWaitsUntilTheOldestIsAMinuteOld()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(3, time);
        (await limiter.AcquireAsync(1)).Dispose();
        time.Advance(TimeSpan.FromSeconds(10));
        (await limiter.AcquireAsync(1)).Dispose();
        (await limiter.AcquireAsync(1)).Dispose();

        var fourth = limiter.AcquireAsync(1).AsTask();
        time.Advance(TimeSpan.FromSeconds(49));
        Assert.That(fourth.IsCompleted, Is.False, "three grants in the last minute");
        time.Advance(TimeSpan.FromSeconds(1));
        using var lease = await fourth;

        Assert.That(lease.IsAcquired, Is.True);
        Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.False, "the grants of 12:00:10 still count");
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.True);
    }

    [Test]
    public async Task Acquire_QueuedWaiters_AreServedInArrivalOrderOneMinuteApartPerLimit()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(1, time);
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
    public async Task Acquire_CancelledWaiter_ThrowsAndKeepsItsSlotSoLaterReservationsStayValid()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(1, time);
        (await limiter.AcquireAsync(1)).Dispose();
        using var cts = new CancellationTokenSource();

        var cancelled = limiter.AcquireAsync(1, cts.Token).AsTask();
        var behind = limiter.AcquireAsync(1).AsTask();
        await cts.CancelAsync();
        Assert.That(async () => await cancelled, Throws.InstanceOf<OperationCanceledException>());

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.False, "the cancelled caller's minute is not handed to a newcomer");
        time.Advance(TimeSpan.FromMinutes(1));
        using var lease = await behind;
        Assert.That(lease.IsAcquired, Is.True, "the waiter behind it gets its reserved slot");
    }

    [Test]
    public void Acquire_HugeLimitAndManyCalls_MemoryStaysBoundedByMillisecondRuns()
    {
        var time = new FakeTimeProvider(Start);
        using var limiter = new RollingWindowLimiter(100_000_000, time);

        for (var i = 0; i < 200_000; i++)
        {
            Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.True);
            time.Advance(TimeSpan.FromTicks(1_000)); // 0.1 ms apart: ten grants share a millisecond
        }

        Assert.That(limiter.RunCount, Is.InRange(19_999, 20_001), "20 s of grants in 1 ms runs");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(limiter.AttemptAcquire(1).IsAcquired, Is.True);
        Assert.That(limiter.RunCount, Is.EqualTo(1), "a minute later only the new grant is remembered");
    }

    /// <summary>
    /// The property the mode exists for: with random arrivals, no fixed minute (wherever the cloud's
    /// boundaries fall) ever holds more than the limit. The same arrivals through Terway's continuously
    /// refilled bucket overshoot, which is why it is not the default.
    /// </summary>
    [TestCase(RateLimitMode.RollingMinute, false)]
    [TestCase(RateLimitMode.TokenBucket, true)]
    public async Task Grants_RandomArrivals_FixedMinuteCountsStayWithinTheLimitOnlyForRollingMinute(RateLimitMode mode, bool overshoots)
    {
        const int limit = 10;
        var random = new Random(7);
        var worst = 0;
        for (var run = 0; run < 20; run++)
        {
            var time = new FakeTimeProvider(Start.AddSeconds(random.Next(0, 60)));
            using var limiter = ApiRateLimiter.Create(mode, limit, time);
            var grants = new List<DateTimeOffset>();
            for (var i = 0; i < 60; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 4000)));
                var lease = limiter.AcquireAsync(1).AsTask();
                while (!lease.IsCompleted)
                {
                    time.Advance(TimeSpan.FromMilliseconds(100));
                    await Task.Yield();
                }

                (await lease).Dispose();
                grants.Add(time.GetUtcNow());
            }

            worst = Math.Max(worst, grants.GroupBy(g => g.UtcTicks / TimeSpan.TicksPerMinute).Max(g => g.Count()));
        }

        Assert.That(worst > limit, Is.EqualTo(overshoots), $"most grants seen in one fixed minute: {worst}");
    }

    [Test]
    public void Client_DefaultMode_IsRollingMinute()
    {
        using var client = Harness.Client(new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}""")));

        Assert.That(client.Invoker.LimiterOf("CreateNetworkInterface"), Is.InstanceOf<RollingWindowLimiter>());
        Assert.That(client.Invoker.LimiterOf("CreateNetworkInterface").PerMinute, Is.EqualTo(500));
    }
}
