using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// Every error class of <see cref="CloudErrorKind"/> the simulator can produce, reached through
/// real calls: the client's typed error must carry the simulator's code, HTTP status and request
/// ID, be classified as the reference says, be retried only when it is retryable, and the rejected
/// call must have changed nothing in the model.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class ErrorContractTests(SignatureAlgorithm algorithm)
{
    private const string SmallNode = "i-bp1contractsmall000001";
    private const string TrunkNode = "i-bp1contracttrunk000001";
    private const string TinyVSwitch = "vsw-bp1contracttiny00001";

    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp()
    {
        _rig = await ContractRig.StartAsync(algorithm);
        _rig.Simulator.AddInstance(new InstanceDefinition { InstanceId = SmallNode, InstanceType = "ecs.g6.large", ZoneId = Region.ZoneH, VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes] });
        _rig.Simulator.AddInstance(new InstanceDefinition { InstanceId = TrunkNode, InstanceType = "ecs.u1-c1m4.xlarge", ZoneId = Region.ZoneH, VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes] });
        _rig.Simulator.AddVSwitch(new VSwitchDefinition { VSwitchId = TinyVSwitch, ZoneId = Region.ZoneH, CidrBlock = "192.168.80.0/28" });
    }

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    /// <summary>
    /// Runs a call that must fail; checks the typed error against the simulator's call log (same
    /// request ID, code and status) and the number of attempts on the wire.
    /// </summary>
    private async Task<CloudApiException> Rejected(string action, Func<Task> call, string code, int status, CloudErrorKind kind, int attempts = 1, WireRecorder? wire = null)
    {
        wire ??= _rig.Wire;
        var before = wire.Of(action).Count;
        CloudApiException? caught = null;
        try
        {
            await call();
        }
        catch (CloudApiException e)
        {
            caught = e;
        }

        Assert.That(caught, Is.Not.Null, $"{action} should have failed with {code}");
        var ex = caught!;
        Assert.Multiple(() =>
        {
            Assert.That(ex.HostId, Does.EndWith(".aliyuncs.com"), "HostId of the error body");
            Assert.That(ex.Recommend, Does.Contain("q=" + Uri.EscapeDataString(code)), "Recommend of the error body");
            Assert.That(ex.Api, Is.EqualTo(action));
            Assert.That(ex.Code, Is.EqualTo(code));
            Assert.That(ex.HttpStatus, Is.EqualTo(status));
            Assert.That(ex.Kind, Is.EqualTo(kind));
            Assert.That(wire.Of(action).Count - before, Is.EqualTo(attempts), "attempts on the wire");
        });
        var logged = _rig.Simulator.Snapshot().Calls.SingleOrDefault(c => c.RequestId == ex.RequestId);
        Assert.That(logged, Is.Not.Null, "the error's RequestId is one the simulator issued");
        Assert.That((logged!.Action, logged.ErrorCode, logged.HttpStatus), Is.EqualTo((action, code, status)));
        return ex;
    }

    private Task<NetworkInterface> Create(string vSwitch = Region.VSwitchH, int? secondaries = null) =>
        _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = vSwitch, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = secondaries });

    private Task Attach(string instance, string eni, string? trunk = null) =>
        _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = instance, NetworkInterfaceId = eni, TrunkNetworkInstanceId = trunk });

    private EniSnapshot Sim(string eni) => _rig.Simulator.Snapshot().FindEni(eni)!;

    [Test]
    public async Task NotFound_UnknownEniInstanceOrSecurityGroup_IsNotFoundAndNotRetried()
    {
        const string ghost = "eni-bp1doesnotexist00000";
        var eni = await Create();

        var delete = await Rejected("DeleteNetworkInterface", () => _rig.Ecs.DeleteNetworkInterfaceAsync(ghost), "InvalidEniId.NotFound", 404, CloudErrorKind.NotFound);
        Assert.That(delete.IsNotFound, Is.True, "Delete/Detach/Unassign callers treat it as success");
        await Rejected("DetachNetworkInterface", () => _rig.Ecs.DetachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = ghost }), "InvalidEniId.NotFound", 404, CloudErrorKind.NotFound);
        await Rejected("UnassignPrivateIpAddresses", () => _rig.Ecs.UnassignPrivateIpAddressesAsync(new() { NetworkInterfaceId = ghost, PrivateIpAddresses = ["192.168.1.1"] }), "InvalidEniId.NotFound", 404, CloudErrorKind.NotFound);
        await Rejected("AttachNetworkInterface", () => Attach("i-bp1doesnotexist0000000", eni.NetworkInterfaceId), "InvalidEcsId.NotFound", 404, CloudErrorKind.NotFound);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = ["sg-bp1doesnotexist000000"] }), "InvalidSecurityGroupId.NotFound", 404, CloudErrorKind.NotFound);

        Assert.That(Sim(eni.NetworkInterfaceId).Status, Is.EqualTo(EniStatus.Available));
        Assert.That(_rig.CreatedEnis(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Quota_EnisPerInstance_EniPerInstanceLimitExceededAndNothingAttached()
    {
        var first = await Create();
        var second = await Create();
        await Attach(SmallNode, first.NetworkInterfaceId);

        var ex = await Rejected("AttachNetworkInterface", () => Attach(SmallNode, second.NetworkInterfaceId), "EniPerInstanceLimitExceeded", 403, CloudErrorKind.Quota);

        Assert.That(ex.IsRetryable, Is.False);
        var snapshot = _rig.Simulator.Snapshot();
        Assert.That(snapshot.FindEni(second.NetworkInterfaceId)!.Status, Is.EqualTo(EniStatus.Available));
        Assert.That(snapshot.NetworkInterfaces.Count(e => e.InstanceId == SmallNode), Is.EqualTo(2), "ecs.g6.large: EniQuantity 2 (primary + one)");
    }

    [Test]
    public async Task Quota_MembersPerTrunk_EniPerInstanceLimitExceededPastTotalMinusEniQuantity()
    {
        var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });
        await Attach(TrunkNode, trunk.NetworkInterfaceId);
        var limit = (await _rig.Ecs.DescribeInstanceTypesAsync(new() { InstanceTypes = ["ecs.u1-c1m4.xlarge"] })).Items.Single().MemberEniLimit;
        Assert.That(limit, Is.EqualTo(3), "EniTotalQuantity 6 − EniQuantity 3");
        for (var i = 0; i < limit; i++)
        {
            var member = await Create();
            await Attach(TrunkNode, member.NetworkInterfaceId, trunk.NetworkInterfaceId);
        }

        var extra = await Create();
        await Rejected("AttachNetworkInterface", () => Attach(TrunkNode, extra.NetworkInterfaceId, trunk.NetworkInterfaceId), "EniPerInstanceLimitExceeded", 403, CloudErrorKind.Quota);

        Assert.That(Sim(trunk.NetworkInterfaceId).MemberNetworkInterfaceIds, Has.Count.EqualTo(limit));
        Assert.That(Sim(extra.NetworkInterfaceId).Type, Is.EqualTo(EniType.Secondary));
    }

    [Test]
    public async Task Quota_IpsPerAttachedEni_Ipv4AndIpv6CountExceeded()
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], SecondaryPrivateIpAddressCount = 14, Ipv6AddressCount = 10 });
        await Attach(Region.Node1, eni.NetworkInterfaceId);
        await _rig.Ecs.AssignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6AddressCount = 5 });

        await Rejected("AssignPrivateIpAddresses", () => _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 1 }), "InvalidOperation.Ipv4CountExceeded", 403, CloudErrorKind.Quota);
        await Rejected("AssignIpv6Addresses", () => _rig.Ecs.AssignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6AddressCount = 1 }), "InvalidOperation.Ipv6CountExceeded", 403, CloudErrorKind.Quota);

        Assert.That(Sim(eni.NetworkInterfaceId).PrivateIpAddresses, Has.Count.EqualTo(15), "ecs.g7.xlarge: 15 IPv4 per ENI");
        Assert.That(Sim(eni.NetworkInterfaceId).Ipv6Addresses, Has.Count.EqualTo(15));
    }

    [Test]
    public async Task Quota_VSwitchExhausted_IpNotEnoughAndNoAddressTaken()
    {
        int Free() => _rig.Simulator.Snapshot().VSwitches.Single(v => v.VSwitchId == TinyVSwitch).AvailableIpAddressCount;
        Assert.That(Free(), Is.EqualTo(12), "a /28 less 4 reserved addresses");

        await Rejected("CreateNetworkInterface", () => Create(TinyVSwitch, secondaries: 12), "InvalidVSwitchId.IpNotEnough", 403, CloudErrorKind.Quota);
        Assert.That(Free(), Is.EqualTo(12), "a rejected create takes nothing");

        var eni = await Create(TinyVSwitch, secondaries: 9);
        Assert.That(Free(), Is.EqualTo(2));
        await Rejected("AssignPrivateIpAddresses", () => _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 3 }), "InvalidVSwitchId.IpNotEnough", 403, CloudErrorKind.Quota);
        Assert.That(Free(), Is.EqualTo(2));
        Assert.That(Sim(eni.NetworkInterfaceId).PrivateIpAddresses, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task Quota_RegionEniCountAndRouteTable_MaxEniCountExceededAndQuotaExceeded()
    {
        _rig.Simulator.ConfigureKnobs(k =>
        {
            k.MaxEniCount = 1;
            k.RouteEntryQuota = 2;
        });
        await Create();
        await Rejected("CreateNetworkInterface", () => Create(), "MaxEniCountExceeded", 403, CloudErrorKind.Quota);

        await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.1.0.0/24", NextHopId = Region.Node1 });
        await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.1.1.0/24", NextHopId = Region.Node1 });
        await Rejected("CreateRouteEntry", () => _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.1.2.0/24", NextHopId = Region.Node1 }), "QuotaExceeded", 400, CloudErrorKind.Quota);

        Assert.That(_rig.Simulator.Snapshot().RouteTables.Single().Entries.Count(e => e.Type == "Custom"), Is.EqualTo(2));
    }

    [Test]
    public async Task Invalid_ZoneMismatch_AvailabilityZoneMismatch()
    {
        var inZoneI = await Create(Region.VSwitchI);

        await Rejected("AttachNetworkInterface", () => Attach(Region.Node1, inZoneI.NetworkInterfaceId), "InvalidOperation.AvailabilityZoneMismatch", 403, CloudErrorKind.Invalid);

        Assert.That(Sim(inZoneI.NetworkInterfaceId).Status, Is.EqualTo(EniStatus.Available));
    }

    [Test]
    public async Task Invalid_BadParameters_AreInvalidAndCreateNothing()
    {
        CreateNetworkInterfaceRequest Valid() => new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] };

        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { SecondaryPrivateIpAddressCount = 50 }), "InvalidParameter", 400, CloudErrorKind.Invalid);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { Description = "https://example.com/eni" }), "InvalidDescription.Malformed", 400, CloudErrorKind.Invalid);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { Tags = [new("aliyun-reserved", "x")] }), "InvalidTagKey.Malformed", 400, CloudErrorKind.Invalid);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { Tags = [new("k", "v"), new("k", "w")] }), "Duplicate.TagKey", 400, CloudErrorKind.Invalid);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { SecurityGroupIds = Enumerable.Repeat(Region.SgPods, 6).ToList() }), "InvalidParameter", 400, CloudErrorKind.Invalid);
        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(Valid() with { TrafficMode = "Turbo" }), "InvalidParameter", 400, CloudErrorKind.Invalid);

        Assert.That(_rig.CreatedEnis(), Is.Empty);
    }

    [Test]
    public async Task Invalid_PrimaryEniOperations_AreRefused()
    {
        var node = _rig.Simulator.Snapshot().Instances.Single(i => i.InstanceId == Region.Node1);

        await Rejected("DeleteNetworkInterface", () => _rig.Ecs.DeleteNetworkInterfaceAsync(node.PrimaryNetworkInterfaceId), "InvalidOperation.InvalidEniType", 403, CloudErrorKind.Invalid);
        await Rejected("DetachNetworkInterface", () => _rig.Ecs.DetachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = node.PrimaryNetworkInterfaceId }), "InvalidOperation.DetachPrimaryEniNotAllowed", 400, CloudErrorKind.Invalid);

        // The reference (§5.3) has Terway treat InvalidIp.IpUnassigned as success on Unassign; the client classifies it NotFound.
        await Rejected("UnassignPrivateIpAddresses", () => _rig.Ecs.UnassignPrivateIpAddressesAsync(new() { NetworkInterfaceId = node.PrimaryNetworkInterfaceId, PrivateIpAddresses = [node.PrimaryIpAddress] }), "InvalidIp.IpUnassigned", 403, CloudErrorKind.NotFound);

        var primary = _rig.Simulator.Snapshot().FindEni(node.PrimaryNetworkInterfaceId)!;
        Assert.That((primary.Type, primary.Status, primary.PrivateIpAddresses[0]), Is.EqualTo((EniType.Primary, EniStatus.InUse, node.PrimaryIpAddress)));
    }

    [Test]
    public async Task InvalidState_DeleteAttachedOrAttachInUse_InvalidEniState()
    {
        var eni = await Create();
        await Attach(Region.Node2, eni.NetworkInterfaceId);

        await Rejected("DeleteNetworkInterface", () => _rig.Ecs.DeleteNetworkInterfaceAsync(eni.NetworkInterfaceId), "InvalidOperation.InvalidEniState", 400, CloudErrorKind.InvalidState);
        await Rejected("AttachNetworkInterface", () => Attach(Region.Node2, eni.NetworkInterfaceId), "InvalidOperation.InvalidEniState", 400, CloudErrorKind.InvalidState);

        Assert.That((Sim(eni.NetworkInterfaceId).Status, Sim(eni.NetworkInterfaceId).InstanceId), Is.EqualTo((EniStatus.InUse, Region.Node2)));
    }

    [Test]
    public async Task IdempotentMismatch_SameTokenDifferentParameters_IsRefusedAndCreatesNothing()
    {
        var token = ClientTokens.Derive("create ENI", "reused on purpose");
        var first = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], ClientToken = token, SecondaryPrivateIpAddressCount = 1 });

        await Rejected("CreateNetworkInterface", () => _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods], ClientToken = token, SecondaryPrivateIpAddressCount = 2 }), "IdempotentParameterMismatch", 400, CloudErrorKind.IdempotentMismatch);

        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { first.NetworkInterfaceId }));
    }

    [Test]
    public async Task Auth_WrongSecretOrUnknownKey_AuthErrorsNotRetriedAndNoSecretInTheMessage()
    {
        var (wrongSecret, wrongSecretWire) = _rig.NewClient(credentials: CloudCredentialProviders.Static("testid", "not-the-secret-9f8e7d"));
        var (unknownKey, unknownKeyWire) = _rig.NewClient(credentials: CloudCredentialProviders.Static("nosuchkey", "whatever-secret-1a2b3c"));

        var mismatch = await Rejected("DescribeNetworkInterfaces", () => wrongSecret.Ecs.DescribeNetworkInterfacesAsync(new()), "SignatureDoesNotMatch", 400, CloudErrorKind.Auth, wire: wrongSecretWire);
        var notFound = await Rejected("DescribeNetworkInterfaces", () => unknownKey.Ecs.DescribeNetworkInterfacesAsync(new()), "InvalidAccessKeyId.NotFound", 400, CloudErrorKind.Auth, wire: unknownKeyWire);
        await Rejected("CreateNetworkInterface", () => wrongSecret.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] }), "SignatureDoesNotMatch", 400, CloudErrorKind.Auth, wire: wrongSecretWire);

        Assert.That(mismatch.Message, Does.Not.Contain("not-the-secret-9f8e7d"));
        Assert.That(notFound.Message, Does.Not.Contain("whatever-secret-1a2b3c"));
        Assert.That(_rig.CreatedEnis(), Is.Empty);
    }

    [Test]
    public async Task Auth_StsCredential_AcceptedWithItsTokenAndRefusedWithAWrongOrMissingOne()
    {
        _rig.Simulator.AddAccessKey(new AccessKeyDefinition { AccessKeyId = "STS.contract0001", AccessKeySecret = "sts-secret-5e6f", SecurityToken = "sts-token-good", Expiration = DateTimeOffset.UtcNow.AddHours(1) });
        var (good, _) = _rig.NewClient(credentials: CloudCredentialProviders.Static("STS.contract0001", "sts-secret-5e6f", "sts-token-good"));
        var (wrongToken, wrongWire) = _rig.NewClient(credentials: CloudCredentialProviders.Static("STS.contract0001", "sts-secret-5e6f", "sts-token-stale"));
        var (noToken, noTokenWire) = _rig.NewClient(credentials: CloudCredentialProviders.Static("STS.contract0001", "sts-secret-5e6f"));

        var eni = await good.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] });
        Assert.That(_rig.Simulator.Snapshot().Calls.Last(c => c.Action == "CreateNetworkInterface").AccessKeyId, Is.EqualTo("STS.contract0001"));

        // A rejected STS token is refreshed once (the static provider hands out the same one), then the error surfaces.
        var mismatch = await Rejected("DescribeNetworkInterfaces", () => wrongToken.Ecs.DescribeNetworkInterfacesAsync(new()), "InvalidSecurityToken.MismatchWithAccessKey", 400, CloudErrorKind.Auth, attempts: 2, wire: wrongWire);
        Assert.That(mismatch.Message, Does.Not.Contain("sts-token-stale").And.Not.Contain("sts-secret-5e6f"));
        await Rejected("DescribeNetworkInterfaces", () => noToken.Ecs.DescribeNetworkInterfacesAsync(new()), "MissingSecurityToken", 400, CloudErrorKind.Auth, wire: noTokenWire);
        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { eni.NetworkInterfaceId }));
    }

    [TestCase(20)]
    [TestCase(-20)]
    public async Task ClockSkew_ClientClockTwentyMinutesOff_InvalidTimeStampExpiredWithBothClocks(int minutes)
    {
        var skewed = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(minutes));
        var (client, wire) = _rig.NewClient(time: skewed);

        var ex = await Rejected("DescribeVSwitches", () => client.Vpc.DescribeVSwitchesAsync(new()), "InvalidTimeStamp.Expired", 400, CloudErrorKind.ClockSkew, wire: wire);

        Assert.That(ex.Message, Does.Contain("local clock").And.Contain("server clock").And.Not.Contain("server clock unknown"));
        var (sane, _) = _rig.NewClient();
        Assert.That((await sane.Vpc.DescribeVSwitchesAsync(new())).Items, Is.Not.Empty, "the same call with a correct clock passes");
    }

    [Test]
    public async Task Conflict_ConcurrentRouteMutationsInOneVpc_TaskConflictThenRetriedOnceTheFirstIsDone()
    {
        await _rig.DisposeAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _rig = await ContractRig.StartAsync(algorithm, o =>
        {
            o.TimeProvider = time;
            o.Knobs.Durations = new AsyncDurations();
        });
        await _rig.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.9.0.0/24", NextHopId = Region.Node1 });

        var (noRetry, noRetryWire) = _rig.NewClient(o => o.Retry.RetryConflicts = false);
        var ex = await Rejected("CreateRouteEntry", () => noRetry.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.9.1.0/24", NextHopId = Region.Node1 }), "TaskConflict", 400, CloudErrorKind.Conflict, wire: noRetryWire);
        Assert.That(ex.IsRetryable, Is.True);

        var (patient, _) = _rig.NewClient(o =>
        {
            o.Retry.MaxRetries = 50;
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(20);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        });
        var token = ClientTokens.Derive("second route", "10.9.2.0/24");
        var second = patient.Vpc.CreateRouteEntryAsync(new() { RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.9.2.0/24", NextHopId = Region.Node2, ClientToken = token });
        await ContractRig.WaitUntilAsync(() => _rig.Simulator.Snapshot().Calls.Any(c => c.ClientToken == token && c.ErrorCode == "TaskConflict"), "the second create to meet TaskConflict");
        time.Advance(TimeSpan.FromSeconds(2));
        var id = await second;

        var calls = _rig.Simulator.Snapshot().Calls.Where(c => c.ClientToken == token).ToList();
        Assert.That(calls.Select(c => c.ErrorCode).Distinct(), Is.EqualTo(new[] { "TaskConflict", null }), "conflicts, then success");
        Assert.That(calls[^1].HttpStatus, Is.EqualTo(200));
        Assert.That(_rig.Simulator.Snapshot().RouteTables.Single().Entries.Single(e => e.RouteEntryId == id).DestinationCidrBlock, Is.EqualTo("10.9.2.0/24"));
    }

    [Test]
    public async Task Conflict_ConcurrentAssignsOnOneEni_OperationConflictRetriedAndBothSucceed()
    {
        var eni = await Create();
        _rig.Simulator.ConfigureKnobs(k => k.Api("AssignPrivateIpAddresses").Latency = TimeSpan.FromSeconds(2));
        var (patient, _) = _rig.NewClient(o =>
        {
            o.Retry.MaxRetries = 200;
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(25);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(25);
        });

        var results = await Task.WhenAll(
            patient.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 2 }),
            patient.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 3 }));

        Assert.That(_rig.Simulator.Snapshot().Calls.Count(c => c.ErrorCode == "Operation.Conflict"), Is.GreaterThanOrEqualTo(1), "the simulator refused the overlapping call at least once");
        var assigned = results.SelectMany(r => r.PrivateIpAddresses).ToList();
        Assert.That(assigned, Has.Count.EqualTo(5).And.Unique);
        Assert.That(Sim(eni.NetworkInterfaceId).PrivateIpAddresses.Skip(1), Is.EquivalentTo(assigned));
    }
}
