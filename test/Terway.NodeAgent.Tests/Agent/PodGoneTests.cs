using k8s.Models;
using Terway.NodeAgent.Allocation;

namespace Terway.NodeAgent.Tests.Agent;

/// <summary>When an ADD waiting for its allocation stops waiting because its pod went away.</summary>
[TestFixture]
public sealed class PodGoneTests
{
    private static readonly PodIdentityKey Pod = new("default", "web-0", "uid-1");

    private static V1Pod Cached(string uid = "uid-1", bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "default", Uid = uid, DeletionTimestamp = deleting ? new DateTime(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc) : null },
    };

    [Test]
    public void PodGone_LivePod_StillWanted() =>
        Assert.That(AllocationResolver.PodGone(Pod, Cached(), seen: true), Is.Null);

    [Test]
    public void PodGone_NotYetInTheCache_StillWanted() =>
        Assert.That(AllocationResolver.PodGone(Pod, null, seen: false), Is.Null);

    [Test]
    public void PodGone_BeingDeleted_Gone() =>
        Assert.That(AllocationResolver.PodGone(Pod, Cached(deleting: true), seen: true), Is.EqualTo("pod default/web-0 is being deleted: its ADD no longer waits for its allocation"));

    [Test]
    public void PodGone_SeenThenRemovedFromTheCache_Gone() =>
        Assert.That(AllocationResolver.PodGone(Pod, null, seen: true), Is.EqualTo("pod default/web-0 was deleted while its ADD waited for its allocation"));

    [Test]
    public void PodGone_ReplacedBySameName_Gone() =>
        Assert.That(AllocationResolver.PodGone(Pod, Cached(uid: "uid-2"), seen: false),
            Is.EqualTo("pod default/web-0 was deleted and re-created (UID uid-2, the ADD is for uid-1) while its ADD waited for its allocation"));

    [Test]
    public void PodGone_AddWithoutUid_OnlyDeletionCounts()
    {
        var noUid = Pod with { Uid = null };
        Assert.Multiple(() =>
        {
            Assert.That(AllocationResolver.PodGone(noUid, Cached(uid: "uid-2"), seen: true), Is.Null);
            Assert.That(AllocationResolver.PodGone(noUid, Cached(uid: "uid-2", deleting: true), seen: true), Is.Not.Null);
        });
    }
}
