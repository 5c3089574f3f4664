using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// ClientToken idempotency end to end: a create repeated by a restarted client (intent-derived
/// token), answers lost after the operation took effect (injected after apply, or held past every
/// attempt), and two callers racing with one token. In each case exactly one resource exists and
/// every caller ends up with its ID.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class IdempotencyContractTests(SignatureAlgorithm algorithm)
{
    private ContractRig _rig = null!;

    [SetUp]
    public async Task SetUp() => _rig = await ContractRig.StartAsync(algorithm);

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    /// <summary>What an operator would send for a PodENI: the token is derived from the intent and the parameters.</summary>
    private static CreateNetworkInterfaceRequest MemberEniFor(string podEniUid) => new()
    {
        VSwitchId = Region.VSwitchH,
        SecurityGroupIds = [Region.SgPods],
        SecondaryPrivateIpAddressCount = 1,
        Tags = [new("creator", "terway-controller"), new("pod-eni", podEniUid)],
        ClientToken = ClientTokens.Derive($"create member ENI for PodENI {podEniUid}", Region.VSwitchH, Region.SgPods, "1"),
    };

    [Test]
    public async Task CreateNetworkInterface_RepeatedByARestartedClient_ReturnsTheSameEniAndCreatesOne()
    {
        var request = MemberEniFor("0b7f3c9e-uid-1");
        var (before, _) = _rig.NewClient();
        var first = await before.Ecs.CreateNetworkInterfaceAsync(request);
        before.Dispose();

        // A new process: new client, new connections, same intent → same token.
        var (after, _) = _rig.NewClient();
        var again = await after.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("0b7f3c9e-uid-1"));

        Assert.That(again.NetworkInterfaceId, Is.EqualTo(first.NetworkInterfaceId));
        Assert.That(again.PrivateIps, Is.EqualTo(first.PrivateIps), "the stored answer, same addresses");
        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { first.NetworkInterfaceId }));
        var calls = _rig.Simulator.Snapshot().Calls.Where(c => c.Action == "CreateNetworkInterface").ToList();
        Assert.That(calls.Select(c => (c.ClientToken, c.HttpStatus)), Is.EqualTo(new[] { (request.ClientToken, 200), (request.ClientToken, 200) }));
        Assert.That(calls[0].RequestId, Is.Not.EqualTo(calls[1].RequestId), "a replay has its own RequestId");

        var other = await after.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("another-pod-uid"));
        Assert.That(other.NetworkInterfaceId, Is.Not.EqualTo(first.NetworkInterfaceId), "another intent is another ENI");
    }

    [Test]
    public async Task CreateNetworkInterface_AnswerLostAfterApply_RetryReturnsTheCreatedEni()
    {
        _rig.Simulator.InjectError("CreateNetworkInterface", "InternalError", count: 1, afterApply: true);

        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("lost-answer"));

        var created = _rig.CreatedEnis();
        Assert.That(created.Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { eni.NetworkInterfaceId }));
        Agreement.SameEni(eni, created[0]);
        Assert.That(_rig.Wire.Of("CreateNetworkInterface").Select(e => e.Status), Is.EqualTo(new[] { 500, 200 }));
    }

    [Test]
    public async Task AssignPrivateIpAddresses_AnswerLostAfterApply_RetryReturnsTheSameAddressesAndAssignsOnce()
    {
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] });
        _rig.Simulator.InjectError("AssignPrivateIpAddresses", "ServiceUnavailable", count: 1, afterApply: true);
        _rig.Simulator.InjectError("AssignIpv6Addresses", "InternalError", count: 1, afterApply: true);

        var v4 = await _rig.Ecs.AssignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, SecondaryPrivateIpAddressCount = 3 });
        var v6 = await _rig.Ecs.AssignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6AddressCount = 2 });

        var sim = _rig.Simulator.Snapshot().FindEni(eni.NetworkInterfaceId)!;
        Assert.That(sim.PrivateIpAddresses.Skip(1), Is.EqualTo(v4.PrivateIpAddresses), "three addresses, not six");
        Assert.That(sim.Ipv6Addresses, Is.EqualTo(v6.Ipv6Addresses), "two addresses, not four");
    }

    [Test]
    public async Task CreateRouteEntry_AnswerLostAfterApply_RetryReturnsTheSameEntry()
    {
        _rig.Simulator.InjectError("CreateRouteEntry", "InternalError", count: 1, afterApply: true);

        var id = await _rig.Vpc.CreateRouteEntryAsync(new()
        {
            RouteTableId = Region.RouteTable, DestinationCidrBlock = "10.200.0.0/24", NextHopId = Region.Node1,
            ClientToken = ClientTokens.Derive("route for node", Region.Node1, "10.200.0.0/24"),
        });

        var custom = _rig.Simulator.Snapshot().RouteTables.Single().Entries.Where(e => e.Type == "Custom").ToList();
        Assert.That(custom.Select(e => e.RouteEntryId), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task CreateNetworkInterface_EveryAnswerLost_ClientFailsButTheSameIntentLaterAdoptsTheEni()
    {
        var (impatient, wire) = _rig.NewClient(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.Retry.MaxRetries = 1;
        });
        _rig.Simulator.InjectTimeout("CreateNetworkInterface", TimeSpan.FromSeconds(30), count: 2, afterApply: true);

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => impatient.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("unlucky")));
        Assert.That(ex.Kind, Is.EqualTo(CloudErrorKind.Timeout));
        Assert.That(wire.Of("CreateNetworkInterface").Select(e => e.Status), Is.EqualTo(new[] { 0, 0 }));
        var orphan = _rig.CreatedEnis().Single();
        Assert.That(orphan.Tags.Single(t => t.Key == "pod-eni").Value, Is.EqualTo("unlucky"), "the cloud created it although the client saw no answer");

        var adopted = await _rig.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("unlucky"));

        Assert.That(adopted.NetworkInterfaceId, Is.EqualTo(orphan.NetworkInterfaceId));
        Assert.That(_rig.CreatedEnis(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task CreateNetworkInterface_TwoCallersOneTokenAtOnce_LastTokenProcessingThenBothGetTheSameEni()
    {
        _rig.Simulator.ConfigureKnobs(k => k.Api("CreateNetworkInterface").Latency = TimeSpan.FromSeconds(2));
        var (a, aWire) = _rig.NewClient(o =>
        {
            o.Retry.MaxRetries = 200;
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(25);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(25);
        });
        var (b, _) = _rig.NewClient(o =>
        {
            o.Retry.MaxRetries = 200;
            o.Retry.BaseDelay = TimeSpan.FromMilliseconds(25);
            o.Retry.MaxDelay = TimeSpan.FromMilliseconds(25);
        });

        var first = a.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("raced"));
        await ContractRig.WaitUntilAsync(() => aWire.InFlight == 1, "the first caller's request to be on the wire");
        var second = b.Ecs.CreateNetworkInterfaceAsync(MemberEniFor("raced"));
        var results = await Task.WhenAll(first, second);

        Assert.That(results[0].NetworkInterfaceId, Is.EqualTo(results[1].NetworkInterfaceId));
        Assert.That(_rig.CreatedEnis(), Has.Count.EqualTo(1));
        Assert.That(_rig.Simulator.Snapshot().Calls.Count(c => c.ErrorCode == "LastTokenProcessing"), Is.GreaterThanOrEqualTo(1), "the overlapping call met the in-flight token");
    }
}
