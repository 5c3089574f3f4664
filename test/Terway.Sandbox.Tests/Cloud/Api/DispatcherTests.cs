using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Api;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Api;

/// <summary>Idempotency, throttling, faults, conflicts and latency, checked without HTTP.</summary>
[TestFixture]
public sealed class DispatcherTests
{
    private static int EniCount(ApiHarness h) => h.Model.Model.QueryNetworkInterfaces(new(), 0, 10_000).Items.Count;

    [Test]
    public async Task ClientToken_SameParameters_ReturnsTheSameEni()
    {
        var h = ApiHarness.Create();
        var before = EniCount(h);
        var first = await h.CreateEniAsync(("ClientToken", "tok-1"), ("SecondaryPrivateIpAddressCount", "2"));
        var second = await h.OkAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods),
            ("ClientToken", "tok-1"), ("SecondaryPrivateIpAddressCount", "2"));
        Assert.That(second["NetworkInterfaceId"]!.GetValue<string>(), Is.EqualTo(first));
        Assert.That(second["RequestId"]!.GetValue<string>(), Is.Not.EqualTo("REQ-1"), "a replay gets its own RequestId");
        Assert.That(EniCount(h), Is.EqualTo(before + 1));
    }

    [Test]
    public async Task ClientToken_DifferentParameters_IsIdempotentParameterMismatch()
    {
        var h = ApiHarness.Create();
        await h.CreateEniAsync(("ClientToken", "tok-2"));
        await h.FailsAsync("IdempotentParameterMismatch", 400, "CreateNetworkInterface",
            ("VSwitchId", Ids.VSwitchI), ("SecurityGroupId", Ids.SgPods), ("ClientToken", "tok-2"));
    }

    [Test]
    public async Task ClientToken_AfterAFailure_CanBeRetried()
    {
        var h = ApiHarness.Create();
        var reserved = h.Model.Model.ReserveAddresses(Ids.TinyVSwitch, 4);
        var p = new[] { ("VSwitchId", Ids.TinyVSwitch), ("SecurityGroupId", Ids.SgPods), ("ClientToken", "tok-3") };
        await h.FailsAsync("InvalidVSwitchId.IpNotEnough", 403, "CreateNetworkInterface", p);
        h.Model.Model.ReleaseReservedAddresses(Ids.TinyVSwitch, reserved);
        var ok = await h.OkAsync("CreateNetworkInterface", p);
        Assert.That(ok["NetworkInterfaceId"], Is.Not.Null);
    }

    [Test]
    public async Task ClientToken_ErrorAfterApply_RetryReturnsTheCreatedEni()
    {
        var h = ApiHarness.Create();
        h.Faults.Enqueue("CreateNetworkInterface", new ScriptedFault("InternalError", null, Applies: true, TimeSpan.Zero), 1);
        var before = EniCount(h);
        var p = new[] { ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods), ("ClientToken", "tok-4") };
        await h.FailsAsync("InternalError", 500, "CreateNetworkInterface", p);
        Assert.That(EniCount(h), Is.EqualTo(before + 1), "the lost success still created the ENI");
        await h.OkAsync("CreateNetworkInterface", p);
        Assert.That(EniCount(h), Is.EqualTo(before + 1), "the retry with the same token did not create another");
    }

    [Test]
    public async Task ClientToken_WhileTheFirstRequestIsInFlight_IsLastTokenProcessing()
    {
        var h = ApiHarness.Create(o => o.Knobs.Api("CreateNetworkInterface").Latency = TimeSpan.FromSeconds(1));
        var p = new[] { ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods), ("ClientToken", "tok-5") };
        var first = h.CallAsync("CreateNetworkInterface", p);
        Assert.That(first.IsCompleted, Is.False, "held by latency");
        await h.FailsAsync("LastTokenProcessing", 403, "CreateNetworkInterface", p);
        h.Model.Time.Advance(TimeSpan.FromSeconds(1));
        var done = await first;
        Assert.That(done.Error, Is.Null);
    }

    [Test]
    public async Task ClientToken_TooLong_IsInvalidParameter()
    {
        var h = ApiHarness.Create();
        await h.FailsAsync("InvalidParameter", 400, "CreateNetworkInterface",
            ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods), ("ClientToken", new string('x', 65)));
    }

    [Test]
    public async Task AssignPrivateIps_ConcurrentOnOneEni_IsOperationConflict()
    {
        var h = ApiHarness.Create(o => o.Knobs.Api("AssignPrivateIpAddresses").Latency = TimeSpan.FromMilliseconds(500));
        var eni = await h.CreateEniAsync();
        var other = await h.CreateEniAsync();
        var first = h.CallAsync("AssignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("SecondaryPrivateIpAddressCount", "2"));
        await h.FailsAsync("Operation.Conflict", 403, "AssignPrivateIpAddresses", ("NetworkInterfaceId", eni), ("SecondaryPrivateIpAddressCount", "1"));
        var parallel = h.CallAsync("AssignPrivateIpAddresses", ("NetworkInterfaceId", other), ("SecondaryPrivateIpAddressCount", "1"));
        h.Model.Time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.That((await first).Error, Is.Null);
        Assert.That((await parallel).Error, Is.Null, "another ENI is not blocked");
        await h.OkAsync("UnassignPrivateIpAddresses", ("NetworkInterfaceId", eni),
            ("PrivateIpAddress.1", h.Model.Eni(eni).PrivateIpAddresses[1]));
    }

    [Test]
    public async Task Latency_IsScaledByTimeScale()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.TimeScale = 4;
            o.Knobs.Api("DescribeVSwitches").Latency = TimeSpan.FromSeconds(2);
        });
        var call = h.CallAsync("DescribeVSwitches");
        h.Model.Time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.That(call.IsCompleted, Is.False);
        h.Model.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That((await call).Error, Is.Null);
    }

    [Test]
    public async Task Throttling_OverThePerMinuteLimit_IsThrottlingUserUntilTheNextWindow()
    {
        var h = ApiHarness.Create(o => o.Knobs.Api("DescribeVSwitches").RateLimitPerMinute = 3);
        for (var i = 0; i < 3; i++)
        {
            var ok = await h.CallAsync("DescribeVSwitches");
            Assert.That(ok.Error, Is.Null);
            Assert.That(ok.Headers.Single(x => x.Key == "x-ratelimit-user-api").Value, Does.StartWith($"Limit:3,Remain:{2 - i},TimeLeft:"));
        }

        var throttled = await h.FailsAsync("Throttling.User", 400, "DescribeVSwitches");
        Assert.That(throttled.Error!.Message, Is.EqualTo("Request was denied due to user flow control."));
        var header = throttled.Headers.Single(x => x.Key == "x-ratelimit-user-api").Value;
        Assert.That(header, Does.Match(@"^Limit:3,Remain:0,TimeLeft:60000,Reset:\d+$"));
        await h.OkAsync("DescribeNetworkInterfaces"); // APIs are counted independently
        h.Model.Time.Advance(TimeSpan.FromMinutes(1));
        await h.OkAsync("DescribeVSwitches");
    }

    [Test]
    public async Task Throttling_DefaultsAreTerwaysPerApiFigures()
    {
        var h = ApiHarness.Create();
        for (var i = 0; i < 300; i++)
        {
            Assert.That((await h.CallAsync("DescribeVSwitches")).Error, Is.Null);
        }

        await h.FailsAsync("Throttling.User", 400, "DescribeVSwitches");
        Assert.That(ApiThrottle.LimitFor("DescribeNetworkInterfaces", ApiKnobs.Default), Is.EqualTo(800));
        Assert.That(ApiThrottle.LimitFor("CreateRouteEntry", ApiKnobs.Default), Is.EqualTo(500));
    }

    [Test]
    public async Task Throttling_WindowShrinksWithTimeScale()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.TimeScale = 10;
            o.Knobs.Api(SimulatorKnobs.AnyApi).RateLimitPerMinute = 1;
        });
        await h.OkAsync("DescribeInstances");
        await h.FailsAsync("Throttling.User", 400, "DescribeInstances");
        h.Model.Time.Advance(TimeSpan.FromSeconds(6));
        await h.OkAsync("DescribeInstances");
    }

    [Test]
    public async Task Throttling_ZeroMeansUnlimited()
    {
        var h = ApiHarness.Create(o => o.Knobs.WithoutThrottling());
        for (var i = 0; i < 400; i++)
        {
            var r = await h.CallAsync("DescribeVSwitches");
            Assert.That(r.Error, Is.Null);
            Assert.That(r.Headers, Is.Empty);
        }
    }

    [Test]
    public async Task ErrorRate_One_FailsEveryCallWithTheCodeAndItsStatus()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.Api("CreateNetworkInterface").ErrorRate = 1;
            o.Knobs.Api("CreateNetworkInterface").ErrorCode = "InternalError";
        });
        var before = EniCount(h);
        await h.FailsAsync("InternalError", 500, "CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods));
        Assert.That(EniCount(h), Is.EqualTo(before), "an injected error does not apply by default");
        await h.OkAsync("DescribeVSwitches");
    }

    [Test]
    public async Task ErrorRate_Half_FailsAboutHalfTheCalls()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.Api("DescribeVSwitches").ErrorRate = 0.5;
            o.Knobs.Api("DescribeVSwitches").ErrorCode = "ServiceUnavailable";
            o.Knobs.Api("DescribeVSwitches").RateLimitPerMinute = 0;
        });
        var failures = 0;
        for (var i = 0; i < 200; i++)
        {
            var r = await h.CallAsync("DescribeVSwitches");
            if (r.Error is not null)
            {
                Assert.That((r.Error.Code, r.Status), Is.EqualTo(("ServiceUnavailable", 503)));
                failures++;
            }
        }

        Assert.That(failures, Is.InRange(70, 130));
    }

    [Test]
    public async Task ErrorKnob_ExplicitStatus_IsUsed()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.Api("DescribeVSwitches").ErrorRate = 1;
            o.Knobs.Api("DescribeVSwitches").ErrorCode = "Throttling";
            o.Knobs.Api("DescribeVSwitches").ErrorHttpStatus = 429;
        });
        await h.FailsAsync("Throttling", 429, "DescribeVSwitches");
    }

    [Test]
    public async Task ScriptedErrors_FailExactlyTheNextCalls()
    {
        var h = ApiHarness.Create();
        h.Faults.Enqueue("DescribeVSwitches", new ScriptedFault("Throttling", null, false, TimeSpan.Zero), 2);
        await h.FailsAsync("Throttling", 400, "DescribeVSwitches");
        await h.FailsAsync("Throttling", 400, "DescribeVSwitches");
        await h.OkAsync("DescribeVSwitches");
    }

    [Test]
    public async Task Timeout_WithoutEffect_HoldsThenAbortsAndChangesNothing()
    {
        var h = ApiHarness.Create();
        h.Faults.Enqueue("CreateNetworkInterface", new ScriptedFault(null, null, Applies: false, TimeSpan.FromSeconds(30)), 1);
        var before = EniCount(h);
        var call = h.CallAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods));
        h.Model.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.That(call.IsCompleted, Is.False);
        h.Model.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await call;
        Assert.That(outcome.Abort, Is.True);
        Assert.That(EniCount(h), Is.EqualTo(before));
    }

    [Test]
    public async Task Timeout_WithEffect_AppliesAtOnceAndAnswersAfterTheHold()
    {
        var h = ApiHarness.Create(o =>
        {
            o.Knobs.Api("CreateNetworkInterface").TimeoutRate = 1;
            o.Knobs.Api("CreateNetworkInterface").TimeoutHold = TimeSpan.FromSeconds(30);
        });
        var before = EniCount(h);
        var call = h.CallAsync("CreateNetworkInterface", ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods));
        Assert.That(EniCount(h), Is.EqualTo(before + 1), "the operation happened while the answer is held");
        Assert.That(call.IsCompleted, Is.False);
        h.Model.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.That((await call).Error, Is.Null);
    }

    [Test]
    public async Task Timeout_ClientGone_CancelsTheHold()
    {
        var h = ApiHarness.Create();
        h.Faults.Enqueue("DescribeVSwitches", new ScriptedFault(null, null, true, TimeSpan.FromHours(1)), 1);
        using var cts = new CancellationTokenSource();
        var call = h.CallAsync("DescribeVSwitches", cts.Token);
        await cts.CancelAsync();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task UnknownAction_IsInvalidActionNotFound()
    {
        var h = ApiHarness.Create();
        await h.FailsAsync("InvalidAction.NotFound", 404, "RunInstances");
    }

    [Test]
    public async Task RegionId_MissingOrForeign_IsRejected()
    {
        var h = ApiHarness.Create();
        await h.FailsAsync("MissingParameter", 400, "DescribeNetworkInterfaces", ("RegionId", null!));
        await h.FailsAsync("InvalidRegionId.NotFound", 404, "DescribeNetworkInterfaces", ("RegionId", "cn-beijing"));
        await h.FailsAsync("MissingParameter", 400, "DescribeVSwitches", ("RegionId", null!));
        await h.OkAsync("DescribeVSwitches", ("RegionId", null!), ("VpcId", Ids.Vpc));
    }

    [Test]
    public async Task UnexpectedHandlerFailure_IsInternalError()
    {
        var h = ApiHarness.Create();
        // A bug inside a handler (simulated by a parameter source that throws) must not escape as a crash.
        var outcome = await h.Dispatcher.DispatchAsync(
            new ApiRequest(CloudProduct.Ecs, "DescribeNetworkInterfaces", new ThrowingParameters(), "REQ-X"), CancellationToken.None);
        Assert.That((outcome.Error?.Code, outcome.Status), Is.EqualTo(("InternalError", 500)));
    }

    /// <summary>A parameter source that fails like a bug would.</summary>
    private sealed class ThrowingParameters : Dictionary<string, string>, IReadOnlyDictionary<string, string>
    {
        bool IReadOnlyDictionary<string, string>.TryGetValue(string key, out string value) =>
            throw new InvalidOperationException("boom");
    }

    [Test]
    public async Task Replay_KeepsTheOriginalBodyShape()
    {
        var h = ApiHarness.Create();
        var p = new[] { ("NetworkInterfaceId", await h.CreateEniAsync()), ("SecondaryPrivateIpAddressCount", "2"), ("ClientToken", "tok-9") };
        var first = await h.OkAsync("AssignPrivateIpAddresses", p);
        var again = await h.OkAsync("AssignPrivateIpAddresses", p);
        Assert.That(again["AssignedPrivateIpAddressesSet"]!.ToJsonString(), Is.EqualTo(first["AssignedPrivateIpAddressesSet"]!.ToJsonString()));
        Assert.That(JsonNode.DeepEquals(first["AssignedPrivateIpAddressesSet"], again["AssignedPrivateIpAddressesSet"]), Is.True);
    }
}
