using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// Throttling at scale on a clock the client and the simulator share: the simulator's per-API
/// per-minute windows against the client's own per-API limiter.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1)]
public sealed class ThrottlingContractTests(SignatureAlgorithm algorithm)
{
    private const int CloudLimit = 5;
    private ContractRig _rig = null!;
    private SteppingClock _clock = null!;

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    private async Task Start(DateTimeOffset start, int clientLimit)
    {
        _clock = new SteppingClock(start);
        _rig = await ContractRig.StartAsync(
            algorithm,
            o =>
            {
                o.TimeProvider = _clock;
                o.Knobs.Api("CreateNetworkInterface").RateLimitPerMinute = CloudLimit;
                o.Knobs.Api("DescribeNetworkInterfaces").RateLimitPerMinute = CloudLimit;
            },
            o =>
            {
                o.RateLimitsPerMinute["CreateNetworkInterface"] = clientLimit;
                o.RateLimitsPerMinute["DescribeNetworkInterfaces"] = clientLimit;
                o.Retry.MaxRetries = 10;
                o.Retry.MaxDelay = TimeSpan.FromMinutes(2);
                o.AttemptTimeout = TimeSpan.FromHours(1);
                o.CallTimeout = TimeSpan.FromHours(2);
            },
            _clock);
    }

    private async Task<int> Burst(int creates, int describes)
    {
        var calls = new List<Task>();
        for (var i = 0; i < creates; i++)
        {
            calls.Add(_rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgPods] }));
        }

        for (var i = 0; i < describes; i++)
        {
            calls.Add(_rig.Ecs.DescribeNetworkInterfacesAsync(new() { Type = "Secondary" }));
        }

        await _clock.DriveAsync(calls, () => _rig.Wire.InFlight);
        return creates;
    }

    [TestCase(0)]
    [TestCase(30)]
    [TestCase(59)]
    public async Task Burst_ClientLimitEqualsCloudLimit_NoThrottlingUserAtAnyPhase(int secondsIntoTheMinute)
    {
        await Start(new DateTimeOffset(2026, 3, 1, 12, 0, secondsIntoTheMinute, TimeSpan.Zero), CloudLimit);

        await Burst(creates: 3 * CloudLimit, describes: 2 * CloudLimit);

        var counts = _rig.Simulator.Snapshot().CallCounts;
        Assert.That(counts["CreateNetworkInterface"].Throttled + counts["DescribeNetworkInterfaces"].Throttled, Is.Zero, "the client's limiter kept every minute under the cloud's limit");
        Assert.That(counts["CreateNetworkInterface"].Succeeded, Is.EqualTo(3 * CloudLimit));
        Assert.That(counts["DescribeNetworkInterfaces"].Succeeded, Is.EqualTo(2 * CloudLimit));
        Assert.That(_rig.CreatedEnis(), Has.Count.EqualTo(3 * CloudLimit));
    }

    [Test]
    public async Task Burst_ClientLimitAboveCloudLimit_ThrottledCallsAreRetriedAndAllSucceed()
    {
        await Start(new DateTimeOffset(2026, 3, 1, 12, 0, 20, TimeSpan.Zero), 10 * CloudLimit);

        await Burst(creates: 3 * CloudLimit, describes: 2 * CloudLimit);

        var counts = _rig.Simulator.Snapshot().CallCounts;
        Assert.That(counts["CreateNetworkInterface"].Throttled, Is.GreaterThan(0), "the cloud had to throttle");
        Assert.That(counts["CreateNetworkInterface"].Succeeded, Is.EqualTo(3 * CloudLimit));
        Assert.That(counts["DescribeNetworkInterfaces"].Succeeded, Is.EqualTo(2 * CloudLimit));
        Assert.That(_rig.CreatedEnis(), Has.Count.EqualTo(3 * CloudLimit), "retries of throttled creates made no extra ENI");
        Assert.That(_rig.Wire.Of("CreateNetworkInterface").Count(e => e.Status == 400), Is.EqualTo(counts["CreateNetworkInterface"].Throttled), "the client saw every throttled answer the simulator gave");
    }
}
