using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Crds.V1Beta1;
using Terway.Kube.Controllers;
using Terway.Operator.Controllers.Node;
using Terway.Operator.Controllers.Shared;

namespace Terway.Operator.Controllers.Gc;

/// <summary>
/// The leaked-ENI garbage collector: a leader-only loop that every <c>gcPeriod</c> lists the ENIs tagged as
/// this cluster's and the operator's and detaches or deletes the ones nothing references, by the rules of
/// <see cref="GcPlanner"/>. Counts <c>leaked_enis_deleted_total</c> and <c>gc_count_total</c>. PodENIs whose pods
/// are gone are released by the PodENI controller by their own policy; nodes that are gone by the node controller.
/// </summary>
internal sealed partial class GarbageCollector(OperatorContext ctx) : IController
{
    private readonly ILogger _logger = ctx.LoggerFactory.CreateLogger<GarbageCollector>();
    private IReadOnlySet<string> _unreferencedLastSweep = new HashSet<string>(StringComparer.Ordinal);
    private int _running;

    public string Name => "eni-gc";

    public bool NeedLeaderElection => true;

    public bool IsRunning => Volatile.Read(ref _running) == 1;

    /// <summary>Sweeps done by this process (for tests and logs).</summary>
    public long Sweeps { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _running, 1);
        try
        {
            // Leadership may have moved: what an earlier term saw unreferenced is not evidence any more.
            _unreferencedLastSweep = new HashSet<string>(StringComparer.Ordinal);
            while (!(ctx.PodEnis.HasSynced && ctx.NodeCrs.HasSynced))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ctx.Time, cancellationToken);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await SweepAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is CloudApiException or Terway.Kube.Client.KubeApiException or HttpRequestException)
                {
                    LogSweepFailed(ex);
                }

                await Task.Delay(ctx.Options.GcPeriod, ctx.Time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Leadership lost or shutdown.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>One sweep.</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var owned = await ctx.Enis.ListOwnedAsync(cancellationToken);
        var references = References();
        var plan = GcPlanner.Plan(owned, references, _unreferencedLastSweep, ctx.Time.GetUtcNow(), ctx.Options.GcMinAge, ctx.Options.GcMaxPerSweep);
        _unreferencedLastSweep = plan.Unreferenced;
        Sweeps++;
        var nodesByInstance = ctx.NodeCrs.List()
            .Where(n => !string.IsNullOrEmpty(n.Spec.NodeMetadata?.InstanceId))
            .GroupBy(n => n.Spec.NodeMetadata!.InstanceId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Metadata.Name, StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            var node = step.Eni.InstanceId is { } instance && nodesByInstance.TryGetValue(instance, out var n) ? n : "";
            try
            {
                if (step.Action == GcAction.Detach)
                {
                    await ctx.Enis.DetachAsync(step.Eni.InstanceId!, step.Eni.Id, step.Eni.TrunkId, cancellationToken);
                    LogDetached(step.Eni.Id, step.Eni.InstanceId!);
                }
                else
                {
                    await ctx.Enis.DeleteAsync(step.Eni.Id, cancellationToken);
                    ctx.Metrics.LeakedEnisDeleted.Add(1);
                    LogDeleted(step.Eni.Id);
                }

                ctx.Metrics.GcCount.Add(1, new KeyValuePair<string, object?>("node", node));
            }
            catch (CloudApiException ex) when (!ex.IsRetryable)
            {
                // The ENI changed state (or a trunk still has members); the next sweep looks again.
                LogStepFailed(step.Eni.Id, step.Action.ToString(), ex.Code);
            }
        }

        if (owned.Count > 0 || plan.Steps.Count > 0)
        {
            LogSweep(owned.Count, plan.Unreferenced.Count, plan.Steps.Count);
        }
    }

    private GcReferences References()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var busyPodEnis = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pe in ctx.PodEnis.List())
        {
            var allocations = pe.Spec.Allocations ?? [];
            foreach (var a in allocations)
            {
                if (!string.IsNullOrEmpty(a.Eni?.Id))
                {
                    ids.Add(a.Eni.Id);
                }
            }

            if (pe.Status?.Phase is null or PodEniPhases.Initial or PodEniPhases.Binding || allocations.Any(a => string.IsNullOrEmpty(a.Eni?.Id)))
            {
                busyPodEnis.Add($"{pe.Metadata.NamespaceProperty}/{pe.Metadata.Name}");
            }
        }

        var busyNodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cr in ctx.NodeCrs.List())
        {
            foreach (var id in cr.Status?.NetworkInterfaces?.Keys ?? [])
            {
                ids.Add(id);
            }

            if (NodeInfo.RecordedTrunk(cr) is null && cr.Metadata.DeletionTimestamp is null)
            {
                busyNodes.Add(cr.Metadata.Name);
            }
        }

        return new GcReferences(ids, busyPodEnis, busyNodes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ENI GC: {Owned} owned ENIs, {Unreferenced} unreferenced, {Acted} acted on")]
    private partial void LogSweep(int owned, int unreferenced, int acted);

    [LoggerMessage(Level = LogLevel.Information, Message = "ENI GC: detached leaked ENI {Eni} from {Instance}")]
    private partial void LogDetached(string eni, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "ENI GC: deleted leaked ENI {Eni}")]
    private partial void LogDeleted(string eni);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ENI GC: {Action} of {Eni} failed ({Code}); retried next sweep")]
    private partial void LogStepFailed(string eni, string action, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ENI GC sweep failed; retried next period")]
    private partial void LogSweepFailed(Exception exception);
}
