using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Terway.Kube.Client;
using Terway.Kube.LeaderElection;
using Terway.Kube.Metrics;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.LeaderElection;

[TestFixture]
public sealed class LeaderElectorTests
{
    private static readonly ObjectKey LeaseKey = new("kube-system", "terway-operator");
    private InMemoryKubeApiClient _client = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _client = new InMemoryKubeApiClient();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private LeaderElector Elector(string identity, bool release = true, TimeSpan? leaseDuration = null, KubeMetrics? metrics = null) =>
        new(_client, new LeaderElectionOptions
        {
            LeaseNamespace = LeaseKey.Namespace!,
            LeaseName = LeaseKey.Name,
            Identity = identity,
            LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(15),
            ReleaseOnCancel = release,
        }, _time, metrics: metrics);

    private V1Lease Lease() => _client.Stored<V1Lease>().Single();

    [Test]
    public async Task TryAcquire_NoLease_CreatesLeaseHeldByCandidate()
    {
        var a = Elector("a");

        Assert.That(await a.TryAcquireOrRenewAsync(CancellationToken.None), Is.True);

        var lease = Lease();
        Assert.That((lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds, lease.Spec.LeaseTransitions), Is.EqualTo(("a", (int?)15, (int?)0)));
    }

    [Test]
    public async Task TryAcquire_HeldByOtherAndFresh_Refused()
    {
        var a = Elector("a");
        var b = Elector("b");
        await a.TryAcquireOrRenewAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.That(await b.TryAcquireOrRenewAsync(CancellationToken.None), Is.False);
        Assert.That(b.Leader, Is.EqualTo("a"));
    }

    [Test]
    public async Task TryAcquire_HolderStoppedRenewing_TakenAfterHoldersLeaseDuration()
    {
        var a = Elector("a", leaseDuration: TimeSpan.FromSeconds(30));
        var b = Elector("b", leaseDuration: TimeSpan.FromSeconds(15));
        await a.TryAcquireOrRenewAsync(CancellationToken.None);
        Assert.That(await b.TryAcquireOrRenewAsync(CancellationToken.None), Is.False, "b first observes a's lease now");

        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.That(await b.TryAcquireOrRenewAsync(CancellationToken.None), Is.False, "a wrote 30 s; b's own 15 s does not apply");
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(await b.TryAcquireOrRenewAsync(CancellationToken.None), Is.True);

        var lease = Lease();
        Assert.That((lease.Spec.HolderIdentity, lease.Spec.LeaseTransitions), Is.EqualTo(("b", (int?)1)));
    }

    [Test]
    public async Task TryAcquire_HolderRenews_OthersNeverTakeOver()
    {
        var a = Elector("a");
        var b = Elector("b");
        await a.TryAcquireOrRenewAsync(CancellationToken.None);

        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.That(await a.TryAcquireOrRenewAsync(CancellationToken.None), Is.True);
            Assert.That(await b.TryAcquireOrRenewAsync(CancellationToken.None), Is.False);
        }
    }

    [Test]
    public async Task Run_GracefulStop_ReleasesLeaseSoSuccessorAcquiresAtOnce()
    {
        var a = Elector("a");
        var b = Elector("b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var aLeading = new TaskCompletionSource();
        var aWorkStopped = false;
        var runA = a.RunAsync(async ct =>
        {
            aLeading.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                aWorkStopped = true;
            }
        }, stopA.Token);
        await aLeading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(a.IsLeader, Is.True);

        var bLeading = new TaskCompletionSource();
        var runB = b.RunAsync(ct =>
        {
            bLeading.TrySetResult();
            return Task.Delay(Timeout.Infinite, ct);
        }, stopB.Token);
        await Eventually.That(() => b.Leader == "a", "b sees a as leader");

        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(aWorkStopped, Is.True, "leading work stops before the release");
        var released = Lease();
        Assert.That((released.Spec.HolderIdentity, released.Spec.LeaseDurationSeconds), Is.EqualTo(((string?)null, (int?)1)));

        _time.Advance(TimeSpan.FromSeconds(2.5));
        await bLeading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(Lease().Spec.HolderIdentity, Is.EqualTo("b"));
        Assert.That(a.IsLeader, Is.False);

        await stopB.CancelAsync();
        await runB.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task Run_ReleaseDisabled_SuccessorWaitsForExpiry()
    {
        var a = Elector("a", release: false);
        var b = Elector("b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stopA.Token);
        await Eventually.That(() => a.IsLeader, "a leads");
        var bLeading = new TaskCompletionSource();
        var runB = b.RunAsync(ct =>
        {
            bLeading.TrySetResult();
            return Task.Delay(Timeout.Infinite, ct);
        }, stopB.Token);
        await Eventually.That(() => b.Leader == "a", "b sees a");

        await stopA.CancelAsync();
        await runA.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(Lease().Spec.HolderIdentity, Is.EqualTo("a"), "not released");
        for (var i = 0; i < 6; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            await Task.Delay(20);
        }

        Assert.That(bLeading.Task.IsCompleted, Is.False, "12 s < 15 s lease");
        for (var i = 0; i < 4 && !bLeading.Task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2.4));
            await Task.Delay(50);
        }

        await bLeading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stopB.CancelAsync();
        await runB;
    }

    [Test]
    public async Task Run_LeaseTakenByAnother_StopsLeadingWorkAndKeepsCampaigning()
    {
        var a = Elector("a");
        using var stop = new CancellationTokenSource();
        var leadings = 0;
        var stoppedOnce = new TaskCompletionSource();
        var run = a.RunAsync(async ct =>
        {
            Interlocked.Increment(ref leadings);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                stoppedOnce.TrySetResult();
            }
        }, stop.Token);
        await Eventually.That(() => a.IsLeader, "a leads");

        // Someone else overwrites the lease (a split brain the resourceVersion guard must catch).
        var lease = Lease();
        lease.Spec.HolderIdentity = "intruder";
        lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
        await _client.UpdateAsync(lease);
        _time.Advance(TimeSpan.FromSeconds(2));

        await stoppedOnce.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.That(() => !a.IsLeader, "a steps down");
        Assert.That(a.IsRunning, Is.True, "a stays a standby");
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(leadings, Is.EqualTo(1));
    }

    [Test]
    public async Task Metrics_MasterStatus_FollowsLeadership()
    {
        using var metrics = new KubeMetrics($"le-{Guid.NewGuid():N}");
        var statuses = new List<int>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == metrics.MeterName && i.Name == "leader_election_master_status")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, v, _, _) => statuses.Add(v));
        listener.Start();
        var a = Elector("a", metrics: metrics);
        using var stop = new CancellationTokenSource();

        listener.RecordObservableInstruments();
        var run = a.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stop.Token);
        await Eventually.That(() => a.IsLeader, "a leads");
        listener.RecordObservableInstruments();
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        listener.RecordObservableInstruments();

        Assert.That(statuses, Is.EqualTo(new[] { 0, 1, 0 }));
    }
}
