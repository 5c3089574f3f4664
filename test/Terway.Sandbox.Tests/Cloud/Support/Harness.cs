using Microsoft.Extensions.Time.Testing;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Api;
using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Tests.Cloud.Support;

/// <summary>The default region's IDs, as tests refer to them.</summary>
internal static class Ids
{
    public const string Region = "cn-hangzhou";
    public const string ZoneH = "cn-hangzhou-h";
    public const string ZoneI = "cn-hangzhou-i";
    public const string Vpc = "vpc-bp1sandbox00000000001";
    public const string RouteTable = "vtb-bp1sandbox00000000001";
    public const string VSwitchH = "vsw-bp1sandboxh0000000001";
    public const string VSwitchI = "vsw-bp1sandboxi0000000001";
    public const string SgNodes = "sg-bp1sandboxnodes000001";
    public const string SgPods = "sg-bp1sandboxpods0000001";
    public const string Node1 = "i-bp1sandboxnode00000001";
    public const string Node2 = "i-bp1sandboxnode00000002";
    public const string Node3 = "i-bp1sandboxnode00000003";

    // Extra resources added by ModelHarness.CreateExtended.
    public const string OtherVpc = "vpc-other";
    public const string OtherVSwitch = "vsw-other-h";
    public const string OtherSg = "sg-other";
    public const string OtherNode = "i-other";
    public const string TinyVSwitch = "vsw-tiny";
    public const string SmallNode = "i-small";
    public const string Ipv4OnlyVSwitch = "vsw-v4only";
}

/// <summary>A model of the default region on a fake clock, for tests without HTTP.</summary>
internal sealed class ModelHarness
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private ModelHarness(RegionSimulatorOptions options)
    {
        Options = options;
        Knobs = new KnobsHolder(options.Knobs);
        Model = RegionSimulator.BuildModel(options, Knobs);
    }

    public RegionSimulatorOptions Options { get; }

    public FakeTimeProvider Time => (FakeTimeProvider)Options.TimeProvider;

    public KnobsHolder Knobs { get; }

    public RegionModel Model { get; }

    public static ModelHarness Create(Action<RegionSimulatorOptions>? configure = null)
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.TimeProvider = new FakeTimeProvider(Start);
        configure?.Invoke(options);
        return new ModelHarness(options);
    }

    /// <summary>
    /// The default region plus: a second VPC with a vSwitch, security group and instance in zone h;
    /// a /29 vSwitch (4 usable addresses); an IPv4-only vSwitch; an ecs.g6.large instance (no trunk,
    /// 2 ENIs, 6 IPv4 and 1 IPv6 per ENI).
    /// </summary>
    public static ModelHarness CreateExtended(Action<RegionSimulatorOptions>? configure = null) => Create(o =>
    {
        o.Vpcs.Add(new VpcDefinition { VpcId = Ids.OtherVpc, CidrBlock = "10.0.0.0/16" });
        o.VSwitches.Add(new VSwitchDefinition { VSwitchId = Ids.OtherVSwitch, ZoneId = Ids.ZoneH, CidrBlock = "10.0.0.0/24", VpcId = Ids.OtherVpc });
        o.VSwitches.Add(new VSwitchDefinition { VSwitchId = Ids.TinyVSwitch, ZoneId = Ids.ZoneH, CidrBlock = "192.168.255.248/29" });
        o.VSwitches.Add(new VSwitchDefinition { VSwitchId = Ids.Ipv4OnlyVSwitch, ZoneId = Ids.ZoneH, CidrBlock = "192.168.128.0/24" });
        o.SecurityGroups.Add(new SecurityGroupDefinition { SecurityGroupId = Ids.OtherSg, VpcId = Ids.OtherVpc });
        o.Instances.Add(new InstanceDefinition { InstanceId = Ids.OtherNode, InstanceType = "ecs.g7.xlarge", ZoneId = Ids.ZoneH, VSwitchId = Ids.OtherVSwitch, SecurityGroupIds = [Ids.OtherSg] });
        o.Instances.Add(new InstanceDefinition { InstanceId = Ids.SmallNode, InstanceType = "ecs.g6.large", ZoneId = Ids.ZoneH, VSwitchId = Ids.VSwitchH });
        configure?.Invoke(o);
    });

    /// <summary>A dispatcher over this model, as the HTTP layer would use it.</summary>
    public ApiDispatcher Dispatcher(out FaultInjector faults)
    {
        faults = new FaultInjector(7);
        return new ApiDispatcher(Model, Knobs, new ApiThrottle(Time), faults, new IdempotencyStore(), Time, Options.AccountId,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    public EniSnapshot CreateEni(string vSwitchId = Ids.VSwitchH, EniType type = EniType.Secondary, int secondary = 0, int ipv6 = 0, params CloudTag[] tags) =>
        Model.CreateNetworkInterface(new CreateEniArgs
        {
            VSwitchId = vSwitchId,
            SecurityGroupIds = [Ids.SgPods],
            InstanceType = type,
            SecondaryPrivateIpAddressCount = secondary,
            Ipv6AddressCount = ipv6,
            Tags = tags,
        });

    /// <summary>Lets every pending transition with default durations complete.</summary>
    public void Settle() => Time.Advance(TimeSpan.FromMinutes(1));

    public EniSnapshot Eni(string id) => Model.DescribeNetworkInterface(id);

    /// <summary>Attaches and waits until InUse.</summary>
    public EniSnapshot Attached(EniSnapshot eni, string instanceId, string? trunkId = null)
    {
        Model.AttachNetworkInterface(eni.NetworkInterfaceId, instanceId, trunkId);
        Settle();
        var now = Eni(eni.NetworkInterfaceId);
        Assert.That(now.Status, Is.EqualTo(EniStatus.InUse), "attach did not complete");
        return now;
    }
}

/// <summary>Assertion helpers for cloud errors.</summary>
internal static class Expect
{
    public static CloudErrorException Code(string code, Action action)
    {
        var e = Assert.Throws<CloudErrorException>(action)!;
        Assert.That(e.Code, Is.EqualTo(code), e.Message);
        return e;
    }

    public static CloudErrorException Code(string code, int status, Action action)
    {
        var e = Code(code, action);
        Assert.That(e.HttpStatus, Is.EqualTo(status), $"HTTP status of {code}");
        return e;
    }
}
