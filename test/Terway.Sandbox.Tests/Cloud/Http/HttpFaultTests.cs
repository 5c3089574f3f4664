using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Http;

/// <summary>Knobs seen over HTTP: throttling headers, injected errors, latency, timeouts, and a fake clock.</summary>
[TestFixture]
public sealed class HttpFaultTests
{
    private static async Task<(RegionSimulator Sim, SimClient Client, HttpClient Http)> StartAsync(
        Action<RegionSimulatorOptions>? configure = null, TimeSpan? clientTimeout = null)
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.Knobs.WithInstantTransitions();
        configure?.Invoke(options);
        var sim = await RegionSimulator.StartAsync(options);
        var http = new HttpClient { Timeout = clientTimeout ?? TimeSpan.FromSeconds(30) };
        var key = sim.DefaultCredential;
        return (sim, new SimClient(http, sim.Endpoint, key.AccessKeyId, key.AccessKeySecret, sim.TimeProvider), http);
    }

    private static async Task<T> PollAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan deadline)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var value = read();
            if (done(value) || sw.Elapsed > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }

    [Test]
    public async Task Throttling_AnswersThrottlingUserWithRateLimitHeader()
    {
        var (sim, client, http) = await StartAsync(o => o.Knobs.Api("DescribeVSwitches").RateLimitPerMinute = 2);
        await using var _ = sim;
        using var __ = http;
        Assert.That((await client.VpcAsync("DescribeVSwitches")).Status, Is.EqualTo(HttpStatusCode.OK));
        var second = await client.VpcAsync("DescribeVSwitches");
        Assert.That(second.Headers.GetValues("x-ratelimit-user-api").Single(), Does.StartWith("Limit:2,Remain:0,"));
        var third = await client.VpcAsync("DescribeVSwitches");
        Assert.That((third.Status, third.Code), Is.EqualTo((HttpStatusCode.BadRequest, "Throttling.User")));
        Assert.That(third.Headers.GetValues("x-ratelimit-user-api").Single(), Does.Match(@"^Limit:2,Remain:0,TimeLeft:\d+,Reset:\d+$"));
        Assert.That(sim.Snapshot().CallCounts["DescribeVSwitches"], Is.EqualTo(new ApiCallStats(3, 2, 1, 1)));
    }

    [Test]
    public async Task InjectedError_IsAnsweredWithItsStatus()
    {
        var (sim, client, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        sim.InjectError("DescribeVSwitches", "ServiceUnavailable");
        var r = await client.VpcAsync("DescribeVSwitches");
        Assert.That((r.Status, r.Code), Is.EqualTo((HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")));
        sim.ConfigureKnobs(k => { k.Api("DescribeVSwitches").ErrorRate = 1; k.Api("DescribeVSwitches").ErrorCode = "InternalError"; });
        var r2 = await client.VpcAsync("DescribeVSwitches");
        Assert.That((r2.Status, r2.Code), Is.EqualTo((HttpStatusCode.InternalServerError, "InternalError")));
        Assert.That(() => sim.ConfigureKnobs(k => k.Api("X").ErrorRate = 2), Throws.ArgumentException);
        Assert.That(sim.Knobs.Api("DescribeVSwitches").ErrorRate, Is.EqualTo(1), "an invalid change leaves the knobs alone");
    }

    [Test]
    public async Task Latency_DelaysTheAnswer()
    {
        var (sim, client, http) = await StartAsync(o => o.Knobs.Api("DescribeVSwitches").Latency = TimeSpan.FromMilliseconds(300));
        await using var _ = sim;
        using var __ = http;
        var sw = Stopwatch.StartNew();
        var r = await client.VpcAsync("DescribeVSwitches");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(sw.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290)));
    }

    [Test]
    public async Task Timeout_ClientGivesUpButTheEniExists()
    {
        var (sim, client, http) = await StartAsync(clientTimeout: TimeSpan.FromMilliseconds(500));
        await using var _ = sim;
        using var __ = http;
        sim.InjectTimeout("CreateNetworkInterface", TimeSpan.FromMinutes(10));
        var before = sim.Snapshot().NetworkInterfaces.Count;
        Assert.That(async () => await client.EcsAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods)),
            Throws.InstanceOf<TaskCanceledException>());
        Assert.That(sim.Snapshot().NetworkInterfaces, Has.Count.EqualTo(before + 1), "the request took effect");
        var logged = await PollAsync(() => sim.Snapshot().Calls.Where(c => c.Action == "CreateNetworkInterface").ToList(),
            calls => calls.Any(c => c.HttpStatus == 499), TimeSpan.FromSeconds(10));
        Assert.That(logged.Select(c => c.HttpStatus), Does.Contain(499), "the abandoned request is logged once the client is gone");
    }

    [Test]
    public async Task Timeout_WithoutEffect_DropsTheConnection()
    {
        var (sim, client, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        sim.InjectTimeout("CreateNetworkInterface", TimeSpan.FromMilliseconds(200), afterApply: false);
        var before = sim.Snapshot().NetworkInterfaces.Count;
        Assert.That(async () => await client.EcsAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods)),
            Throws.InstanceOf<HttpRequestException>());
        Assert.That(sim.Snapshot().NetworkInterfaces, Has.Count.EqualTo(before));
    }

    [Test]
    public async Task Dispose_ReleasesHeldRequests()
    {
        var (sim, client, http) = await StartAsync();
        using var __ = http;
        sim.InjectTimeout("DescribeVSwitches", TimeSpan.FromHours(1));
        var pending = client.VpcAsync("DescribeVSwitches");
        await PollAsync(() => sim.Snapshot().CountOf("DescribeVSwitches"), _ => true, TimeSpan.Zero);
        await Task.Delay(100);
        var sw = Stopwatch.StartNew();
        await sim.DisposeAsync();
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)));
        Assert.That(async () => await pending, Throws.Exception);
    }

    [Test]
    public async Task FakeClock_DrivesSigningWindowAndTransitions()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var (sim, client, http) = await StartAsync(o =>
        {
            o.TimeProvider = time;
            o.Knobs.Durations = new AsyncDurations { Attach = TimeSpan.FromSeconds(3) };
        });
        await using var _ = sim;
        using var __ = http;
        var eni = (await client.EcsAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods)))["NetworkInterfaceId"].GetValue<string>();
        await client.EcsAsync("AttachNetworkInterface", ("InstanceId", Ids.Node1), ("NetworkInterfaceId", eni));
        async Task<string> Status() =>
            (await client.EcsAsync("DescribeNetworkInterfaces", ("NetworkInterfaceId.1", eni)))["NetworkInterfaceSets"]["NetworkInterfaceSet"]![0]!["Status"]!.GetValue<string>();
        Assert.That(await Status(), Is.EqualTo("Attaching"));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.That(await Status(), Is.EqualTo("InUse"));
        Assert.That(sim.Snapshot().Time, Is.EqualTo(time.GetUtcNow()));

        // A client whose clock is 20 minutes behind the simulator's is refused.
        var skewed = new SimClient(http, sim.Endpoint, "testid", "testsecret", new FakeTimeProvider(time.GetUtcNow() - TimeSpan.FromMinutes(20)));
        Assert.That((await skewed.VpcAsync("DescribeVSwitches")).Code, Is.EqualTo("InvalidTimeStamp.Expired"));
    }

    [Test]
    public async Task Mutators_ChangeWhatTheApiSees()
    {
        var (sim, client, http) = await StartAsync();
        await using var _ = sim;
        using var __ = http;
        sim.AddVSwitch(new VSwitchDefinition { VSwitchId = "vsw-extra", ZoneId = "cn-hangzhou-j", CidrBlock = "192.168.64.0/24" });
        sim.AddInstance(new InstanceDefinition { InstanceId = "i-extra", InstanceType = "ecs.g6.16xlarge", ZoneId = "cn-hangzhou-j", VSwitchId = "vsw-extra" });
        sim.ReserveAddresses("vsw-extra", 250);
        var vsw = await client.VpcAsync("DescribeVSwitches", ("VSwitchId", "vsw-extra"));
        Assert.That(vsw["VSwitches"]["VSwitch"]![0]!["AvailableIpAddressCount"]!.GetValue<long>(), Is.EqualTo(1)); // 252 − primary − 250

        var eni = (await client.EcsAsync("CreateNetworkInterface", ("VSwitchId", "vsw-extra"), ("SecurityGroupId", Ids.SgPods)))["NetworkInterfaceId"].GetValue<string>();
        var full = await client.EcsAsync("CreateNetworkInterface", ("VSwitchId", "vsw-extra"), ("SecurityGroupId", Ids.SgPods));
        Assert.That((full.Status, full.Code), Is.EqualTo((HttpStatusCode.Forbidden, "InvalidVSwitchId.IpNotEnough")));

        await client.EcsAsync("AttachNetworkInterface", ("InstanceId", "i-extra"), ("NetworkInterfaceId", eni));
        sim.DetachOutOfBand(eni);
        Assert.That(sim.Snapshot().FindEni(eni)!.Status, Is.EqualTo(EniStatus.Available));

        sim.SetInstanceStatus("i-extra", "Stopping");
        var refused = await client.EcsAsync("AttachNetworkInterface", ("InstanceId", "i-extra"), ("NetworkInterfaceId", eni));
        Assert.That(refused.Code, Is.EqualTo("InvalidOperation.InvalidEcsState"));

        sim.AddAccessKey(new AccessKeyDefinition { AccessKeyId = "rotated", AccessKeySecret = "new-secret" });
        var rotated = new SimClient(http, sim.Endpoint, "rotated", "new-secret", TimeProvider.System);
        Assert.That((await rotated.VpcAsync("DescribeVSwitches")).Status, Is.EqualTo(HttpStatusCode.OK));
        sim.RemoveAccessKey("rotated");
        Assert.That((await rotated.VpcAsync("DescribeVSwitches")).Code, Is.EqualTo("InvalidAccessKeyId.NotFound"));
    }
}
