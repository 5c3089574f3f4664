using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.Cloud.Model;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>An authenticated call on its way to the model.</summary>
internal sealed record ApiRequest(CloudProduct Product, string Action, IReadOnlyDictionary<string, string> Parameters, string RequestId);

/// <summary>
/// The answer to a call: a success body, or an error; extra headers; and whether the connection
/// should be dropped instead of answered (a simulated lost request).
/// </summary>
internal sealed record ApiOutcome(JsonObject? Body, CloudErrorException? Error, IReadOnlyList<KeyValuePair<string, string>> Headers, bool Abort)
{
    public int Status => Error?.HttpStatus ?? 200;
}

/// <summary>
/// Runs one authenticated call through what the cloud applies before and after the operation
/// itself: per-API throttling, injected faults, ClientToken idempotency (replay, mismatch,
/// in-flight), per-resource conflicts, latency, then the handler against the model.
/// <paramref name="modelTouched"/> runs after every call that reached the model (reads included:
/// they apply due transitions), so watchers of the region learn that its state may have changed.
/// </summary>
internal sealed partial class ApiDispatcher(
    RegionModel model,
    KnobsHolder knobs,
    ApiThrottle throttle,
    FaultInjector faults,
    IdempotencyStore idempotency,
    TimeProvider time,
    string ownerId,
    ILogger logger,
    Action? modelTouched = null)
{
    private readonly Lock _busyGate = new();
    private readonly HashSet<string> _busy = new(StringComparer.Ordinal);

    public async Task<ApiOutcome> DispatchAsync(ApiRequest request, CancellationToken ct)
    {
        var headers = new List<KeyValuePair<string, string>>();
        var operation = ApiCatalog.Find(request.Product, request.Action);
        if (operation is null)
        {
            return Fail(CloudErrors.InvalidActionNotFound(), headers);
        }

        var current = knobs.Current;
        var api = current.For(request.Action);
        var admitted = throttle.TryAcquire(request.Action, ApiThrottle.LimitFor(request.Action, api), current.TimeScale, out var rateHeader);
        if (rateHeader is not null)
        {
            headers.Add(new("x-ratelimit-user-api", rateHeader));
        }

        if (!admitted)
        {
            return Fail(CloudErrors.ThrottlingUser(), headers);
        }

        var plan = faults.Decide(request.Action, api);
        if (plan.Kind == FaultKind.Error && !plan.Applies)
        {
            return Fail(new CloudErrorException(plan.Code, plan.HttpStatus, plan.Message), headers);
        }

        if (plan.Kind == FaultKind.Timeout && !plan.Applies)
        {
            // A request lost inside the cloud: nothing happens, no answer comes.
            await HoldAsync(plan.Hold, ct);
            return new ApiOutcome(null, null, headers, Abort: true);
        }

        var parameters = new ApiParameters(request.Parameters);
        string? token = null;
        string? fingerprint = null;
        if (operation.AcceptsClientToken && parameters.Get("ClientToken") is { } t)
        {
            if (t.Length > 64 || t.Any(c => c > 127))
            {
                return Fail(CloudErrors.InvalidParameter("ClientToken", "At most 64 ASCII characters."), headers);
            }

            token = t;
            fingerprint = parameters.Fingerprint();
            if (idempotency.TryGet(request.Action, token, out var storedFingerprint, out var storedBody))
            {
                if (storedFingerprint != fingerprint)
                {
                    return Fail(CloudErrors.IdempotentParameterMismatch(), headers);
                }

                var replay = JsonNode.Parse(storedBody)!.AsObject();
                replay["RequestId"] = request.RequestId;
                return await FinishAsync(new ApiOutcome(replay, null, headers, false), plan, ct);
            }

            if (!idempotency.TryBegin(request.Action, token))
            {
                return Fail(CloudErrors.LastTokenProcessing(), headers);
            }
        }

        var conflictKey = operation.ConflictKey?.Invoke(parameters);
        if (conflictKey is not null)
        {
            lock (_busyGate)
            {
                if (!_busy.Add(conflictKey))
                {
                    conflictKey = null;
                    if (token is not null)
                    {
                        idempotency.End(request.Action, token);
                    }

                    return Fail(CloudErrors.OperationConflictEni(), headers);
                }
            }
        }

        ApiOutcome outcome;
        try
        {
            var latency = knobs.Scale(api.Latency);
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, time, ct);
            }

            var body = new JsonObject { ["RequestId"] = request.RequestId };
            operation.Handler(new ApiCall(parameters, model, ownerId), body);
            if (token is not null)
            {
                idempotency.Store(request.Action, token, fingerprint!, body.ToJsonString());
            }

            outcome = new ApiOutcome(body, null, headers, false);
        }
        catch (CloudErrorException e)
        {
            outcome = Fail(e, headers);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHandlerFailure(logger, e, request.Action);
            outcome = Fail(CloudErrors.InternalError(), headers);
        }
        finally
        {
            modelTouched?.Invoke();
            if (token is not null)
            {
                idempotency.End(request.Action, token);
            }

            if (conflictKey is not null)
            {
                lock (_busyGate)
                {
                    _busy.Remove(conflictKey);
                }
            }
        }

        return outcome.Error is null ? await FinishAsync(outcome, plan, ct) : outcome;
    }

    /// <summary>Applies the "after the operation" faults: an error that hides a success, or a hold.</summary>
    private async Task<ApiOutcome> FinishAsync(ApiOutcome success, FaultPlan plan, CancellationToken ct)
    {
        if (plan.Kind == FaultKind.Error)
        {
            return success with { Body = null, Error = new CloudErrorException(plan.Code, plan.HttpStatus, plan.Message) };
        }

        if (plan.Kind == FaultKind.Timeout)
        {
            await HoldAsync(plan.Hold, ct);
        }

        return success;
    }

    private async Task HoldAsync(TimeSpan hold, CancellationToken ct)
    {
        if (hold > TimeSpan.Zero)
        {
            await Task.Delay(hold, time, ct);
        }
    }

    private static ApiOutcome Fail(CloudErrorException error, List<KeyValuePair<string, string>> headers) =>
        new(null, error, headers, false);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handler for {Action} failed unexpectedly")]
    private static partial void LogHandlerFailure(ILogger logger, Exception exception, string action);
}
