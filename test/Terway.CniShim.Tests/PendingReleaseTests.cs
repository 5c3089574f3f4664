using System.Text.Json;
using Terway.CniShim.Protocol;
using Terway.CniShim.Release;

namespace Terway.CniShim.Tests;

[TestFixture]
public sealed class PendingReleaseTests
{
    private string _dir = null!;

    [SetUp]
    public void Scratch() => _dir = Path.Combine(Path.GetTempPath(), "terway-pending-" + Guid.NewGuid().ToString("N")[..8], "pending-release");

    [TearDown]
    public void Clean()
    {
        if (Directory.Exists(Path.GetDirectoryName(_dir)))
        {
            Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);
        }
    }

    private static PendingRelease Record(string cid, string ifName, string reason = "agent down") => new()
    {
        ContainerId = cid,
        IfName = ifName,
        Netns = "/var/run/netns/p",
        Pod = new PodReference { Namespace = "default", Name = "web-0", Uid = "u1" },
        NetworkName = "terway",
        RecordedAt = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
        Reason = reason,
    };

    [Test]
    public void Write_CreatesPrivateDirectoryAndOneRecordPerAttachment()
    {
        var path = PendingReleaseStore.Write(_dir, Record("abc123", "eth0"));

        Assert.Multiple(() =>
        {
            Assert.That(Path.GetFileName(path), Is.EqualTo("del-abc123-65746830.json"));
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file is left behind");
            Assert.That(File.GetUnixFileMode(_dir), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });
        var back = JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentJsonContext.Default.PendingRelease)!;
        Assert.That((back.ContainerId, back.IfName, back.Netns, back.Pod!.Name, back.Pod.Uid, back.Reason, back.RecordedAt),
            Is.EqualTo(("abc123", "eth0", "/var/run/netns/p", "web-0", "u1", "agent down", new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero))));
    }

    [Test]
    public void Write_SameAttachmentTwice_OverwritesTheRecord()
    {
        PendingReleaseStore.Write(_dir, Record("abc", "eth0", "first"));
        var path = PendingReleaseStore.Write(_dir, Record("abc", "eth0", "second"));

        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
        Assert.That(JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentJsonContext.Default.PendingRelease)!.Reason, Is.EqualTo("second"));
    }

    [Test]
    public void FileNameFor_DistinctAttachments_DistinctNames()
    {
        var names = new[] { ("a-b", "c"), ("a", "b-c"), ("a", "eth0"), ("a", "eth1") }.Select(x => PendingRelease.FileNameFor(x.Item1, x.Item2)).ToList();
        Assert.That(names, Is.Unique);
    }

    [Test]
    public void DurableWrite_ReplacesAtomically()
    {
        var path = Path.Combine(_dir, "x.json");
        DurableFile.Write(path, "old"u8);
        DurableFile.Write(path, "new"u8);
        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        DurableFile.Delete(path);
        DurableFile.Delete(path);
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
