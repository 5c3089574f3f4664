using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// What the client retries, seen from both ends: <c>Throttling.User</c> with the TimeLeft header
/// (the client waits exactly that long on the shared fake clock), injected 5xx within and beyond
/// the retry budget, and requests the simulator holds past the client's attempt timeout.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class RetryContractTests(SignatureAlgorithm algorithm)
{
    private ContractRig _rig = null!;

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private static Terway.Cloud.Ecs.CreateNetworkInterfaceRequest CreateRequest(string intent) => new()
    {
        VSwitchId = Region.VSwitchH,
        SecurityGroupIds = [Region.SgPods],
        ClientToken = ClientTokens.Derive(intent, Region.VSwitchH, Region.SgPods),
    };

    [Test]
    public async Task Throttled_ThrottlingUserWithTimeLeft_ClientWaitsTimeLeftThenSucceedsInTheNextWindow()
    {
        // Ten seconds before a minute boundary, on a clock the client and the simulator share.
        var boundary = new DateTimeOffset(2026, 3, 1, 12, 1, 0, TimeSpan.Zero);
        var clock = new SteppingClock(boundary.AddSeconds(-10));
        _rig = await ContractRig.StartAsync(
            algorithm,
            o =>
            {
                o.TimeProvider = clock;
                o.Knobs.Api("CreateNetworkInterface").RateLimitPerMinute = 2;
            },
            o =>
            {
                // Without the hint, millisecond backoff would spend every retry inside the throttled minute.
                o.Retry.MaxDelay = TimeSpan.FromMinutes(2);
                o.Retry.UseJitter = false;
                o.AttemptTimeout = TimeSpan.FromHours(1);
                o.CallTimeout = TimeSpan.FromHours(2);
            },
            clock);

        var enis = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var call = _rig.Ecs.CreateNetworkInterfaceAsync(CreateRequest($"throttled create {i}"));
            await clock.DriveAsync([call], () => _rig.Wire.InFlight);
            enis.Add((await call).NetworkInterfaceId);
        }

        var wire = _rig.Wire.Of("CreateNetworkInterface");
        Assert.That(wire.Select(e => e.Status), Is.EqualTo(new[] { 200, 200, 400, 200 }));
        Assert.That(wire[2].TimeLeft, Is.EqualTo(TimeSpan.FromSeconds(10)), "x-ratelimit-user-api TimeLeft of the throttled answer");
        Assert.That(wire[3].ClientToken, Is.EqualTo(wire[2].ClientToken), "the retry keeps the ClientToken");
        Assert.That(wire[3].Nonce, Is.Not.EqualTo(wire[2].Nonce), "the retry is signed with a new nonce");

        var calls = _rig.Simulator.Snapshot().Calls.Where(c => c.Action == "CreateNetworkInterface").ToList();
        Assert.That(calls.Select(c => c.ErrorCode), Is.EqualTo(new[] { null, null, "Throttling.User", null }));
        Assert.That(calls[2].Time, Is.LessThan(boundary));
        Assert.That(calls[3].Time, Is.EqualTo(boundary), "the retry came exactly when the window reset, not earlier");
        Assert.That(_rig.Simulator.Snapshot().CallCounts["CreateNetworkInterface"].Throttled, Is.EqualTo(1));
        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(enis));
    }

    [TestCase("InternalError", 500)]
    [TestCase("ServiceUnavailable", 503)]
    public async Task Transient_InjectedWithinTheBudget_RetriedWithSameTokenAndOneEniCreated(string code, int status)
    {
        _rig = await ContractRig.StartAsync(algorithm);
        _rig.Simulator.InjectError("CreateNetworkInterface", code, count: 3);

        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(CreateRequest("transient create"));

        var wire = _rig.Wire.Of("CreateNetworkInterface");
        Assert.That(wire.Select(e => e.Status), Is.EqualTo(new[] { status, status, status, 200 }));
        Assert.That(wire.Select(e => e.ClientToken).Distinct().Count(), Is.EqualTo(1), "one ClientToken for all attempts");
        Assert.That(wire.Select(e => e.Nonce), Is.Unique, "a fresh nonce per attempt");
        var calls = _rig.Simulator.Snapshot().Calls.Where(c => c.Action == "CreateNetworkInterface").ToList();
        Assert.That(calls.Select(c => c.RequestId), Is.EqualTo(wire.Select(e => e.RequestId)), "the simulator answered exactly these attempts");
        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { eni.NetworkInterfaceId }));
    }

    [Test]
    public async Task Transient_InjectedBeyondTheBudget_TypedTransientErrorAndNothingCreated()
    {
        _rig = await ContractRig.StartAsync(algorithm, client: o => o.Retry.MaxRetries = 2);
        _rig.Simulator.InjectError("CreateNetworkInterface", "ServiceUnavailable", count: 3);
        _rig.Simulator.InjectError("DescribeNetworkInterfaces", "InternalError", count: 3);

        var create = await Assert.ThrowsAsync<CloudApiException>(() => _rig.Ecs.CreateNetworkInterfaceAsync(CreateRequest("doomed create")));
        var describe = await Assert.ThrowsAsync<CloudApiException>(() => _rig.Ecs.DescribeNetworkInterfacesAsync(new()));

        Assert.That((create.Code, create.HttpStatus, create.Kind, create.IsRetryable), Is.EqualTo(("ServiceUnavailable", 503, CloudErrorKind.Transient, true)));
        Assert.That((describe.Code, describe.HttpStatus, describe.Kind), Is.EqualTo(("InternalError", 500, CloudErrorKind.Transient)));
        Assert.That(_rig.Wire.Of("CreateNetworkInterface"), Has.Count.EqualTo(3), "first attempt + MaxRetries");
        Assert.That(_rig.Simulator.Snapshot().Calls.Last(c => c.Action == "CreateNetworkInterface").RequestId, Is.EqualTo(create.RequestId));
        Assert.That(_rig.CreatedEnis(), Is.Empty);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Timeout_HeldPastTheAttemptTimeout_RetriedWithFreshNonceSameTokenAndOneEni(bool appliedBeforeTheHold)
    {
        _rig = await ContractRig.StartAsync(algorithm, client: o => o.AttemptTimeout = TimeSpan.FromSeconds(1));
        _rig.Simulator.InjectTimeout("CreateNetworkInterface", TimeSpan.FromSeconds(30), count: 1, afterApply: appliedBeforeTheHold);
        var request = CreateRequest("create held by the cloud");

        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(request);

        var wire = _rig.Wire.Of("CreateNetworkInterface");
        Assert.That(wire.Select(e => e.Status), Is.EqualTo(new[] { 0, 200 }), "no answer, then an answer");
        Assert.That(wire.Select(e => e.ClientToken), Is.EqualTo(new[] { request.ClientToken, request.ClientToken }));
        Assert.That(wire[0].Nonce, Is.Not.EqualTo(wire[1].Nonce));
        await ContractRig.WaitUntilAsync(() => _rig.Simulator.Snapshot().Calls.Count(c => c.ClientToken == request.ClientToken) == 2, "the held call to be logged");
        var logged = _rig.Simulator.Snapshot().Calls.Where(c => c.ClientToken == request.ClientToken).ToList();
        Assert.That(logged.Select(c => c.HttpStatus), Is.EquivalentTo(new[] { 499, 200 }), "the simulator saw the client give up on the held request");
        Assert.That(_rig.CreatedEnis().Select(e => e.NetworkInterfaceId), Is.EqualTo(new[] { eni.NetworkInterfaceId }),
            appliedBeforeTheHold ? "the retry was answered from the ClientToken, not by a second create" : "the held request did nothing; the retry created the ENI");
    }

    [Test]
    public async Task Network_ConnectionDroppedWithoutAnswer_RetriedAndThenTypedNetworkErrorBeyondTheBudget()
    {
        // A hold shorter than the attempt timeout, without effect: the simulator drops the connection unanswered.
        _rig = await ContractRig.StartAsync(algorithm, client: o => o.Retry.MaxRetries = 1);
        _rig.Simulator.InjectTimeout("DeleteNetworkInterface", TimeSpan.FromMilliseconds(20), count: 1, afterApply: false);
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(CreateRequest("dropped connection"));

        await _rig.Ecs.DeleteNetworkInterfaceAsync(eni.NetworkInterfaceId);

        Assert.That(_rig.Wire.Of("DeleteNetworkInterface").Select(e => e.Status), Is.EqualTo(new[] { 0, 200 }));
        Assert.That(_rig.CreatedEnis(), Is.Empty, "deleted by the retry (instant transitions)");

        _rig.Simulator.InjectTimeout("DescribeVSwitches", TimeSpan.FromMilliseconds(20), count: 2, afterApply: false);
        var ex = await Assert.ThrowsAsync<CloudApiException>(() => _rig.Vpc.DescribeVSwitchesAsync(new()));
        Assert.That((ex.Code, ex.Kind, ex.HttpStatus, ex.IsRetryable), Is.EqualTo((ClientErrorCodes.Network, CloudErrorKind.Network, 0, true)));
        Assert.That(_rig.Wire.Of("DescribeVSwitches").Select(e => e.Status), Is.EqualTo(new[] { 0, 0 }));
    }

    [Test]
    public async Task Timeout_EveryAttemptHeld_TypedTimeoutError()
    {
        _rig = await ContractRig.StartAsync(algorithm, client: o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.Retry.MaxRetries = 1;
        });
        _rig.Simulator.InjectTimeout("AttachNetworkInterface", TimeSpan.FromSeconds(30), count: 2, afterApply: false);
        var eni = await _rig.Ecs.CreateNetworkInterfaceAsync(CreateRequest("attach target"));

        var ex = await Assert.ThrowsAsync<CloudApiException>(() => _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = Region.Node1, NetworkInterfaceId = eni.NetworkInterfaceId }));

        Assert.That((ex.Code, ex.Kind, ex.HttpStatus), Is.EqualTo((ClientErrorCodes.Timeout, CloudErrorKind.Timeout, 0)));
        Assert.That(_rig.Wire.Of("AttachNetworkInterface").Select(e => e.Status), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(_rig.Simulator.Snapshot().FindEni(eni.NetworkInterfaceId)!.Status.ToString(), Is.EqualTo("Available"), "held without effect");
    }
}
