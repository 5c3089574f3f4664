using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Queues;

namespace Terway.Kube.Tests.Queues;

[TestFixture]
public sealed class WorkQueueTests
{
    private static WorkQueue<string> NewQueue(FakeTimeProvider time, IRateLimiter<string>? limiter = null) =>
        new(time, limiter ?? new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)));

    [Test]
    public void Add_SameKeyTwice_CollapsesToOneItem()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        Assert.That(queue.Length, Is.EqualTo(2));
    }

    [Test]
    public async Task Get_ReturnsItemsInFifoOrder()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.Add("a");
        queue.Add("b");
        queue.Add("c");

        var got = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (item, shutdown) = await queue.GetAsync();
            Assert.That(shutdown, Is.False);
            got.Add(item);
        }

        Assert.That(got, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public async Task Get_KeyBeingProcessed_IsNotHandedToASecondWorker()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.Add("a");
        var (first, _) = await queue.GetAsync();

        queue.Add("a");
        var second = queue.GetAsync().AsTask();

        Assert.That(queue.Length, Is.Zero, "a key in processing is held back, not queued");
        Assert.That(second.IsCompleted, Is.False, "a second worker must not get the key while the first holds it");

        queue.Done(first);
        var (again, shutdown) = await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That((again, shutdown), Is.EqualTo(("a", false)));
    }

    [Test]
    public async Task Done_KeyNotReAdded_IsNotRequeued()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.Add("a");
        var (item, _) = await queue.GetAsync();

        queue.Done(item);

        Assert.That(queue.Length, Is.Zero);
    }

    [Test]
    public async Task Add_DuringProcessingSeveralTimes_RequeuedOnceAfterDone()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.Add("a");
        var (item, _) = await queue.GetAsync();
        queue.Add("a");
        queue.Add("a");
        queue.Add("a");

        queue.Done(item);

        Assert.That(queue.Length, Is.EqualTo(1));
    }

    [Test]
    public async Task AddRateLimited_ExponentialLimiter_WaitsFiveMillisecondsThenTen()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.That(queue.Length, Is.Zero, "before 5 ms");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(queue.Length, Is.EqualTo(1), "at 5 ms");

        var (item, _) = await queue.GetAsync();
        queue.Done(item);
        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.That(queue.Length, Is.Zero, "second failure waits 10 ms");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(queue.Length, Is.EqualTo(1));
        Assert.That(queue.NumRequeues("a"), Is.EqualTo(2));
    }

    [Test]
    public void AddAfter_DifferentDelays_BecomeReadyInDueOrder()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.AddAfter("c", TimeSpan.FromMilliseconds(30));
        queue.AddAfter("a", TimeSpan.FromMilliseconds(10));
        queue.AddAfter("b", TimeSpan.FromMilliseconds(20));

        var ready = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10));
            ready.Add(queue.Length);
        }

        Assert.That(ready, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(queue.Delayed, Is.Zero);
    }

    [Test]
    public async Task AddAfter_DifferentDelays_HandedOutInDueOrder()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.AddAfter("c", TimeSpan.FromMilliseconds(30));
        queue.AddAfter("a", TimeSpan.FromMilliseconds(10));
        queue.AddAfter("b", TimeSpan.FromMilliseconds(20));

        time.Advance(TimeSpan.FromMilliseconds(30));
        var order = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            order.Add((await queue.GetAsync()).Item);
        }

        Assert.That(order, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void AddAfter_SameKeyLaterThenEarlier_EarliestWins()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.AddAfter("a", TimeSpan.FromMilliseconds(50));
        queue.AddAfter("a", TimeSpan.FromMilliseconds(10));
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.That(queue.Length, Is.EqualTo(1));
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(queue.Length, Is.EqualTo(1), "the superseded 50 ms entry does not add a second copy");
    }

    [Test]
    public void AddAfter_SameKeyEarlierThenLater_KeepsEarlier()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.AddAfter("a", TimeSpan.FromMilliseconds(10));
        queue.AddAfter("a", TimeSpan.FromMilliseconds(50));
        time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.That(queue.Length, Is.EqualTo(1));
        Assert.That(queue.Delayed, Is.Zero);
    }

    [Test]
    public void AddAfter_ZeroDelay_AddsImmediately()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        queue.AddAfter("a", TimeSpan.Zero);

        Assert.That(queue.Length, Is.EqualTo(1));
    }

    [Test]
    public void Forget_AfterFailures_ResetsBackoffAndRequeues()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        Assert.That(queue.NumRequeues("a"), Is.EqualTo(3));

        queue.Forget("a");

        Assert.That(queue.NumRequeues("a"), Is.Zero);
        queue.AddRateLimited("b");
        queue.AddRateLimited("a");
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.That(queue.Length, Is.EqualTo(2), "after Forget the first retry is 5 ms again");
    }

    [Test]
    public async Task ShutDown_WaitingWorker_IsToldToStop()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        var waiting = queue.GetAsync().AsTask();

        queue.ShutDown();

        var (_, shutdown) = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(shutdown, Is.True);
    }

    [Test]
    public async Task ShutDown_AddAfterwards_IsIgnored()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.ShutDown();

        queue.Add("a");
        queue.AddAfter("b", TimeSpan.FromMilliseconds(1));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(queue.Length, Is.Zero);
        var (_, shutdown) = await queue.GetAsync();
        Assert.That(shutdown, Is.True);
    }

    [Test]
    public async Task ShutDownWithDrain_ItemInFlight_WaitsForDone()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        queue.Add("a");
        var (item, _) = await queue.GetAsync();

        var drain = queue.ShutDownWithDrainAsync();
        await Task.Delay(50);
        Assert.That(drain.IsCompleted, Is.False, "drain must wait for the in-flight item");

        queue.Done(item);
        await drain.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(drain.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task ShutDownWithDrain_NothingInFlight_CompletesAtOnce()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);

        await queue.ShutDownWithDrainAsync().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.That(queue.ShuttingDown, Is.True);
    }

    [Test]
    public void GetAsync_Cancelled_ThrowsAndLeavesItemsForOthers()
    {
        var time = new FakeTimeProvider();
        using var queue = NewQueue(time);
        using var cts = new CancellationTokenSource();
        var waiting = queue.GetAsync(cts.Token).AsTask();

        cts.Cancel();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        queue.Add("a");
        Assert.That(queue.Length, Is.EqualTo(1), "a cancelled waiter must not swallow the item");
    }

    [Test]
    public async Task Workers_ManyAddsOfFewKeys_NeverProcessOneKeyConcurrently()
    {
        using var queue = new WorkQueue<int>(TimeProvider.System);
        var active = new int[5];
        var violations = 0;
        var processed = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        async Task Worker()
        {
            while (true)
            {
                var (key, shutdown) = await queue.GetAsync(stop.Token);
                if (shutdown)
                {
                    return;
                }

                if (Interlocked.Increment(ref active[key]) > 1)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                Interlocked.Decrement(ref active[key]);
                Interlocked.Increment(ref processed);
                queue.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)).ToArray();
        for (var i = 0; i < 5000; i++)
        {
            queue.Add(i % 5);
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }

        await queue.ShutDownWithDrainAsync(stop.Token);
        await Task.WhenAll(workers);
        Assert.That(violations, Is.Zero);
        Assert.That(processed, Is.GreaterThanOrEqualTo(5));
    }
}
