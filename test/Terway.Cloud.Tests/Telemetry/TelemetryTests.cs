using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Terway.Cloud.Ecs;
using Terway.Cloud.Telemetry;
using Terway.Cloud.Tests.Support;

namespace Terway.Cloud.Tests.Telemetry;

[TestFixture]
[NonParallelizable] // ActivityListener sees activities process-wide.
public sealed class TelemetryTests
{
    [Test]
    public async Task Call_SuccessAndFailure_RecordLatencyWithApiAndErrorTags()
    {
        var calls = 0;
        var handler = new FakeHandler(_ => ++calls == 1 ? FakeHandler.Error("Throttling", HttpStatusCode.BadRequest) : FakeHandler.Json("""{"RequestId":"R"}"""));
        using var client = Harness.Client(handler);
        var meter = client.Invoker.GetType().GetField("_telemetry", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(client.Invoker) as CloudTelemetry;
        var recorded = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter!.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (recorded)
            {
                recorded.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (recorded)
            {
                recorded.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        await client.Ecs.DeleteNetworkInterfaceAsync("eni-1");

        var latency = recorded.Where(r => r.Instrument == CloudTelemetryNames.OpenApiLatency).ToList();
        Assert.That(latency, Has.Count.EqualTo(2));
        Assert.That(latency.Select(l => l.Tags["api"]), Is.All.EqualTo("DeleteNetworkInterface"));
        Assert.That(latency.Select(l => l.Tags["error"]), Is.EqualTo(new[] { "Throttling", string.Empty }));
        Assert.That(latency.Select(l => l.Value), Is.All.GreaterThanOrEqualTo(0));
        var limiter = recorded.Where(r => r.Instrument == CloudTelemetryNames.RateLimiterLatency).ToList();
        Assert.That(limiter, Has.Count.EqualTo(2), "one limiter wait per attempt");
        Assert.That(limiter.Select(l => l.Tags["api"]), Is.All.EqualTo("DeleteNetworkInterface"));
        Assert.That(limiter.Select(l => l.Tags.ContainsKey("error")), Is.All.False);
        var retries = recorded.Where(r => r.Instrument == CloudTelemetryNames.Retries).ToList();
        Assert.That(retries.Single().Tags["error"], Is.EqualTo("Throttling"));
    }

    [Test]
    public async Task Call_RateLimited_RecordsTheWaitOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        using var meterFactory = new TestMeterFactory();
        using var client = AlibabaCloudClient.Create(
            Harness.Options(o => o.RateLimitsPerMinute["DeleteNetworkInterface"] = 1),
            Terway.Cloud.Credentials.CloudCredentialProviders.Static("id", "secret"),
            new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}""")),
            time,
            meterFactory: meterFactory);
        var waits = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meterFactory.Meters.Contains(instrument.Meter) && instrument.Name == CloudTelemetryNames.RateLimiterLatency)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => waits.Add(value));
        listener.Start();

        await client.Ecs.DeleteNetworkInterfaceAsync("eni-1");
        var second = client.Ecs.DeleteNetworkInterfaceAsync("eni-2");
        await Harness.RunWithFakeTime(time, second.ContinueWith(_ => true, TaskScheduler.Default), TimeSpan.FromSeconds(5));

        Assert.That(waits, Has.Count.EqualTo(2));
        Assert.That(waits[0], Is.Zero);
        Assert.That(waits[1], Is.InRange(60_000.0, 65_000.0));
    }

    [Test]
    public async Task Call_Traced_OneActivityPerCallWithRequestIdAndAttempts()
    {
        var stopped = new List<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CloudTelemetryNames.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);
        var calls = 0;
        var handler = new FakeHandler(_ => ++calls == 1 ? FakeHandler.Error("ServiceUnavailable", HttpStatusCode.ServiceUnavailable) : FakeHandler.Json("""{"RequestId":"REQ-OK","NetworkInterfaceSets":{"NetworkInterfaceSet":[]}}"""));
        using var client = Harness.Client(handler, o => o.RegionId = "cn-trace-test");

        await client.Ecs.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest());

        Activity activity;
        lock (stopped)
        {
            activity = stopped.Single(a => (string?)a.GetTagItem("cloud.region") == "cn-trace-test");
        }

        Assert.That(activity.OperationName, Is.EqualTo("DescribeNetworkInterfaces"));
        Assert.That(activity.Kind, Is.EqualTo(ActivityKind.Client));
        Assert.That(activity.GetTagItem("cloud.api"), Is.EqualTo("DescribeNetworkInterfaces"));
        Assert.That(activity.GetTagItem("cloud.request_id"), Is.EqualTo("REQ-OK"));
        Assert.That(activity.GetTagItem("cloud.attempt"), Is.EqualTo(2));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
