using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.CniShim.Cni;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Tests;

[TestFixture]
public sealed class ResultVersionTests
{
    private static CniResult Sample() => new()
    {
        Interfaces =
        [
            new CniInterface { Name = "eth0", Mac = "0e:00:00:00:00:01", Mtu = 1500, Sandbox = "/var/run/netns/p" },
            new CniInterface { Name = "cali0123456789a", Mac = "0e:00:00:00:00:02", Mtu = 1500 },
        ],
        IPs =
        [
            new CniIPConfig { Address = "10.0.1.17/32", Gateway = "169.254.1.1", Interface = 0 },
            new CniIPConfig { Address = "fd00::17/128", Gateway = "fe80::1", Interface = 0 },
        ],
        Routes = [new CniRoute { Dst = "0.0.0.0/0", Gateway = "169.254.1.1", Mtu = 1400 }],
        Dns = new CniDns { Nameservers = ["10.96.0.10"] },
    };

    private static JsonNode Write(CniResult result, string version) => JsonNode.Parse(ResultWriter.Result(result, version))!;

    [TestCase("0.3.0")]
    [TestCase("0.3.1")]
    [TestCase("0.4.0")]
    public void Result_Before100_CarriesIpVersionAndNoMtu(string version)
    {
        var json = Write(Sample(), version);
        Assert.Multiple(() =>
        {
            Assert.That((string?)json["cniVersion"], Is.EqualTo(version));
            Assert.That((string?)json["ips"]![0]!["version"], Is.EqualTo("4"));
            Assert.That((string?)json["ips"]![1]!["version"], Is.EqualTo("6"));
            Assert.That(json["interfaces"]![0]!["mtu"], Is.Null);
            Assert.That(json["routes"]![0]!["mtu"], Is.Null);
        });
    }

    [Test]
    public void Result_100_NoIpVersionNoMtu()
    {
        var json = Write(Sample(), "1.0.0");
        Assert.Multiple(() =>
        {
            Assert.That(json["ips"]![0]!.AsObject().ContainsKey("version"), Is.False);
            Assert.That(json["interfaces"]![0]!["mtu"], Is.Null);
            Assert.That((int?)json["ips"]![0]!["interface"], Is.Zero);
        });
    }

    [Test]
    public void Result_110_ExtendedFields()
    {
        var json = Write(Sample(), "1.1.0");
        Assert.Multiple(() =>
        {
            Assert.That(json["ips"]![0]!.AsObject().ContainsKey("version"), Is.False);
            Assert.That((int?)json["interfaces"]![0]!["mtu"], Is.EqualTo(1500));
            Assert.That((int?)json["routes"]![0]!["mtu"], Is.EqualTo(1400));
        });
    }

    [Test]
    public void Result_HostInterface_HasNoSandboxKey()
    {
        var json = Write(Sample(), "1.0.0");
        Assert.That(json["interfaces"]![1]!.AsObject().ContainsKey("sandbox"), Is.False);
        Assert.That((string?)json["interfaces"]![0]!["sandbox"], Is.EqualTo("/var/run/netns/p"));
    }

    [Test]
    public void Read_040Result_WrittenAs100_DropsVersionKeepsEverythingElse()
    {
        const string v040 = """
            {"cniVersion":"0.4.0","interfaces":[{"name":"eth0","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/n"}],
             "ips":[{"version":"4","interface":0,"address":"10.1.0.5/24","gateway":"10.1.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}
            """;
        using var doc = JsonDocument.Parse(v040);
        var result = ResultReader.Read(doc.RootElement);
        var json = Write(result, "1.0.0");
        Assert.That(json.ToJsonString(), Is.EqualTo("""{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/n"}],"ips":[{"interface":0,"address":"10.1.0.5/24","gateway":"10.1.0.1"}],"routes":[{"dst":"0.0.0.0/0"}]}"""));
    }

    [Test]
    public void Read_100Result_WrittenAs031_VersionDerivedFromAddress()
    {
        using var doc = JsonDocument.Parse("""{"ips":[{"address":"fd00::5/64"},{"address":"10.0.0.5/24"}]}""");
        var json = Write(ResultReader.Read(doc.RootElement), "0.3.1");
        Assert.That(json["ips"]!.AsArray().Select(i => (string?)i!["version"]), Is.EqualTo(new[] { "6", "4" }));
        Assert.That(json["ips"]![0]!.AsObject().ContainsKey("interface"), Is.False, "an IPAM-style result keeps no interface index");
    }

    [Test]
    public void Read_110Fields_RoundTrip()
    {
        using var doc = JsonDocument.Parse("""{"interfaces":[{"name":"e","mtu":9000,"socketPath":"/s","pciID":"0000:00:01.0"}],"routes":[{"dst":"10.0.0.0/8","priority":5,"table":100,"scope":253,"advmss":1400}]}""");
        var json = Write(ResultReader.Read(doc.RootElement), "1.1.0");
        Assert.That(json.ToJsonString(), Is.EqualTo("""{"cniVersion":"1.1.0","interfaces":[{"name":"e","mtu":9000,"socketPath":"/s","pciID":"0000:00:01.0"}],"routes":[{"dst":"10.0.0.0/8","advmss":1400,"priority":5,"table":100,"scope":253}]}"""));
    }

    [TestCase("0.3.1")]
    [TestCase("1.0.0")]
    [TestCase("1.1.0")]
    public void Error_InRequestedVersion(string version)
    {
        var json = JsonNode.Parse(ResultWriter.Error(new CniErrorBody { Code = 11, Message = "m", Details = "d" }, version))!;
        Assert.That(json.ToJsonString(), Is.EqualTo($$"""{"cniVersion":"{{version}}","code":11,"msg":"m","details":"d"}"""));
    }

    [Test]
    public void Error_WithoutDetails_OmitsTheKey() =>
        Assert.That(JsonNode.Parse(ResultWriter.Error(new CniErrorBody { Code = 4, Message = "m" }, "1.0.0"))!.AsObject().ContainsKey("details"), Is.False);

    [Test]
    public void Merge_NoPrevResult_OwnResultWithConfiguredDns()
    {
        var merged = ResultChain.Merge(null, Sample(), new CniDns { Nameservers = ["1.1.1.1"] });
        Assert.That(merged.Interfaces.Select(i => i.Name), Is.EqualTo(new[] { "eth0", "cali0123456789a" }));
        Assert.That(merged.Dns!.Nameservers, Is.EqualTo(new[] { "1.1.1.1" }));
    }

    [Test]
    public void Merge_AfterAnotherPlugin_PreviousFirstAndOwnIndexesShifted()
    {
        var previous = new CniResult
        {
            Interfaces = [new CniInterface { Name = "lo", Sandbox = "/n" }],
            IPs = [new CniIPConfig { Address = "127.0.0.1/8", Interface = 0 }],
            Dns = new CniDns { Search = ["x"] },
        };
        var merged = ResultChain.Merge(previous, Sample(), null);
        Assert.Multiple(() =>
        {
            Assert.That(merged.Interfaces.Select(i => i.Name), Is.EqualTo(new[] { "lo", "eth0", "cali0123456789a" }));
            Assert.That(merged.IPs.Select(i => (i.Address, i.Interface)), Is.EqualTo(new (string, int?)[] { ("127.0.0.1/8", 0), ("10.0.1.17/32", 1), ("fd00::17/128", 1) }));
            Assert.That(merged.Dns!.Nameservers, Is.EqualTo(new[] { "10.96.0.10" }), "own DNS wins over prevResult's");
        });
    }

    [Test]
    public void Version_Output()
    {
        var json = JsonNode.Parse(Encoding.UTF8.GetString(ResultWriter.Version("1.0.0")))!;
        Assert.That((string?)json["cniVersion"], Is.EqualTo("1.0.0"));
        Assert.That(json["supportedVersions"]!.AsArray(), Has.Count.EqualTo(5));
    }
}
