using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Queues;

namespace Terway.Kube.Tests.Queues;

[TestFixture]
public sealed class RateLimiterTests
{
    [Test]
    public void ItemExponential_RepeatedFailures_DoubleFromFiveMillisecondsToCapOf1000Seconds()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        var delays = Enumerable.Range(0, 25).Select(_ => limiter.When("a")).ToList();

        Assert.That(delays[0], Is.EqualTo(TimeSpan.FromMilliseconds(5)));
        Assert.That(delays[1], Is.EqualTo(TimeSpan.FromMilliseconds(10)));
        Assert.That(delays[2], Is.EqualTo(TimeSpan.FromMilliseconds(20)));
        Assert.That(delays[17], Is.EqualTo(TimeSpan.FromMilliseconds(5 * 131072)), "5 ms * 2^17 = 655.36 s");
        Assert.That(delays[18], Is.EqualTo(TimeSpan.FromSeconds(1000)), "5 ms * 2^18 exceeds the cap");
        Assert.That(delays[24], Is.EqualTo(TimeSpan.FromSeconds(1000)));
        Assert.That(limiter.NumRequeues("a"), Is.EqualTo(25));
    }

    [Test]
    public void ItemExponential_ManyFailures_DoesNotOverflow()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        for (var i = 0; i < 5000; i++)
        {
            limiter.When("a");
        }

        Assert.That(limiter.When("a"), Is.EqualTo(TimeSpan.FromSeconds(1000)));
    }

    [Test]
    public void ItemExponential_KeysAreIndependent()
    {
        var limiter = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        limiter.When("a");
        limiter.When("a");

        Assert.That(limiter.When("b"), Is.EqualTo(TimeSpan.FromMilliseconds(5)));
    }

    [Test]
    public void Bucket_TenQpsBurstHundred_FirstHundredFreeThenTenthOfASecondEach()
    {
        var time = new FakeTimeProvider();
        var limiter = new BucketRateLimiter<int>(10, 100, time);

        var free = Enumerable.Range(0, 100).Select(limiter.When).ToList();
        var d101 = limiter.When(101);
        var d102 = limiter.When(102);

        Assert.That(free, Is.All.EqualTo(TimeSpan.Zero));
        Assert.That(d101.TotalMilliseconds, Is.EqualTo(100).Within(0.001));
        Assert.That(d102.TotalMilliseconds, Is.EqualTo(200).Within(0.001));
    }

    [Test]
    public void Bucket_AfterOneSecond_RefillsTenTokens()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(10, 100, time);
        for (var i = 0; i < 100; i++)
        {
            bucket.Reserve();
        }

        time.Advance(TimeSpan.FromSeconds(1));

        var delays = Enumerable.Range(0, 11).Select(_ => bucket.Reserve()).ToList();
        Assert.That(delays.Take(10), Is.All.EqualTo(TimeSpan.Zero));
        Assert.That(delays[10], Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public void TokenBucket_TryTake_EmptyBucket_Refuses()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1, 2, time);

        Assert.That(bucket.TryTake(), Is.True);
        Assert.That(bucket.TryTake(), Is.True);
        Assert.That(bucket.TryTake(), Is.False);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(bucket.TryTake(), Is.True);
    }

    [Test]
    public void DefaultController_BucketExhausted_TakesMaxOfBackoffAndBucket()
    {
        var time = new FakeTimeProvider();
        var limiter = RateLimiters.DefaultController<int>(time);

        // 100 distinct keys drain the burst; each sees only its own 5 ms backoff.
        var first = Enumerable.Range(0, 100).Select(limiter.When).ToList();
        var key101 = limiter.When(1000);
        var secondFailureOfKey0 = limiter.When(0);

        Assert.That(first, Is.All.EqualTo(TimeSpan.FromMilliseconds(5)));
        Assert.That(key101.TotalMilliseconds, Is.EqualTo(100).Within(0.001), "bucket delay exceeds the 5 ms backoff");
        Assert.That(secondFailureOfKey0.TotalMilliseconds, Is.EqualTo(200).Within(0.001));
        Assert.That(limiter.NumRequeues(0), Is.EqualTo(2));
    }

    [Test]
    public void MaxOf_Forget_ResetsEveryLimiter()
    {
        var time = new FakeTimeProvider();
        var a = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));
        var b = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(2), TimeSpan.FromSeconds(1));
        var max = new MaxOfRateLimiter<string>(a, b, new BucketRateLimiter<string>(100, 100, time));
        max.When("x");
        max.When("x");

        max.Forget("x");

        Assert.That(a.NumRequeues("x"), Is.Zero);
        Assert.That(b.NumRequeues("x"), Is.Zero);
        Assert.That(max.When("x"), Is.EqualTo(TimeSpan.FromMilliseconds(2)));
    }
}
