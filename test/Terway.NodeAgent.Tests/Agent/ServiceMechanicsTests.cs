using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.NodeAgent.Checkpoint;
using Terway.NodeAgent.Cni;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Tests.Agent;

[TestFixture]
public sealed class ServiceMechanicsTests
{
    [Test]
    public async Task KeyedLocks_SameKeySerialized_OtherKeysParallel()
    {
        var locks = new KeyedLocks<string>();
        var a1 = await locks.AcquireAsync("a");
        var a2 = locks.AcquireAsync("a");
        var b = await locks.AcquireAsync("b").WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(a2.IsCompleted, Is.False, "a second holder of the same key waits");
        a1.Dispose();
        (await a2.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        b.Dispose();
        Assert.That(locks.ActiveKeys, Is.Zero, "entries are dropped when nobody holds them");
    }

    [Test]
    public async Task KeyedLocks_CancelledWaiter_DoesNotLeak()
    {
        var locks = new KeyedLocks<string>();
        var held = await locks.AcquireAsync("a");
        using var cts = new CancellationTokenSource();
        var waiter = locks.AcquireAsync("a", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await waiter);
        held.Dispose();
        Assert.That(locks.ActiveKeys, Is.Zero);
    }

    [Test]
    public void Checkpoint_SaveLoadRemove_AndCorruptFilesMovedAside()
    {
        var dir = Path.Combine(Path.GetTempPath(), "terway-ckpt-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new CheckpointStore(dir, fsync: true, NullLogger.Instance);
            store.Load();
            var request = new PodNetworkRequest
            {
                PodNamespace = "default",
                PodName = "web-0",
                ContainerId = "c1",
                NetnsPath = "/var/run/netns/p",
                IPv4 = new PodIPConfig(IPAddress.Parse("10.0.0.5"), 24, IPAddress.Parse("10.0.0.253")),
                EniMac = PhysicalAddress.Parse("02-16-3E-00-00-01"),
                VlanId = 7,
                Mtu = 1400,
                ServiceCidrs = [IPNetwork.Parse("10.96.0.0/12")],
                NodeIPv4 = IPAddress.Parse("10.0.0.2"),
            };
            store.Save(new AttachmentRecord
            {
                ContainerId = "c1",
                IfName = "eth0",
                PodNamespace = "default",
                PodName = "web-0",
                Mode = DatapathMode.TrunkTc,
                Request = StoredRequest.From(request),
                CreatedAt = DateTimeOffset.UnixEpoch,
            });
            File.WriteAllText(Path.Combine(dir, "torn.json"), "{\"v\":1,\"sta");

            var reloaded = new CheckpointStore(dir, fsync: true, NullLogger.Instance);
            var records = reloaded.Load();

            Assert.That(records, Has.Count.EqualTo(1));
            var back = records.Single();
            Assert.That(back.State, Is.EqualTo(AttachmentStates.Intent));
            var restored = back.Request.ToRequest("default", "web-0", "c1", "eth0");
            Assert.Multiple(() =>
            {
                Assert.That((restored.NetnsPath, restored.IPv4, restored.EniMac, restored.VlanId, restored.Mtu, restored.NodeIPv4),
                    Is.EqualTo((request.NetnsPath, request.IPv4, request.EniMac, request.VlanId, request.Mtu, request.NodeIPv4)));
                Assert.That(restored.ServiceCidrs, Is.EqualTo(request.ServiceCidrs));
                Assert.That(back.Mode, Is.EqualTo(DatapathMode.TrunkTc));
            });
            Assert.That(File.Exists(Path.Combine(dir, "torn.json.corrupt")), Is.True, "an unreadable record is moved aside");

            reloaded.Remove("c1", "eth0");
            Assert.That(Directory.GetFiles(dir, "*.json"), Is.Empty);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ResultMapping_ContainerFirstHostWithoutSandboxIpsOnInterfaceZero()
    {
        var result = new PodInterfaceResult
        {
            Mode = DatapathMode.EniIpVeth,
            Container = new PodInterface("eth0", PhysicalAddress.Parse("0E-00-00-00-00-01"), 1500, "/var/run/netns/p"),
            Host = new PodInterface("cali123", PhysicalAddress.Parse("0E-00-00-00-00-02"), 1500, null),
            IPs = [new PodIPResult(IPAddress.Parse("10.0.0.5"), 32, IPAddress.Parse("169.254.1.1"))],
            Routes = [new PodRoute(IPNetwork.Parse("0.0.0.0/0"), IPAddress.Parse("169.254.1.1"))],
        };

        var cni = ResultMapping.ToCni(result);

        Assert.Multiple(() =>
        {
            Assert.That(cni.Interfaces.Select(i => (i.Name, i.Mac, i.Sandbox)), Is.EqualTo(new (string, string?, string?)[] { ("eth0", "0e:00:00:00:00:01", "/var/run/netns/p"), ("cali123", "0e:00:00:00:00:02", null) }));
            Assert.That(cni.IPs.Select(i => (i.Address, i.Gateway, i.Interface)), Is.EqualTo(new (string, string?, int?)[] { ("10.0.0.5/32", "169.254.1.1", 0) }));
            Assert.That(cni.Routes.Select(r => (r.Dst, r.Gateway)), Is.EqualTo(new (string, string?)[] { ("0.0.0.0/0", "169.254.1.1") }));
        });
    }

    [Test]
    public void ResultMapping_PodIpsAnnotation_V4ThenV6()
    {
        var request = new PodNetworkRequest
        {
            PodNamespace = "d",
            PodName = "p",
            IPv6 = new PodIPConfig(IPAddress.Parse("fd00::5"), 64),
            IPv4 = new PodIPConfig(IPAddress.Parse("10.0.0.5"), 24),
        };
        Assert.That(ResultMapping.PodIps(request), Is.EqualTo("10.0.0.5,fd00::5"));
        Assert.That(ResultMapping.Describe(request), Is.EqualTo("10.0.0.5/24,fd00::5/64"));
    }
}
