using System.Text.Json.Nodes;
using Terway.Sandbox.Cloud.Api;

namespace Terway.Sandbox.Tests.Cloud.Support;

/// <summary>Calls operations through the dispatcher (no HTTP, no signing).</summary>
internal sealed class ApiHarness
{
    private int _requests;

    public ApiHarness(ModelHarness model)
    {
        Model = model;
        Dispatcher = model.Dispatcher(out var faults);
        Faults = faults;
    }

    public ModelHarness Model { get; }

    public ApiDispatcher Dispatcher { get; }

    public FaultInjector Faults { get; }

    public static ApiHarness Create(Action<Terway.Sandbox.Cloud.RegionSimulatorOptions>? configure = null) =>
        new(ModelHarness.CreateExtended(o =>
        {
            o.Knobs.Durations = Terway.Sandbox.Cloud.AsyncDurations.Instant;
            configure?.Invoke(o);
        }));

    public Task<ApiOutcome> CallAsync(string action, params (string Name, string Value)[] parameters) =>
        CallAsync(action, CancellationToken.None, parameters);

    public Task<ApiOutcome> CallAsync(string action, CancellationToken ct, params (string Name, string Value)[] parameters)
    {
        var product = ApiCatalog.All.FirstOrDefault(o => o.Action == action)?.Product ?? CloudProduct.Ecs;
        var p = new Dictionary<string, string>(StringComparer.Ordinal) { ["RegionId"] = Ids.Region };
        foreach (var (n, v) in parameters)
        {
            if (v is null)
            {
                p.Remove(n);
            }
            else
            {
                p[n] = v;
            }
        }

        return Dispatcher.DispatchAsync(new ApiRequest(product, action, p, $"REQ-{Interlocked.Increment(ref _requests)}"), ct);
    }

    /// <summary>Calls and requires success; returns the body.</summary>
    public async Task<JsonObject> OkAsync(string action, params (string Name, string Value)[] parameters)
    {
        var outcome = await CallAsync(action, parameters);
        Assert.That(outcome.Error, Is.Null, () => $"{action} failed: {outcome.Error?.Code} {outcome.Error?.Message}");
        return outcome.Body!;
    }

    /// <summary>Calls and requires the error code (and status).</summary>
    public async Task<ApiOutcome> FailsAsync(string code, int status, string action, params (string Name, string Value)[] parameters)
    {
        var outcome = await CallAsync(action, parameters);
        Assert.That(outcome.Error?.Code, Is.EqualTo(code), () => $"{action}: {outcome.Error?.Message ?? outcome.Body?.ToJsonString()}");
        Assert.That(outcome.Status, Is.EqualTo(status), $"HTTP status of {code}");
        return outcome;
    }

    public async Task<string> CreateEniAsync(params (string Name, string Value)[] extra)
    {
        var p = new List<(string, string)> { ("VSwitchId", Ids.VSwitchH), ("SecurityGroupId", Ids.SgPods) };
        p.AddRange(extra);
        var body = await OkAsync("CreateNetworkInterface", [.. p]);
        return body["NetworkInterfaceId"]!.GetValue<string>();
    }
}
