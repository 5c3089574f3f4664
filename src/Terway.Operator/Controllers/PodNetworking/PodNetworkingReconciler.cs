using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Validation;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Status;
using Terway.Operator.Cloud;
using Terway.Operator.Controllers.Shared;

namespace Terway.Operator.Controllers.PodNetworking;

/// <summary>The result of checking a PodNetworking against the cloud.</summary>
/// <param name="Ready">Usable.</param>
/// <param name="Reason">The condition reason.</param>
/// <param name="Message">For people: what is wrong, or what was resolved.</param>
/// <param name="VSwitches">The resolved vSwitches (Ready only).</param>
/// <param name="Retryable">A failure that waiting can fix (throttling, a transient error).</param>
internal sealed record NetworkingVerdict(bool Ready, string Reason, string Message, IReadOnlyList<VSwitch> VSwitches, bool Retryable = false);

/// <summary>
/// Terway's <c>pod-networking</c> controller: resolves <c>vSwitchOptions</c> into <c>status.vSwitches[{id, zone}]</c>,
/// checks that the vSwitches are in the cluster's VPC and the security groups exist there, and writes
/// <c>status.status</c> Ready/Fail with <c>message</c>, <c>updateAt</c>, the Ready condition with a typed reason and
/// <c>observedGeneration</c>, plus <c>SyncPodNetworkingSucceed/Failed</c> events. A Ready PodNetworking whose
/// generation and vSwitch list were already seen costs nothing.
/// </summary>
internal sealed partial class PodNetworkingReconciler(OperatorContext ctx) : IReconciler<V1Beta1PodNetworking>
{
    // Terway re-checks a failed PodNetworking every 30 s (a vSwitch may be created later).
    private static readonly TimeSpan FailRequeue = TimeSpan.FromSeconds(30);
    private readonly ILogger _logger = ctx.LoggerFactory.CreateLogger<PodNetworkingReconciler>();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pn = ctx.PodNetworkings.Get(key);
        if (pn is null || pn.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        if (IsUpToDate(pn))
        {
            return ReconcileResult.Done;
        }

        var verdict = await JudgeAsync(pn, cancellationToken);
        var now = ctx.UtcNow;
        await ctx.Client.UpdateStatusAsync<V1Beta1PodNetworking>(key, p =>
        {
            var status = p.Status ??= new PodNetworkingStatus();
            var before = k8s.KubernetesJson.Serialize(status);
            status.Status = verdict.Ready ? NetworkingStatuses.Ready : NetworkingStatuses.Fail;
            status.Message = verdict.Ready ? null : verdict.Message;
            status.VSwitches = verdict.Ready ? [.. verdict.VSwitches] : status.VSwitches;
            _ = verdict.Ready
                ? StatusConditions.MarkReady(status, p.Metadata.Generation, verdict.Reason, verdict.Message, now)
                : verdict.Retryable
                    ? StatusConditions.MarkReconciling(status, p.Metadata.Generation, verdict.Reason, verdict.Message, now)
                    : StatusConditions.MarkStalled(status, p.Metadata.Generation, verdict.Reason, verdict.Message, now);
            if (before == k8s.KubernetesJson.Serialize(status))
            {
                return false;
            }

            status.UpdateAt = now;
            return true;
        }, pn, cancellationToken: cancellationToken);

        if (verdict.Ready)
        {
            ctx.Events.Publish(pn, EventTypes.Normal, EventReasons.SyncPodNetworkingSucceed, "Sync", verdict.Message);
            LogReady(key.Name, verdict.Message);
            return ReconcileResult.Done;
        }

        ctx.Events.Publish(pn, EventTypes.Warning, EventReasons.SyncPodNetworkingFailed, "Sync", verdict.Message);
        LogFailed(key.Name, verdict.Reason, verdict.Message);
        return ReconcileResult.RequeueAfter(FailRequeue);
    }

    /// <summary>Ready for this generation and the same vSwitch list (Terway re-syncs only when the list changes).</summary>
    public static bool IsUpToDate(V1Beta1PodNetworking pn)
    {
        var status = pn.Status;
        if (status?.Status != NetworkingStatuses.Ready || status.ObservedGeneration != pn.Metadata.Generation)
        {
            return false;
        }

        var wanted = (pn.Spec.VSwitchOptions ?? []).ToHashSet(StringComparer.Ordinal);
        var have = (status.VSwitches ?? []).Select(v => v.Id ?? "").ToHashSet(StringComparer.Ordinal);
        return wanted.SetEquals(have);
    }

    private async Task<NetworkingVerdict> JudgeAsync(V1Beta1PodNetworking pn, CancellationToken ct)
    {
        var errors = PodNetworkingValidation.Validate(pn.Spec);
        if (errors.Count > 0)
        {
            return new NetworkingVerdict(false, ConditionReasons.InvalidSpec, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")), []);
        }

        try
        {
            var resolved = new List<VSwitch>();
            var problems = new List<string>();
            foreach (var id in pn.Spec.VSwitchOptions!.Distinct(StringComparer.Ordinal))
            {
                var info = await ctx.VSwitches.GetAsync(id, ct);
                if (info is null)
                {
                    problems.Add($"vSwitch {id} does not exist in region {ctx.Options.RegionId}");
                }
                else if (info.VpcId is { } vpc && vpc != ctx.Options.VpcId)
                {
                    problems.Add($"vSwitch {id} is in VPC {vpc}, not in the cluster's VPC {ctx.Options.VpcId}");
                }
                else
                {
                    resolved.Add(new VSwitch { Id = id, Zone = info.ZoneId });
                }
            }

            if (problems.Count > 0)
            {
                return new NetworkingVerdict(false, ConditionReasons.VSwitchNotFound, string.Join("; ", problems), []);
            }

            var groups = pn.Spec.SecurityGroupIds!.Distinct(StringComparer.Ordinal).ToList();
            var existing = await ctx.SecurityGroups.FindExistingAsync(groups, ct);
            var missing = groups.Where(g => !existing.Contains(g)).ToList();
            if (missing.Count > 0)
            {
                return new NetworkingVerdict(false, ConditionReasons.SecurityGroupNotFound,
                    $"security group{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} {(missing.Count > 1 ? "do" : "does")} not exist in the cluster's VPC {ctx.Options.VpcId}", []);
            }

            var zones = resolved.Select(v => v.Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            return new NetworkingVerdict(true, ConditionReasons.VSwitchesResolved,
                $"{resolved.Count} vSwitch{(resolved.Count > 1 ? "es" : "")} in zone{(zones.Count > 1 ? "s" : "")} {string.Join(", ", zones)}", resolved);
        }
        catch (CloudApiException ex)
        {
            return new NetworkingVerdict(false, CloudFailures.Reason(ex), "cannot check the PodNetworking against the cloud: " + CloudFailures.Describe(ex), [], ex.IsRetryable);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PodNetworking {Name} is Ready: {Message}")]
    private partial void LogReady(string name, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PodNetworking {Name} failed ({Reason}): {Message}")]
    private partial void LogFailed(string name, string reason, string message);
}
