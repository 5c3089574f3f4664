using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Operator.Webhooks;
using Terway.Operator.Webhooks.PodNetworkings;
using Terway.Sandbox.Cloud;
using static Terway.Operator.Tests.Webhooks.Support.Objects;

namespace Terway.Operator.Tests.Webhooks;

/// <summary>The cloud vSwitch check over the real client against the region simulator.</summary>
[TestFixture]
[Category("Integration")]
public sealed class VpcVSwitchLookupTests
{
    private const string ZoneH = "vsw-bp1sandboxh0000000001";
    private const string ZoneI = "vsw-bp1sandboxi0000000001";
    private const string Vpc = "vpc-bp1sandbox00000000001";

    private RegionSimulator _simulator = null!;
    private AlibabaCloudClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _simulator = await RegionSimulator.StartAsync(RegionSimulatorOptions.CreateDefault());
        var options = new AlibabaCloudOptions
        {
            RegionId = "cn-hangzhou",
            EcsEndpoint = _simulator.Endpoint,
            VpcEndpoint = _simulator.Endpoint,
            ReadEnvironment = false,
        };
        options.Credentials.DisableEcsRamRole = true;
        _client = AlibabaCloudClient.Create(options, CloudCredentialProviders.Static(_simulator.DefaultCredential.AccessKeyId, _simulator.DefaultCredential.AccessKeySecret), null, null, NullLoggerFactory.Instance);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _simulator.DisposeAsync();
    }

    [Test]
    public async Task Lookup_KnownAndUnknown_OnlyKnownReturnedWithVpcAndZone()
    {
        var found = await new VpcVSwitchLookup(_client.Vpc).LookupAsync([ZoneH, ZoneI, "vsw-doesnotexist000000001"], default);

        Assert.That(found.Keys, Is.EquivalentTo(new[] { ZoneH, ZoneI }));
        Assert.That(found[ZoneH], Is.EqualTo(new VSwitchInfo(ZoneH, Vpc, "cn-hangzhou-h")));
    }

    [Test]
    public async Task Validate_WithTheSimulator_UnknownVSwitchRejectedOthersAccepted()
    {
        var validator = new PodNetworkingValidator(new WebhookOptions { VpcId = Vpc }, new VpcVSwitchLookup(_client.Vpc));
        var good = PodNetworking("good", podSelector: MatchLabels(("app", "x")), vSwitches: [ZoneH, ZoneI]);
        var bad = PodNetworking("bad", podSelector: MatchLabels(("app", "x")), vSwitches: [ZoneH, "vsw-doesnotexist000000001"]);

        var accepted = await validator.ValidateAsync("CREATE", good, null, default);
        var rejected = await validator.ValidateAsync("CREATE", bad, null, default);

        Assert.That(accepted.Allowed, Is.True, accepted.Message);
        Assert.That(rejected.Message, Is.EqualTo("PodNetworking bad is invalid: spec.vSwitchOptions: vSwitch vsw-doesnotexist000000001 does not exist"));
    }
}
