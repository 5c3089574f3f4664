using Terway.Kube.Client;
using Terway.Kube.Finalizers;
using Terway.Kube.Patching;
using Terway.Kube.Status;
using Terway.Kube.Tests.Support;

namespace Terway.Kube.Tests.Status;

[TestFixture]
public sealed class StatusAndFinalizerTests
{
    private const string Finalizer = "network.alibabacloud.com/eni";

    [Test]
    public async Task UpdateStatus_Conflicts_ReReadsAndReappliesMutation()
    {
        var client = new InMemoryKubeApiClient();
        var eni = client.Seed(Objects.PodEni("ns", "e1"));
        client.ConflictsToInject = 2;
        var applied = 0;

        var stored = await client.UpdateStatusAsync<TestPodEni>(new ObjectKey("ns", "e1"), e =>
        {
            applied++;
            e.Status.Phase = "Bind";
            return true;
        }, current: eni);

        Assert.That(applied, Is.EqualTo(3));
        Assert.That(stored.Status.Phase, Is.EqualTo("Bind"));
        Assert.That(client.Calls.Count(c => c.StartsWith("GET", StringComparison.Ordinal)), Is.EqualTo(2), "one re-read per conflict");
        Assert.That(eni.Status.Phase, Is.Null, "the caller's (cached) object is never mutated");
    }

    [Test]
    public void UpdateStatus_ConflictsBeyondAttempts_Throws()
    {
        var client = new InMemoryKubeApiClient();
        client.Seed(Objects.PodEni("ns", "e1"));
        client.ConflictsToInject = 10;

        Assert.That(async () => await client.UpdateStatusAsync<TestPodEni>(new ObjectKey("ns", "e1"), e =>
        {
            e.Status.Phase = "Bind";
            return true;
        }, maxAttempts: 3), Throws.InstanceOf<KubeApiException>().With.Property(nameof(KubeApiException.IsConflict)).True);
    }

    [Test]
    public async Task UpdateStatus_MutationReportsNoChange_SkipsTheWrite()
    {
        var client = new InMemoryKubeApiClient();
        client.Seed(Objects.PodEni("ns", "e1"));

        await client.UpdateStatusAsync<TestPodEni>(new ObjectKey("ns", "e1"), _ => false);

        Assert.That(client.Calls.Any(c => c.StartsWith("UPDATESTATUS", StringComparison.Ordinal)), Is.False);
    }

    [Test]
    public async Task EnsureFinalizer_Absent_AddsWithResourceVersionGuard()
    {
        var client = new InMemoryKubeApiClient();
        var eni = client.Seed(Objects.PodEni("ns", "e1"));

        var stored = await client.EnsureFinalizerAsync(eni, Finalizer);

        Assert.That(stored.Metadata.Finalizers, Is.EqualTo(new[] { Finalizer }));
        Assert.That(client.Calls.Last(), Does.Contain("\"resourceVersion\""));
        Assert.That(eni.Metadata.Finalizers, Is.Null, "input not mutated");
    }

    [Test]
    public async Task EnsureFinalizer_Present_NoRequest()
    {
        var client = new InMemoryKubeApiClient();
        var eni = client.Seed(Objects.PodEni("ns", "e1"));
        eni = await client.EnsureFinalizerAsync(eni, Finalizer);
        var calls = client.Calls.Count;

        await client.EnsureFinalizerAsync(eni, Finalizer);

        Assert.That(client.Calls, Has.Count.EqualTo(calls));
    }

    [Test]
    public async Task RemoveFinalizer_StaleObject_ConflictInsteadOfDroppingOthersFinalizer()
    {
        var client = new InMemoryKubeApiClient();
        var eni = client.Seed(Objects.PodEni("ns", "e1"));
        var mine = await client.EnsureFinalizerAsync(eni, Finalizer);
        await client.EnsureFinalizerAsync(mine, "other.io/keep");

        Assert.That(async () => await client.RemoveFinalizerAsync(mine, Finalizer),
            Throws.InstanceOf<KubeApiException>().With.Property(nameof(KubeApiException.IsConflict)).True);
        Assert.That(client.Stored<TestPodEni>().Single().Metadata.Finalizers, Is.EquivalentTo(new[] { Finalizer, "other.io/keep" }));
    }

    [Test]
    public async Task RemoveFinalizer_Fresh_RemovesOnlyOurs()
    {
        var client = new InMemoryKubeApiClient();
        var eni = client.Seed(Objects.PodEni("ns", "e1"));
        eni = await client.EnsureFinalizerAsync(eni, Finalizer);
        eni = await client.EnsureFinalizerAsync(eni, "other.io/keep");

        var stored = await client.RemoveFinalizerAsync(eni, Finalizer);

        Assert.That(stored.Metadata.Finalizers, Is.EqualTo(new[] { "other.io/keep" }));
        Assert.That(stored.HasFinalizer(Finalizer), Is.False);
    }

    [Test]
    public async Task MergePatchAsync_OptimisticLockStale_Conflicts()
    {
        var client = new InMemoryKubeApiClient();
        var original = client.Seed(Objects.PodEni("ns", "e1"));
        client.Seed(Objects.PodEni("ns", "e1"));
        var modified = Terway.Kube.Cache.KubeObjects.DeepCopy(original);
        modified.Spec.EniId = "eni-2";

        Assert.That(async () => await client.MergePatchAsync(original, modified, optimisticLock: true),
            Throws.InstanceOf<KubeApiException>().With.Property(nameof(KubeApiException.IsConflict)).True);
        var unguarded = await client.MergePatchAsync(original, modified);
        Assert.That(unguarded.Spec.EniId, Is.EqualTo("eni-2"));
    }
}
