using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

namespace Terway.NodeAgent.DatapathBench;

/// <summary>
/// Namespaces for the benchmark: a "vpc" namespace holding the far ends of ENIs, and one node
/// namespace per run with the ENIs it needs. Pod namespaces are made before timing starts.
/// </summary>
internal sealed class Lab : IAsyncDisposable
{
    public static readonly IPAddress Gateway = IPAddress.Parse("10.100.255.253");
    public static readonly IPAddress MemberGateway = IPAddress.Parse("10.200.255.253");
    public static readonly IPAddress NodeIP = IPAddress.Parse("10.99.0.2");
    public static readonly IPNetwork ServiceCidr = IPNetwork.Parse("10.96.0.0/12");

    private readonly List<string> _namespaces = [];
    private readonly List<string> _directories = [];
    private readonly NetworkNamespace _vpc;
    private readonly RtNetlink _vpcNetlink;
    private int _counter;

    private Lab(string prefix, NetworkNamespace vpc, RtNetlink vpcNetlink)
    {
        Prefix = prefix;
        _vpc = vpc;
        _vpcNetlink = vpcNetlink;
    }

    public string Prefix { get; }

    public static async Task<Lab> CreateAsync(string prefix)
    {
        var path = await NamedNetworkNamespaces.CreateAsync(prefix + "-vpc");
        var vpc = NetworkNamespace.Open(path);
        var lab = new Lab(prefix, vpc, await vpc.OpenNetlinkAsync());
        lab._namespaces.Add(prefix + "-vpc");
        return lab;
    }

    /// <summary>A node namespace with a shared ENI (eth1), a trunk ENI (eth2) and <paramref name="exclusiveEnis"/> more ENIs.</summary>
    public async Task<Node> NodeAsync(string name, int exclusiveEnis)
    {
        var nsName = $"{Prefix}-{name}";
        var path = await NamedNetworkNamespaces.CreateAsync(nsName);
        _namespaces.Add(nsName);
        using var ns = NetworkNamespace.Open(path);
        using var nl = await ns.OpenNetlinkAsync();
        nl.SetUp(nl.GetLink("lo")!.Index, true, "lo");
        var node = new Node(nsName, path, Eni(nl, ns, "eth1"), Eni(nl, ns, "eth2"));
        for (var i = 0; i < exclusiveEnis; i++)
        {
            node.Exclusive.Add(Eni(nl, ns, $"x{i}"));
        }

        nl.AddAddress(nl.GetLink("eth1")!.Index, NodeIP, 32);
        await ns.RunAsync(() =>
        {
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.ip_forward"), "1");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.all.rp_filter"), "0");
            Sysctl.Sysctl.Write(Sysctl.Sysctl.PathOf("net.ipv4.conf.default.rp_filter"), "0");
            return true;
        });
        return node;
    }

    /// <summary>Empty pod namespaces, as a runtime would create them.</summary>
    public async Task<List<string>> PodNamespacesAsync(string run, int count)
    {
        var paths = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var name = $"{Prefix}-{run}-p{i}";
            paths.Add(await NamedNetworkNamespaces.CreateAsync(name));
            _namespaces.Add(name);
        }

        return paths;
    }

    /// <summary>A scratch directory removed with the lab.</summary>
    public string ScratchDirectory(string name)
    {
        var path = Directory.CreateTempSubdirectory($"{Prefix}-{name}").FullName;
        _directories.Add(path);
        return path;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }

        _vpcNetlink.Dispose();
        _vpc.Dispose();
        foreach (var name in _namespaces)
        {
            NamedNetworkNamespaces.Delete(name);
        }

        return ValueTask.CompletedTask;
    }

    private (string Name, PhysicalAddress Mac) Eni(RtNetlink nodeNetlink, NetworkNamespace node, string name)
    {
        var mac = new PhysicalAddress([0x02, 0x16, 0x3e, (byte)(_counter >> 16), (byte)(_counter >> 8), (byte)_counter]);
        _counter++;
        _vpcNetlink.CreateVeth(name, $"f{_counter}", new NewLinkOptions { Up = true, Mac = mac, NamespaceFd = node.Fd }, new NewLinkOptions { Up = true });
        return (name, mac);
    }

    internal sealed record Node(string Name, string Path, (string Name, PhysicalAddress Mac) SharedEni, (string Name, PhysicalAddress Mac) Trunk)
    {
        public List<(string Name, PhysicalAddress Mac)> Exclusive { get; } = [];
    }
}
