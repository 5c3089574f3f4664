using System.Net;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Datapath.EniIpIpvlan;
using Terway.NodeAgent.Datapath.Shared;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Tests.Datapath;

[TestFixture]
public sealed class ConventionsTests
{
    [TestCase("10.0.0.0/24", "10.0.0.253")]
    [TestCase("192.168.16.0/20", "192.168.31.253")]
    [TestCase("172.16.0.0/16", "172.16.255.253")]
    [TestCase("10.1.2.0/30", "10.1.2.1")]
    [TestCase("2408:4005:3ef:1c00::/64", "2408:4005:3ef:1c00:ffff:ffff:ffff:fffd")]
    public void VSwitchGateway_IsCidrIndexMinusThree(string cidr, string gateway) =>
        Assert.That(VSwitchGateway.For(IPNetwork.Parse(cidr)), Is.EqualTo(IPAddress.Parse(gateway)));

    [Test]
    public void VSwitchGateway_TooSmall_Throws() =>
        Assert.Throws<ArgumentException>(() => VSwitchGateway.For(IPNetwork.Parse("10.0.0.1/32")));

    // Expected values from `printf %s default.nginx | sha1sum` (and the same with the interface appended).
    [TestCase("default", "nginx", "eth0", "cali" + "c440f455693")]
    [TestCase("kube-system", "coredns-5d78c9869d-abcde", "eth0", "cali" + "4d5f75c480c")]
    [TestCase("default", "nginx", "eth1", "cali" + "b2fabf209b3")]
    public void HostVethName_CaliPlusSha1Prefix(string ns, string pod, string ifname, string expected) =>
        Assert.That(Conventions.HostVethName(ns, pod, ifname), Is.EqualTo(expected));

    [Test]
    public void Conventions_TablesPrioritiesAndNames()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Conventions.RouteTable(5), Is.EqualTo(1005));
            Assert.That(Conventions.RulePriorityToPod, Is.EqualTo(512));
            Assert.That(Conventions.RulePriorityFromPod, Is.EqualTo(2048));
            Assert.That(Conventions.IpvlanSlaveName(4), Is.EqualTo("ipvl_4"));
            Assert.That((Conventions.TrunkEgressPriorityV4, Conventions.TrunkEgressPriorityV6, Conventions.TrunkIngressPriority), Is.EqualTo(((ushort)50001, (ushort)50002, (ushort)20000)));
            Assert.That(Conventions.LinkLocalGatewayV4, Is.EqualTo(IPAddress.Parse("169.254.1.1")));
            Assert.That(Conventions.LinkLocalGatewayV6, Is.EqualTo(IPAddress.Parse("fe80::1")));
        });
    }

    [TestCase("10.96.0.0/12", new[] { 0xFFF00000u }, new[] { 0x0A600000u }, new[] { 16 })]
    [TestCase("169.254.20.10/32", new[] { 0xFFFFFFFFu }, new[] { 0xA9FE140Au }, new[] { 16 })]
    [TestCase("0.0.0.0/0", new[] { 0u }, new[] { 0u }, new[] { 16 })]
    [TestCase("fd00:96::/108", new[] { 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFF00000u }, new[] { 0xFD000096u, 0u, 0u, 0u }, new[] { 24, 28, 32, 36 })]
    [TestCase("fd00::/8", new[] { 0xFF000000u }, new[] { 0xFD000000u }, new[] { 24 })]
    public void ServiceRedirects_DestinationKeys_MatchU32Layout(string cidr, uint[] masks, uint[] values, int[] offsets)
    {
        var keys = ServiceRedirects.DestinationKeys(IPNetwork.Parse(cidr));
        Assert.That(keys, Is.EqualTo(masks.Select((m, i) => new U32Key(m, values[i], offsets[i]))));
    }
}
