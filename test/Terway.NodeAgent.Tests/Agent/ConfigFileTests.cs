using System.Net;
using Terway.NodeAgent.Configuration;

namespace Terway.NodeAgent.Tests.Agent;

[TestFixture]
public sealed class ConfigFileTests
{
    [Test]
    public void Parse_Yaml_EveryKey()
    {
        var o = NodeAgentConfigFile.Parse("""
            node_name: from-file
            ipam_type: vpc
            service_cidr: 10.96.0.0/12, fd00:96::/112
            host_stack_cidrs: [169.254.20.10/32]
            vlan_strip_type: vlan
            eniip_virtual_type: IPVlan
            mtu: 9000
            disable_host_peer: true
            enable_eni_trunking: true
            ip_stack: dual
            enable_patch_pod_ips: false
            allocation_timeout: 45s
            cni_socket: /run/t/cni.sock
            state_dir: /s
            pending_release_dir: /p
            proc_sys_root: /host/proc/sys
            host_netns: /var/run/netns/node
            health_listen: http://127.0.0.1:1234
            kubeconfig: /k
            checkpoint_fsync: false
            pending_release_interval: 10
            vswitches: {"cn-hangzhou-h": ["vsw-1"]}
            max_pool_size: 5
            """, nodeName: null);
        Assert.Multiple(() =>
        {
            Assert.That(o.NodeName, Is.EqualTo("from-file"));
            Assert.That(o.IpamType, Is.EqualTo(IpamType.Vpc));
            Assert.That(o.ServiceCidrs, Is.EqualTo(new[] { IPNetwork.Parse("10.96.0.0/12"), IPNetwork.Parse("fd00:96::/112") }));
            Assert.That(o.HostStackCidrs, Is.EqualTo(new[] { IPNetwork.Parse("169.254.20.10/32") }));
            Assert.That(o.VlanStripType, Is.EqualTo(VlanStripType.Vlan));
            Assert.That(o.EniIpVirtualType, Is.EqualTo(EniIpVirtualType.IPvlan));
            Assert.That(o.Mtu, Is.EqualTo(9000));
            Assert.That((o.DisableHostPeer, o.EnableTrunk, o.EnableIPv6, o.PatchPodIps, o.CheckpointFsync), Is.EqualTo((true, true, true, false, false)));
            Assert.That(o.AllocationTimeout, Is.EqualTo(TimeSpan.FromSeconds(45)));
            Assert.That((o.SocketPath, o.StateDirectory, o.PendingReleaseDirectory, o.ProcSysRoot, o.HostNetnsPath, o.HealthListen, o.KubeconfigPath),
                Is.EqualTo(("/run/t/cni.sock", "/s", "/p", "/host/proc/sys", "/var/run/netns/node", "http://127.0.0.1:1234", "/k")));
            Assert.That(o.PendingReleaseSweepInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(o.MeterName, Is.EqualTo("Terway.NodeAgent.from-file"));
            Assert.That(o.AttachmentDirectory, Is.EqualTo("/s/attachments"));
        });
    }

    [Test]
    public void Parse_EmptyJson_DefaultsAndNodeNameFromEnvironment()
    {
        var o = NodeAgentConfigFile.Parse("{}", nodeName: "n1");
        Assert.Multiple(() =>
        {
            Assert.That(o.NodeName, Is.EqualTo("n1"));
            Assert.That(o.IpamType, Is.EqualTo(IpamType.Crd));
            Assert.That(o.SocketPath, Is.EqualTo("/var/run/terway/cni.sock"));
            Assert.That(o.StateDirectory, Is.EqualTo("/var/lib/terway"));
            Assert.That(o.PendingReleaseDirectory, Is.EqualTo("/var/lib/terway/pending-release"));
            Assert.That(o.ProcSysRoot, Is.EqualTo("/proc/sys"));
            Assert.That(o.HealthListen, Is.EqualTo("http://0.0.0.0:9442"));
            Assert.That(o.AllocationTimeout, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(o.CheckpointFsync, Is.True);
        });
    }

    [Test]
    public void Parse_EnvironmentNodeName_WinsOverFile() =>
        Assert.That(NodeAgentConfigFile.Parse("""{"node_name":"file"}""", "env").NodeName, Is.EqualTo("env"));

    [Test]
    public void Parse_EmptyHealthListen_Disables() =>
        Assert.That(NodeAgentConfigFile.Parse("""{"health_listen":""}""", "n").HealthListen, Is.Null);

    [Test]
    public void Parse_Problems_AllListed()
    {
        var e = Assert.Throws<NodeAgentConfigException>(() => NodeAgentConfigFile.Parse("""{"ipam_type":"magic","mtu":"big","service_cidr":"10.0.0.0/33","allocation_timeout":"-1s"}""", null))!;
        Assert.That(e.Message, Does.Contain("node name").And.Contain("ipam_type must be one of crd, vpc").And.Contain("mtu must be an integer")
            .And.Contain("\"10.0.0.0/33\" is not a CIDR").And.Contain("allocation_timeout must be a positive duration"));
    }

    [Test]
    public void Parse_NotAMapping_Rejected() =>
        Assert.Throws<NodeAgentConfigException>(() => NodeAgentConfigFile.Parse("[1,2]", "n"));

    [TestCase(null)]
    [TestCase("")]
    public void TestPause_Unset_None(string? value) => Assert.That(TestPause.FromEnvironment(value), Is.Null);

    [Test]
    public void TestPause_Parsed() =>
        Assert.That(TestPause.FromEnvironment("wired:/tmp/m"), Is.EqualTo(new TestPause(TestPausePoint.Wired, "/tmp/m")));

    [Test]
    public void TestPause_Malformed_Rejected() =>
        Assert.Throws<NodeAgentConfigException>(() => TestPause.FromEnvironment("sometime"));
}
