using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tests.Netns;

namespace Terway.NodeAgent.Tests.Netlink;

[TestFixture]
public sealed class RoutingTests
{
    private TestNamespace _ns = null!;
    private RtNetlink _nl = null!;
    private LinkInfo _link = null!;

    [SetUp]
    public async Task SetUp()
    {
        Root.Require();
        _ns = await TestNamespace.CreateAsync(TestNamespace.UniquePrefix() + "-rt");
        _nl = _ns.Netlink;
        _nl.CreateVeth("r0", "r1", new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true });
        _link = _nl.GetLink("r0")!;
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_ns is not null)
        {
            await _ns.DisposeAsync();
        }
    }

    [Test]
    public void Addresses_AddListReplaceDelete_V4AndV6()
    {
        _nl.AddAddress(_link.Index, IPAddress.Parse("10.1.0.5"), 24);
        _nl.AddAddress(_link.Index, IPAddress.Parse("10.1.0.5"), 24); // replace: idempotent
        _nl.AddAddress(_link.Index, IPAddress.Parse("fd00::5"), 128, flags: Ifa.F_NODAD);
        _nl.AddAddress(_link.Index, IPAddress.Parse("10.9.9.9"), 32, Scope.Host, Ifa.F_NOPREFIXROUTE);

        var addresses = _nl.ListAddresses(_link.Index);
        Assert.Multiple(() =>
        {
            Assert.That(addresses.Select(a => a.ToString()), Is.SupersetOf(new[] { "10.1.0.5/24", "fd00::5/128", "10.9.9.9/32" }));
            Assert.That(addresses.Single(a => a.Address.Equals(IPAddress.Parse("10.9.9.9"))).Scope, Is.EqualTo(Scope.Host));
            Assert.That(addresses.Single(a => a.Address.Equals(IPAddress.Parse("10.9.9.9"))).Flags & Ifa.F_NOPREFIXROUTE, Is.Not.Zero);
            Assert.That(_nl.ListAddresses(_link.Index, AddressFamily.InterNetworkV6).Select(a => a.ToString()), Does.Contain("fd00::5/128"));
            Assert.That(_nl.ListAddresses(_link.Index, AddressFamily.InterNetworkV6).All(a => a.Family == AddressFamily.InterNetworkV6), Is.True);
        });

        Assert.That(_nl.DeleteAddress(_link.Index, IPAddress.Parse("10.1.0.5"), 24), Is.True);
        Assert.That(_nl.DeleteAddress(_link.Index, IPAddress.Parse("10.1.0.5"), 24), Is.False);
        Assert.That(_nl.ListAddresses(_link.Index).Select(a => a.ToString()), Does.Not.Contain("10.1.0.5/24"));
    }

    [Test]
    public void Routes_TableOnlinkMetricScope_RoundTrip()
    {
        var table = 1000u + (uint)_link.Index;
        var defaultRoute = new RouteInfo
        {
            Family = AddressFamily.InterNetwork,
            Gateway = IPAddress.Parse("192.168.7.253"),
            OutputIndex = _link.Index,
            Table = table,
            OnLink = true,
        };
        _nl.ReplaceRoute(defaultRoute);
        _nl.ReplaceRoute(defaultRoute);
        _nl.ReplaceRoute(new RouteInfo { Destination = IPAddress.Parse("10.2.0.7"), DestinationPrefix = 32, OutputIndex = _link.Index, Scope = Scope.Link });
        _nl.AddRoute(new RouteInfo { Destination = IPAddress.Parse("10.3.0.0"), DestinationPrefix = 16, Gateway = IPAddress.Parse("10.2.0.7"), OutputIndex = _link.Index, Metric = 77, Protocol = RouteProtocol.Static });

        var inTable = _nl.ListRoutes(AddressFamily.InterNetwork, table);
        var main = _nl.ListRoutes(AddressFamily.InterNetwork);
        Assert.Multiple(() =>
        {
            Assert.That(inTable, Has.Count.EqualTo(1));
            Assert.That(inTable[0].IsDefault && inTable[0].OnLink && inTable[0].Gateway!.Equals(IPAddress.Parse("192.168.7.253")), Is.True);
            var host = main.Single(r => IPAddress.Parse("10.2.0.7").Equals(r.Destination));
            Assert.That(host.Scope, Is.EqualTo(Scope.Link));
            Assert.That(host.DestinationPrefix, Is.EqualTo(32));
            var viaHost = main.Single(r => IPAddress.Parse("10.3.0.0").Equals(r.Destination));
            Assert.That(viaHost.Metric, Is.EqualTo(77));
            Assert.That(viaHost.Protocol, Is.EqualTo(RouteProtocol.Static));
            Assert.That(_nl.ListRoutes(AddressFamily.InterNetwork, 0).Any(r => r.Table == Rta.RT_TABLE_LOCAL), Is.True);
        });

        var duplicate = Assert.Throws<NetlinkException>(() => _nl.AddRoute(defaultRoute))!;
        Assert.That(duplicate.IsExists, Is.True);
        Assert.That(_nl.DeleteRoute(defaultRoute), Is.True);
        Assert.That(_nl.DeleteRoute(defaultRoute), Is.False);
        Assert.That(_nl.ListRoutes(AddressFamily.InterNetwork, table), Is.Empty);
    }

    [Test]
    public void Routes_V6DefaultViaLinkLocal_RoundTrip()
    {
        var route = new RouteInfo { Family = AddressFamily.InterNetworkV6, Gateway = IPAddress.Parse("fe80::1"), OutputIndex = _link.Index };
        _nl.ReplaceRoute(route);
        var found = _nl.ListRoutes(AddressFamily.InterNetworkV6).Where(r => r.IsDefault).ToList();
        Assert.That(found, Has.Count.EqualTo(1));
        Assert.That(found[0].Gateway, Is.EqualTo(IPAddress.Parse("fe80::1")));
        Assert.That(_nl.DeleteRoute(route), Is.True);
    }

    [Test]
    public void Routes_ManyInOneTable_MultipartDumpReturnsAll()
    {
        for (var i = 0; i < 400; i++)
        {
            _nl.AddRoute(new RouteInfo { Destination = new IPAddress([10, 50, (byte)(i / 250), (byte)(i % 250)]), DestinationPrefix = 32, OutputIndex = _link.Index, Scope = Scope.Link, Table = 4242 });
        }

        Assert.That(_nl.ListRoutes(AddressFamily.InterNetwork, 4242), Has.Count.EqualTo(400));
    }

    [Test]
    public void Rules_AddDuplicateListDelete_V4AndV6()
    {
        var fromPod = new RuleInfo { Family = AddressFamily.InterNetwork, Priority = 2048, Table = 1005, Source = IPAddress.Parse("10.0.0.9"), SourcePrefix = 32 };
        var to = new RuleInfo { Family = AddressFamily.InterNetwork, Priority = 512, Table = Rta.RT_TABLE_MAIN, Destination = IPAddress.Parse("10.0.0.9"), DestinationPrefix = 32 };
        var oif = new RuleInfo { Family = AddressFamily.InterNetwork, Priority = 512, Table = 1006, OutputInterface = "r0" };
        var iif = new RuleInfo { Family = AddressFamily.InterNetwork, Priority = 600, Table = 1007, InputInterface = "r1" };
        var v6 = new RuleInfo { Family = AddressFamily.InterNetworkV6, Priority = 2048, Table = 1005, Source = IPAddress.Parse("fd00::9"), SourcePrefix = 128 };

        Assert.That(_nl.AddRule(fromPod), Is.True);
        Assert.That(_nl.AddRule(fromPod), Is.False, "an identical rule is reported, not added twice");
        Assert.That(_nl.AddRule(to), Is.True);
        Assert.That(_nl.AddRule(oif), Is.True);
        Assert.That(_nl.AddRule(iif), Is.True);
        Assert.That(_nl.AddRule(v6), Is.True);

        var v4Rules = _nl.ListRules(AddressFamily.InterNetwork);
        var v6Rules = _nl.ListRules(AddressFamily.InterNetworkV6);
        Assert.Multiple(() =>
        {
            Assert.That(v4Rules.Count(r => r.Priority == 2048 && r.Table == 1005 && IPAddress.Parse("10.0.0.9").Equals(r.Source) && r.SourcePrefix == 32), Is.EqualTo(1));
            Assert.That(v4Rules.Count(r => r.Priority == 512 && r.Table == Rta.RT_TABLE_MAIN && IPAddress.Parse("10.0.0.9").Equals(r.Destination)), Is.EqualTo(1));
            Assert.That(v4Rules.Count(r => r.OutputInterface == "r0" && r.Table == 1006), Is.EqualTo(1));
            Assert.That(v4Rules.Count(r => r.InputInterface == "r1" && r.Table == 1007), Is.EqualTo(1));
            Assert.That(v6Rules.Count(r => IPAddress.Parse("fd00::9").Equals(r.Source) && r.Table == 1005), Is.EqualTo(1));
            Assert.That(v4Rules.Any(r => r.Priority == 32766 && r.Table == Rta.RT_TABLE_MAIN), Is.True, "default rules are listed");
        });

        // Deleting without a table matches any table, as teardown does when the ENI is gone.
        Assert.That(_nl.DeleteRuleAll(fromPod with { Table = 0 }), Is.EqualTo(1));
        Assert.That(_nl.DeleteRule(to), Is.True);
        Assert.That(_nl.DeleteRule(to), Is.False);
        Assert.That(_nl.DeleteRule(v6), Is.True);
        Assert.That(_nl.ListRules(AddressFamily.InterNetwork).Any(r => r.Priority is 2048), Is.False);
    }

    [Test]
    public void Neighbours_PermanentReplaceListDelete()
    {
        var mac = PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF");
        _nl.ReplacePermanentNeighbour(_link.Index, IPAddress.Parse("169.254.1.1"), mac);
        _nl.ReplacePermanentNeighbour(_link.Index, IPAddress.Parse("169.254.1.1"), mac);
        _nl.ReplacePermanentNeighbour(_link.Index, IPAddress.Parse("fe80::1"), mac);

        var neighbours = _nl.ListNeighbours(_link.Index);
        Assert.Multiple(() =>
        {
            var v4 = neighbours.Single(n => n.Address.Equals(IPAddress.Parse("169.254.1.1")));
            Assert.That(v4.IsPermanent, Is.True);
            Assert.That(v4.Mac, Is.EqualTo(mac));
            Assert.That(neighbours.Any(n => n.Address.Equals(IPAddress.Parse("fe80::1")) && n.IsPermanent), Is.True);
        });

        Assert.That(_nl.DeleteNeighbour(_link.Index, IPAddress.Parse("169.254.1.1")), Is.True);
        Assert.That(_nl.DeleteNeighbour(_link.Index, IPAddress.Parse("169.254.1.1")), Is.False);
    }

    [Test]
    public void AddRoute_UnreachableGateway_ErrorCarriesKernelExtendedAck()
    {
        var e = Assert.Throws<NetlinkException>(() => _nl.AddRoute(new RouteInfo
        {
            Destination = IPAddress.Parse("10.77.0.0"),
            DestinationPrefix = 16,
            Gateway = IPAddress.Parse("99.99.99.99"),
        }))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.ErrnoName, Is.EqualTo("ENETUNREACH"));
            Assert.That(e.KernelMessage, Is.Not.Null.And.Not.Empty);
            Assert.That(e.Message, Does.StartWith("RTM_NEWROUTE 10.77.0.0/16 via 99.99.99.99"));
            Assert.That(e.Message, Does.Contain(e.KernelMessage!));
        });
    }

    [Test]
    public void Routes_V6PrefixViaOnlinkGateway_Accepted()
    {
        _nl.AddAddress(_link.Index, IPAddress.Parse("fd00:a::10"), 128, flags: Ifa.F_NODAD);
        var route = new RouteInfo { Destination = IPAddress.Parse("fd00:a::"), DestinationPrefix = 64, Gateway = IPAddress.Parse("fd00:a::ffff:ffff:ffff:fffd"), OutputIndex = _link.Index, OnLink = true };
        _nl.ReplaceRoute(route);
        Assert.That(_nl.ListRoutes(AddressFamily.InterNetworkV6).Any(r => route.Destination.Equals(r.Destination) && r.OnLink), Is.True);
    }
}
