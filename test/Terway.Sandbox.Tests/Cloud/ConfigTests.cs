using System.Text.Json;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud;

/// <summary>The default region, the JSON config format and the example file.</summary>
[TestFixture]
public sealed class ConfigTests
{
    private static string ExamplePath()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Terway.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.That(dir, Is.Not.Null, "repository root not found");
        return Path.Combine(dir!.FullName, "config", "sandbox", "region-simulator.example.json");
    }

    [Test]
    public async Task Default_IsCnHangzhouWithTwoZonesAndTrunkCapableInstances()
    {
        await using var sim = await RegionSimulator.StartAsync(RegionSimulatorOptions.CreateDefault());
        var s = sim.Snapshot();
        Assert.Multiple(() =>
        {
            Assert.That(s.RegionId, Is.EqualTo("cn-hangzhou"));
            Assert.That(s.Zones, Is.EqualTo(new[] { Ids.ZoneH, Ids.ZoneI }));
            Assert.That(s.Vpcs.Single().VpcId, Is.EqualTo(Ids.Vpc));
            Assert.That(s.VSwitches.Select(v => v.ZoneId), Is.EqualTo(new[] { Ids.ZoneH, Ids.ZoneI }));
            Assert.That(s.SecurityGroups, Has.Count.EqualTo(2));
            Assert.That(s.Instances, Has.Count.EqualTo(3));
            Assert.That(s.Instances.All(i => i.InstanceType.EniTrunkSupported && i.Status == "Running"), Is.True);
            Assert.That(s.NetworkInterfaces.Count(e => e.Type == EniType.Primary && e.Status == EniStatus.InUse), Is.EqualTo(3));
            Assert.That(sim.Credentials.Single(), Is.EqualTo(new AccessKeyDefinition { AccessKeyId = "testid", AccessKeySecret = "testsecret" }));
            Assert.That(s.RouteTables.Single().RouteTableId, Is.EqualTo(Ids.RouteTable));
        });
    }

    [Test]
    public async Task ExampleFile_LoadsAndStarts()
    {
        var options = RegionSimulatorOptions.LoadFile(ExamplePath());
        Assert.That(options.Knobs.For("CreateNetworkInterface").ErrorAfterApply, Is.True);
        Assert.That(options.Knobs.For("DescribeVSwitches").Latency, Is.EqualTo(TimeSpan.FromMilliseconds(20)), "'*' applies to unlisted APIs");
        Assert.That(options.Knobs.Durations.MemberAttach, Is.EqualTo(TimeSpan.FromSeconds(1)));
        await using var sim = await RegionSimulator.StartAsync(options);
        var s = sim.Snapshot();
        Assert.That(s.VSwitches, Has.Count.EqualTo(3));
        Assert.That(s.Instances.Single(i => i.InstanceId == "i-bp1sandboxsmall0000001").InstanceType.EniQuantity, Is.EqualTo(2));
        Assert.That(s.Instances.Single(i => i.InstanceId == "i-bp1sandboxnode00000002").PrimaryIpAddress, Is.EqualTo("192.168.16.10"));
        Assert.That(sim.Credentials.Select(k => k.AccessKeyId), Is.EqualTo(new[] { "testid", "STS.sandboxtemporary" }));
    }

    [Test]
    public void ToJson_RoundTrips()
    {
        var original = RegionSimulatorOptions.CreateDefault();
        original.Knobs.Api("AttachNetworkInterface").Latency = TimeSpan.FromMilliseconds(150);
        original.Knobs.AttachFailureRate = 0.25;
        var copy = RegionSimulatorOptions.FromJson(original.ToJson());
        Assert.That(copy.ToJson(), Is.EqualTo(original.ToJson()));
        Assert.That(copy.Knobs.For("AttachNetworkInterface").Latency, Is.EqualTo(TimeSpan.FromMilliseconds(150)));
        Assert.That(copy.Instances.Select(i => i.InstanceId), Is.EqualTo(original.Instances.Select(i => i.InstanceId)));
    }

    [Test]
    public void FromJson_UnknownPropertyOrMissingRequiredField_IsRejected()
    {
        Assert.That(() => RegionSimulatorOptions.FromJson("""{ "regionId": "cn-hangzhou", "vpcz": [] }"""), Throws.InstanceOf<JsonException>());
        Assert.That(() => RegionSimulatorOptions.FromJson("""{ "vpcs": [ { "cidrBlock": "10.0.0.0/8" } ] }"""), Throws.InstanceOf<JsonException>());
    }

    [Test]
    public void FromJson_InvalidKnob_IsRejected() =>
        Assert.That(() => RegionSimulatorOptions.FromJson("""{ "knobs": { "apis": { "*": { "errorRate": 1.5 } } } }"""), Throws.ArgumentException);

    [Test]
    public void Start_InconsistentRegion_IsRejected()
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.Instances.Add(new InstanceDefinition { InstanceId = "i-x", InstanceType = "ecs.g7.xlarge", ZoneId = Ids.ZoneI, VSwitchId = Ids.VSwitchH });
        Assert.That(async () => await RegionSimulator.StartAsync(options), Throws.ArgumentException.With.Message.Contains("differs"));
        var outside = RegionSimulatorOptions.CreateDefault();
        outside.VSwitches.Add(new VSwitchDefinition { VSwitchId = "vsw-x", ZoneId = Ids.ZoneH, CidrBlock = "10.0.0.0/24" });
        Assert.That(async () => await RegionSimulator.StartAsync(outside), Throws.ArgumentException.With.Message.Contains("not inside"));
        var unknownType = RegionSimulatorOptions.CreateDefault();
        unknownType.Instances[0] = unknownType.Instances[0] with { InstanceType = "ecs.nope" };
        Assert.That(async () => await RegionSimulator.StartAsync(unknownType), Throws.ArgumentException);
    }

    [Test]
    public async Task Program_HelpAndUnknownCommand_ReturnExitCodes()
    {
        Assert.That(await Program.Main(["--help"]), Is.Zero);
        Assert.That(await Program.Main(["frobnicate"]), Is.EqualTo(2));
        Assert.That(await Terway.Sandbox.Cloud.CloudCommand.RunAsync(["--bogus"]), Is.EqualTo(2));
        Assert.That(await Terway.Sandbox.Cloud.CloudCommand.RunAsync(["--config", "/nonexistent/region.json"]), Is.EqualTo(1));
    }
}
