using System.Text;
using Terway.CniShim.Cni;

namespace Terway.CniShim.Tests;

[TestFixture]
public sealed class NetConfTests
{
    private static NetConf Parse(string json, string command = "ADD") => NetConf.Parse(Encoding.UTF8.GetBytes(json), command);

    private static CniException Fails(string json, string command = "ADD") => Assert.Throws<CniException>(() => Parse(json, command))!;

    [Test]
    public void Parse_Minimal_Defaults()
    {
        var conf = Parse("""{"cniVersion":"1.0.0","name":"terway","type":"terway"}""");
        Assert.Multiple(() =>
        {
            Assert.That(conf.CniVersion, Is.EqualTo("1.0.0"));
            Assert.That(conf.Name, Is.EqualTo("terway"));
            Assert.That(conf.AgentSocket, Is.EqualTo("/var/run/terway/cni.sock"));
            Assert.That(conf.PendingReleaseDirectory, Is.EqualTo("/var/lib/terway/pending-release"));
            Assert.That(conf.LogFile, Is.EqualTo("/var/log/terway/terway.cni.log"));
            Assert.That(conf.AddTimeout, Is.EqualTo(TimeSpan.FromSeconds(120)), "Terway's CNI deadline");
            Assert.That(conf.DelTimeout, Is.LessThan(conf.AddTimeout));
            Assert.That(conf.StatusTimeout, Is.LessThan(conf.AddTimeout));
            Assert.That(conf.PrevResult, Is.Null);
        });
    }

    [Test]
    public void Parse_Options_Read()
    {
        var conf = Parse("""
            {"cniVersion":"1.1.0","name":"n","type":"terway","agent_socket":"/run/x.sock","pending_release_dir":"/p","log_file":"/l","log_level":"debug",
             "add_timeout":"1m30s","del_timeout":2.5,"check_timeout":"500ms","status_timeout":"3s","gc_timeout":"1h"}
            """);
        Assert.Multiple(() =>
        {
            Assert.That(conf.AgentSocket, Is.EqualTo("/run/x.sock"));
            Assert.That(conf.PendingReleaseDirectory, Is.EqualTo("/p"));
            Assert.That(conf.LogFile, Is.EqualTo("/l"));
            Assert.That(conf.LogLevel, Is.EqualTo("debug"));
            Assert.That(conf.AddTimeout, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(conf.DelTimeout, Is.EqualTo(TimeSpan.FromSeconds(2.5)));
            Assert.That(conf.CheckTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(conf.TimeoutFor("STATUS"), Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(conf.TimeoutFor("GC"), Is.EqualTo(TimeSpan.FromHours(1)));
        });
    }

    [Test]
    public void Parse_UnknownKeys_Ignored()
    {
        var conf = Parse("""{"cniVersion":"1.0.0","name":"n","type":"terway","eniip_virtual_type":"IPVlan","capabilities":{"bandwidth":true},"runtimeConfig":{"bandwidth":{}},"args":{"cni":{}}}""");
        Assert.That(conf.Name, Is.EqualTo("n"));
    }

    [TestCase("{not json", 6)]
    [TestCase("", 6)]
    [TestCase("[1,2]", 6)]
    [TestCase("\"text\"", 6)]
    public void Parse_Undecodable_Code6(string json, int code) => Assert.That(Fails(json).Code, Is.EqualTo(code));

    [Test]
    public void Parse_UnsupportedVersion_Code1BeforeAnythingElse()
    {
        var e = Fails("""{"cniVersion":"0.2.0","name":"n","ipam":{"type":"host-local"}}""");
        Assert.That((e.Code, e.Message), Is.EqualTo((1, "incompatible CNI versions")));
        Assert.That(e.Details, Does.Contain("config is \"0.2.0\""));
    }

    [Test]
    public void Parse_NoVersion_IsImplicit010AndRejected() => Assert.That(Fails("""{"name":"n"}""").Code, Is.EqualTo(1));

    [TestCase("CHECK", "0.3.1")]
    [TestCase("STATUS", "1.0.0")]
    [TestCase("GC", "0.4.0")]
    public void Parse_VersionNotAllowingCommand_Code1(string command, string version)
    {
        var e = Fails($$"""{"cniVersion":"{{version}}","name":"n"}""", command);
        Assert.That((e.Code, e.Message), Is.EqualTo((1, $"config version does not allow {command}")));
    }

    [Test]
    public void Parse_DelegatedIpam_Code2WithKeyAndValue()
    {
        var e = Fails("""{"cniVersion":"1.0.0","name":"n","ipam":{"type":"host-local"}}""");
        Assert.That((e.Code, e.Message), Is.EqualTo((2, """unsupported field ipam={"type":"host-local"}""")));
    }

    [Test]
    public void Parse_EmptyIpamObject_Tolerated() => Assert.That(Parse("""{"cniVersion":"1.0.0","name":"n","ipam":{}}""").Name, Is.EqualTo("n"));

    [Test]
    public void Parse_IpMasqTrue_Code2() => Assert.That(Fails("""{"cniVersion":"1.0.0","name":"n","ipMasq":true}""").Message, Is.EqualTo("unsupported field ipMasq=true"));

    [TestCase("""{"cniVersion":"1.0.0","name":5}""", "invalid network configuration: name must be a string")]
    [TestCase("""{"cniVersion":"1.0.0","add_timeout":"soon"}""", "invalid network configuration: add_timeout must be a positive duration")]
    [TestCase("""{"cniVersion":"1.0.0","del_timeout":-1}""", "invalid network configuration: del_timeout must be a positive duration")]
    [TestCase("""{"cniVersion":"1.0.0","log_level":"loud"}""", "invalid network configuration: log_level must be one of debug, info, error, none")]
    [TestCase("""{"cniVersion":"1.1.0","cni.dev/valid-attachments":{}}""", "invalid network configuration: cni.dev/valid-attachments must be an array")]
    public void Parse_WrongValue_Code7(string json, string message)
    {
        var e = Fails(json, json.Contains("valid-attachments", StringComparison.Ordinal) ? "GC" : "ADD");
        Assert.That(e.Code, Is.EqualTo(7));
        Assert.That(e.Message, Does.StartWith(message));
    }

    [Test]
    public void Parse_ValidAttachments_Read()
    {
        var conf = Parse("""{"cniVersion":"1.1.0","name":"n","cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"},{"containerID":"c2","ifname":"net1"}]}""", "GC");
        Assert.That(conf.ValidAttachments!.Select(a => (a.ContainerId, a.IfName)), Is.EqualTo(new[] { ("c1", "eth0"), ("c2", "net1") }));
    }

    [Test]
    public void Parse_PrevResultMalformed_Code6()
    {
        var e = Fails("""{"cniVersion":"1.0.0","name":"n","prevResult":{"ips":[{"address":"10.0.0.1"}]}}""");
        Assert.That((e.Code, e.Message), Is.EqualTo((6, "error decoding prevResult")));
        Assert.That(e.Details, Does.Contain("CIDR"));
    }

    [Test]
    public void Parse_PrevResultInterfaceIndexOutOfRange_Code6() =>
        Assert.That(Fails("""{"cniVersion":"1.0.0","name":"n","prevResult":{"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.1/32","interface":3}]}}""").Code, Is.EqualTo(6));

    [Test]
    public void Parse_Dns_Read()
    {
        var conf = Parse("""{"cniVersion":"1.0.0","name":"n","dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"],"options":["ndots:5"]}}""");
        Assert.That(conf.Dns!.Nameservers, Is.EqualTo(new[] { "10.96.0.10" }));
        Assert.That(conf.Dns.Search, Is.EqualTo(new[] { "svc.cluster.local" }));
    }

    [TestCase("120s", 120_000)]
    [TestCase("1m30s", 90_000)]
    [TestCase("1.5s", 1_500)]
    [TestCase("250ms", 250)]
    [TestCase("2h", 7_200_000)]
    public void DurationText_GoStyle_Parsed(string text, double ms)
    {
        Assert.That(DurationText.TryParse(text, out var d), Is.True);
        Assert.That(d.TotalMilliseconds, Is.EqualTo(ms));
    }

    [TestCase("")]
    [TestCase("10")]
    [TestCase("10x")]
    [TestCase("s")]
    public void DurationText_Malformed_Rejected(string text) => Assert.That(DurationText.TryParse(text, out _), Is.False);
}
