using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Netns;
using Terway.Sandbox.Fabric;
using Terway.NodeAgent.Tests.Netns;

namespace Terway.NodeAgent.Tests.Datapath;

/// <summary>Builds a fabric per test and opens the node datapaths on its nodes.</summary>
public abstract class DatapathFixture
{
    protected static readonly IPAddress ServiceIP = IPAddress.Parse("10.96.0.10");
    protected static readonly IPNetwork ServiceCidr = IPNetwork.Parse("10.96.0.0/12");

    private readonly List<NodeDatapath> _datapaths = [];

    protected VpcFabric Fabric { get; private set; } = null!;

    [SetUp]
    public async Task CreateFabric()
    {
        Root.Require();
        Fabric = await VpcFabric.CreateAsync();
    }

    [TearDown]
    public async Task DisposeFabric()
    {
        foreach (var d in _datapaths)
        {
            d.Dispose();
        }

        _datapaths.Clear();
        if (Fabric is not null)
        {
            await Fabric.DisposeAsync();
        }
    }

    protected async Task<NodeDatapath> OpenNodeAsync(FabricNode node)
    {
        var datapath = await NodeDatapath.OpenAsync(new DatapathOptions { HostNetnsPath = node.Path, EniWaitTimeout = TimeSpan.FromSeconds(2), EniPollInterval = TimeSpan.FromMilliseconds(100) });
        _datapaths.Add(datapath);
        return datapath;
    }

    protected static PodNetworkRequest Request(string podName, string netns, PodIPConfig? v4, PhysicalAddress? eniMac = null, PodIPConfig? v6 = null) => new()
    {
        PodNamespace = "default",
        PodName = podName,
        ContainerId = podName + "-sandbox",
        NetnsPath = netns,
        IPv4 = v4,
        IPv6 = v6,
        EniMac = eniMac,
        Mtu = 1500,
        ServiceCidrs = [ServiceCidr],
    };

    /// <summary>Snapshot of a node's namespace state, for the before/after teardown comparison.</summary>
    protected static async Task<SortedSet<string>> SnapshotAsync(FabricNode node)
    {
        using var ns = NetworkNamespace.Open(node.Path);
        using var nl = await ns.OpenNetlinkAsync();
        return NamespaceSnapshot.Capture(nl);
    }

    protected static async Task AssertPingAsync(string from, IPAddress to, string what) =>
        Assert.That(await Probes.PingAsync(from, to), Is.True, $"ping {what} ({to}) from {from}");

    protected static async Task AssertNoPingAsync(string from, IPAddress to, string what) =>
        Assert.That(await Probes.PingAsync(from, to, TimeSpan.FromSeconds(1.5)), Is.False, $"ping {what} ({to}) from {from} should fail");

    /// <summary>Pod → Service address through the host: a TCP exchange with a server on the node's local Service address.</summary>
    protected static async Task AssertServiceReachableAsync(FabricNode node, string podNetns, IPAddress podIP)
    {
        using var server = await Probes.ListenTcpAsync(node.Path, ServiceIP);
        var reply = await Probes.TcpExchangeAsync(podNetns, server.EndPoint, "hello");
        Assert.That(reply, Is.EqualTo("echo:hello"));
        Assert.That(server.Peers, Does.Contain(podIP), "the Service saw the pod's own address");
    }
}
