using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Finalizers;
using Terway.Operator.Cloud;
using Terway.Operator.Configuration;
using Terway.Operator.Controllers.Node;
using Terway.Operator.Controllers.Pod;
using Terway.Operator.Controllers.Shared;

namespace Terway.Operator.Controllers.PodEni;

/// <summary>
/// Terway's <c>pod</c>, <c>pod-eni</c> and <c>eni</c> controllers as one reconciler keyed by namespace/name
/// (a PodENI is named after its pod, so one key serialises everything that happens to a pod's ENIs). Each
/// reconcile gathers facts from the caches, asks <see cref="PodEniMachine"/> for the next action, executes it,
/// and repeats a few times; waits end the reconcile with a requeue (never a sleep).
/// </summary>
internal sealed partial class PodEniReconciler(OperatorContext ctx) : IReconciler<V1Beta1PodEni>
{
    private const int MaxStepsPerReconcile = 12;

    // A wait that an event ends (trunk ready, node labelled) still gets a long safety requeue, in case the
    // event was missed; it is not what makes pods bind promptly.
    private static readonly TimeSpan SafetyRequeue = TimeSpan.FromMinutes(5);

    private readonly ILogger _logger = ctx.LoggerFactory.CreateLogger<PodEniReconciler>();

    // The last PodENI this process wrote per key, used when the informer has not caught up yet.
    private readonly ConcurrentDictionary<ObjectKey, V1Beta1PodEni> _written = new();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var state = new StepState { PodEni = Latest(key) };
        for (var step = 0; step < MaxStepsPerReconcile; step++)
        {
            var input = Gather(key, state);
            var action = PodEniMachine.Decide(input);
            LogStep(key, state.PodEni, action);
            if (PodEniPacing.Defer(PodEniPacing.WaitFor(action, ctx.RateLimitDelay)) is { } later)
            {
                LogDeferred(key, action.GetType().Name, later);
                return ReconcileResult.RequeueAfter(later);
            }

            try
            {
                var result = await ExecuteAsync(key, state, input, action, cancellationToken);
                if (result is not null)
                {
                    return result.Value;
                }
            }
            catch (KubeApiException ex) when (ex.IsConflict || ex.IsNotFound)
            {
                // Someone (or our own earlier write, not yet in the cache) changed the PodENI: read it fresh and decide again.
                state.PodEni = await FetchAsync(key, cancellationToken);
                Remember(key, state.PodEni);
            }
            catch (CloudApiException ex)
            {
                await ReportCloudFailureAsync(state, input.Pod, action, ex, cancellationToken);
                throw;
            }
        }

        return ReconcileResult.Requeue;
    }

    private V1Beta1PodEni? Latest(ObjectKey key)
    {
        var cached = ctx.PodEnis.Get(key);
        if (!_written.TryGetValue(key, out var written))
        {
            return cached;
        }

        if (cached is null || IsNewer(cached, written))
        {
            // The cache caught up (or the object was deleted): forget our copy.
            _written.TryRemove(key, out _);
            return cached;
        }

        return written;
    }

    // resourceVersions are opaque, but every API server in practice issues increasing integers (etcd revisions);
    // when they are not numbers the cache wins.
    private static bool IsNewer(V1Beta1PodEni cached, V1Beta1PodEni written) =>
        !long.TryParse(cached.Metadata.ResourceVersion, out var c) || !long.TryParse(written.Metadata.ResourceVersion, out var w) || c >= w;

    private void Remember(ObjectKey key, V1Beta1PodEni? written)
    {
        if (written is null)
        {
            _written.TryRemove(key, out _);
        }
        else
        {
            _written[key] = written;
        }
    }

    private async Task<V1Beta1PodEni?> FetchAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        try
        {
            return await ctx.Client.GetAsync<V1Beta1PodEni>(key, cancellationToken);
        }
        catch (KubeApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private PodEniInput Gather(ObjectKey key, StepState state)
    {
        var pod = ctx.Pods.Get(key);
        var nodeName = pod?.Spec?.NodeName;
        NodeFacts? node = null;
        V1Node? coreNode = null;
        if (!string.IsNullOrEmpty(nodeName))
        {
            coreNode = ctx.Nodes.Get(ObjectKey.Cluster(nodeName));
            node = NodeInfo.Facts(nodeName, coreNode, ctx.NodeCrs.Get(ObjectKey.Cluster(nodeName)), ctx.Options.EnableTrunk);
        }

        PodNetworkResolution? resolution = null;
        if (state.PodEni is null && pod is not null)
        {
            var ns = ctx.Namespaces.Get(ObjectKey.Cluster(key.Namespace!));
            resolution = PodNetworkResolver.Resolve(pod, ns?.Metadata?.Labels, ctx.PodNetworkings.List(), NodeInfo.IsEniOnly(coreNode), ctx.NetworkDefaults);
        }

        var polls = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var eni in (state.Cloud?.Values ?? []).Concat(state.Strays ?? []))
        {
            polls[eni.Id] = ctx.Polls.PollsIn(eni.Id, eni.Status);
        }

        return new PodEniInput
        {
            PodEni = state.PodEni,
            Pod = pod,
            Node = node,
            Resolution = resolution,
            Cloud = state.Cloud,
            Strays = state.Strays,
            Polls = polls,
            Now = ctx.UtcNow,
            LastSeenRefresh = ctx.Options.PodLastSeenRefreshPeriod,
        };
    }

    // Returns a result to end the reconcile, or null to decide again.
    private async Task<ReconcileResult?> ExecuteAsync(ObjectKey key, StepState state, PodEniInput input, PodEniAction action, CancellationToken ct)
    {
        switch (action)
        {
            case Done done:
                return done.RequeueAfter is { } after ? ReconcileResult.RequeueAfter(after) : ReconcileResult.Done;

            case WaitFor wait:
                return await WaitAsync(key, state, input.Pod, wait, ct);

            case CreatePodEni create:
                return await CreatePodEniAsync(key, state, input, create.Plan, ct);

            case CreateEni create:
                return await CreateEniAsync(key, state, input, create, ct);

            case FindStrays:
                state.Strays = await ctx.Enis.ListByOwnerAsync(EniTags.OwnerPodEniKey, key.ToString(), ct);
                return null;

            case ReadCloud:
                state.Cloud = await ctx.Enis.DescribeAsync(EniIds(state.PodEni!), ct);
                return null;

            case Attach attach:
                ctx.Polls.Reset(attach.EniId);
                ctx.Polls.AttachStarted(attach.EniId);
                try
                {
                    await ctx.Enis.AttachAsync(attach.InstanceId, attach.EniId, attach.TrunkId, ct);
                }
                catch (CloudApiException ex) when (ex.Kind is CloudErrorKind.InvalidState)
                {
                    // The ENI or trunk moved on since we looked (e.g. still Detaching elsewhere): look again.
                    state.Cloud = null;
                    return ReconcileResult.RequeueAfter(WaitDelay(state.PodEni!, attach.Index, 0));
                }

                state.Cloud = null;
                return ReconcileResult.RequeueAfter(WaitDelay(state.PodEni!, attach.Index, 0));

            case Detach detach:
                ctx.Polls.Reset(detach.EniId);
                try
                {
                    await ctx.Enis.DetachAsync(detach.InstanceId, detach.EniId, detach.TrunkId, ct);
                }
                catch (CloudApiException ex) when (ex.Kind is CloudErrorKind.InvalidState or CloudErrorKind.Invalid)
                {
                    // Not InUse any more, or attached somewhere else than we saw: look again after a pause.
                    LogStale(detach.EniId, ex.Code);
                }

                state.Cloud = null;
                return ReconcileResult.RequeueAfter(WaitDelay(state.PodEni!, detach.Index, 0));

            case DeleteEni delete:
                ctx.Polls.Reset(delete.EniId);
                try
                {
                    await ctx.Enis.DeleteAsync(delete.EniId, ct);
                    Publish(input.Pod, state.PodEni, EventTypes.Normal, EventReasons.DeleteEniSucceed, "Delete", $"deleted ENI {delete.EniId}");
                }
                catch (CloudApiException ex) when (ex.Kind is CloudErrorKind.InvalidState)
                {
                    LogStale(delete.EniId, ex.Code);
                }

                state.Cloud = null;
                return ReconcileResult.RequeueAfter(Backoffs.Delay(ctx.Options.Backoff(BackoffSpec.EniDeleteConfirm), 0, ctx.Random));

            case WaitCloud wait:
            {
                var polls = ctx.Polls.Poll(wait.EniId, wait.State);
                var spec = wait.State == EniStatuses.Deleting ? ctx.Options.Backoff(BackoffSpec.EniDeleteConfirm) : WaitSpec(state.PodEni!, wait.Index);
                return ReconcileResult.RequeueAfter(Backoffs.Delay(spec, polls, ctx.Random));
            }

            case MarkBound:
                return await MarkBoundAsync(key, state, input, ct);

            case MarkUnbound:
                await UpdateStatusAsync(key, state, pe =>
                {
                    var s = pe.Status ??= new PodEniStatus();
                    s.Phase = PodEniPhases.Unbind;
                    s.InstanceId = null;
                    s.TrunkEniId = null;
                    s.Msg = null;
                    foreach (var info in s.EniInfos?.Values ?? [])
                    {
                        info.Status = EniBindStatuses.Unbind;
                        info.Vid = null;
                    }

                    StatusConditions.MarkReady(s, pe.Metadata.Generation, ConditionReasons.Unbound,
                        $"the ENIs are detached and kept for pod {key}; {ReleaseText(pe)}", ctx.UtcNow);
                }, ct);
                Publish(null, state.PodEni, EventTypes.Normal, EventReasons.DetachEniSucceed, "Detach", $"detached {string.Join(", ", EniIds(state.PodEni!))}; kept for the pod's name");
                return null;

            case SetPhase set:
                await UpdateStatusAsync(key, state, pe =>
                {
                    var s = pe.Status ??= new PodEniStatus();
                    s.Phase = set.Phase;
                    if (set.Phase == PodEniPhases.Detaching)
                    {
                        // The pod was there until now: the TTL counts from its going, not from the last periodic
                        // refresh (up to podLastSeenRefreshPeriod old), or a releaseAfter shorter than that period
                        // would release a fixed IP the moment its pod is rescheduled.
                        s.PodLastSeen = ctx.UtcNow;
                    }

                    var reason = set.Phase == PodEniPhases.Detaching ? ConditionReasons.Detaching : ConditionReasons.Deleting;
                    StatusConditions.MarkReconciling(s, pe.Metadata.Generation, reason, set.Why, ctx.UtcNow);
                }, ct);
                return null;

            case Retarget retarget:
                await RetargetAsync(key, state, retarget, ct);
                return null;

            case RefreshLastSeen:
                await UpdateStatusAsync(key, state, pe => (pe.Status ??= new PodEniStatus()).PodLastSeen = ctx.UtcNow, ct);
                return null;

            case Finalize finalize:
                await FinalizeAsync(key, state, finalize, ct);
                return ReconcileResult.Done;

            default:
                throw new InvalidOperationException($"unknown action {action}");
        }
    }

    private async Task<ReconcileResult?> WaitAsync(ObjectKey key, StepState state, V1Pod? pod, WaitFor wait, CancellationToken ct)
    {
        if (state.PodEni is { } pe && pe.Metadata.DeletionTimestamp is null)
        {
            await UpdateStatusAsync(key, state, p =>
            {
                var s = p.Status ??= new PodEniStatus();
                s.Msg = wait.Message;
                _ = wait.Kind == WaitKind.Stalled
                    ? StatusConditions.MarkStalled(s, p.Metadata.Generation, wait.Reason, wait.Message, ctx.UtcNow)
                    : StatusConditions.MarkReconciling(s, p.Metadata.Generation, wait.Reason, wait.Message, ctx.UtcNow);
            }, ct);
        }

        if (wait.Kind != WaitKind.Event && pod is not null)
        {
            Publish(pod, null, EventTypes.Warning, EventReasons.UpdatePodEniFailed, "Wait", wait.Message);
        }

        return wait.Kind == WaitKind.Backoff ? ReconcileResult.Requeue : ReconcileResult.RequeueAfter(SafetyRequeue);
    }

    private async Task<ReconcileResult?> CreatePodEniAsync(ObjectKey key, StepState state, PodEniInput input, PodNetworkResolution.Planned plan, CancellationToken ct)
    {
        var pod = input.Pod!;
        var node = input.Node!;
        var allocations = new List<Allocation>();
        foreach (var a in plan.Allocations)
        {
            var vsw = await SelectVSwitchAsync(a, node.Zone!, exclude: null, ct);
            if (vsw is null)
            {
                var inZone = (await ctx.VSwitches.InZoneAsync(ZoneCandidates(a, node.Zone!), node.Zone!, ct)).Where(v => v.VpcId is null || v.VpcId == ctx.Options.VpcId).ToList();
                if (inZone.Count == 0)
                {
                    Publish(pod, null, EventTypes.Warning, EventReasons.CreateEniFailed, "Create",
                        $"none of the vSwitches {string.Join(", ", a.VSwitchOptions)} of {plan.NetworkingName ?? "the pod's network"} is in zone {node.Zone} of node {node.Name}");
                    return ReconcileResult.Requeue;
                }

                // Every vSwitch of the zone is out of addresses: record the PodENI anyway, so its conditions
                // say so (QuotaExceeded); the ENI is created once a vSwitch has room again.
                vsw = inZone[0];
            }

            allocations.Add(new Allocation
            {
                AllocationType = a.AllocationType,
                Eni = new Eni
                {
                    VSwitchId = vsw.Id,
                    VpcId = vsw.VpcId,
                    Zone = vsw.ZoneId,
                    SecurityGroupIds = [.. a.SecurityGroupIds],
                    ResourceGroupId = a.ResourceGroupId,
                    AttachmentOptions = new AttachmentOptions { Trunk = a.Trunk },
                },
                Ipv4Cidr = vsw.Cidr,
                Ipv6Cidr = ctx.Options.IpStack == "dual" ? vsw.Ipv6Cidr : null,
                Interface = a.Interface,
                DefaultRoute = a.DefaultRoute,
                ExtraRoutes = a.ExtraRoutes,
            });
        }

        // The PodENI is recorded before any ENI exists: its UID goes into the ENIs' ClientTokens, so a crash
        // anywhere after this point replays to the same ENIs instead of creating new ones.
        var podEni = new V1Beta1PodEni
        {
            Metadata = new V1ObjectMeta
            {
                Name = key.Name,
                NamespaceProperty = key.Namespace,
                Finalizers = [Finalizers.PodEni],
                Annotations = new Dictionary<string, string> { [Annotations.PodUid] = pod.Metadata.Uid },
                Labels = new Dictionary<string, string> { [Labels.Node] = node.Name },
            },
            Spec = new PodEniSpec { Zone = node.Zone, Allocations = allocations },
        };
        try
        {
            state.PodEni = await ctx.Client.CreateAsync(podEni, ct);
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            state.PodEni = await FetchAsync(key, ct);
        }

        Remember(key, state.PodEni);
        return null;
    }

    // Zones a PodNetworking already resolved save a DescribeVSwitches per candidate in another zone.
    private static List<string> ZoneCandidates(AllocationPlan plan, string zone) =>
        [.. plan.VSwitchOptions.Where(id => !plan.KnownZones.TryGetValue(id, out var z) || z == zone)];

    private async Task<Cloud.VSwitchInfo?> SelectVSwitchAsync(AllocationPlan plan, string zone, IReadOnlySet<string>? exclude, CancellationToken ct)
    {
        var chosen = await ctx.VSwitches.SelectAsync(ZoneCandidates(plan, zone), zone, plan.SelectionPolicy, exclude, ct);
        return chosen is not null && chosen.VpcId is { } vpc && vpc != ctx.Options.VpcId ? null : chosen;
    }

    private async Task<ReconcileResult?> CreateEniAsync(ObjectKey key, StepState state, PodEniInput input, CreateEni create, CancellationToken ct)
    {
        var pe = state.PodEni!;
        var allocation = pe.Spec.Allocations![create.Index];
        var eni = allocation.Eni!;
        var fixedIp = allocation.AllocationType?.Type == IPAllocTypes.Fixed;
        var groups = eni.SecurityGroupIds?.ToList() ?? [];
        var spec = new EniCreateSpec
        {
            VSwitchId = eni.VSwitchId!,
            SecurityGroupIds = groups,
            Tags = ctx.OwnedTags(EniTags.OwnerPodEniKey, key.ToString()),
            ClientToken = ClientTokens.Derive("terway operator: ENI of a PodENI",
                key.ToString(),
                pe.Metadata.Uid,
                fixedIp ? "" : pe.GetAnnotation(Annotations.PodUid) ?? "",
                create.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                eni.VSwitchId!,
                string.Join(",", groups),
                create.Replaces ?? ""),
            DeleteOnRelease = !fixedIp,
            Ipv6 = ctx.Options.IpStack == "dual",
            ResourceGroupId = eni.ResourceGroupId,
        };

        if (ctx.VSwitches.IsBlocked(eni.VSwitchId!))
        {
            // Known to be out of addresses: move on without asking the cloud again.
            return await MoveToAnotherVSwitchAsync(key, state, input, create.Index, cause: null, ct);
        }

        CloudEni created;
        try
        {
            created = await ctx.Enis.CreateAsync(spec, ct);
        }
        catch (CloudApiException ex) when (CloudFailures.IsVSwitchExhausted(ex))
        {
            ctx.VSwitches.Block(eni.VSwitchId!);
            Publish(input.Pod, pe, EventTypes.Warning, EventReasons.CreateEniFailed, "Create", $"vSwitch {eni.VSwitchId} has no free addresses; trying another");
            return await MoveToAnotherVSwitchAsync(key, state, input, create.Index, ex, ct);
        }

        ctx.VSwitches.NoteAllocated(created.VSwitchId ?? eni.VSwitchId!);
        if (create.Replaces is not null)
        {
            Publish(input.Pod, pe, EventTypes.Warning, EventReasons.CreateEniSucceed, "Create",
                $"ENI {create.Replaces} no longer exists; created {created.Id} ({created.PrimaryIp}) in its place");
        }
        else
        {
            Publish(input.Pod, pe, EventTypes.Normal, EventReasons.CreateEniSucceed, "Create", $"created ENI {created.Id} ({created.PrimaryIp}) in vSwitch {created.VSwitchId}");
        }

        await UpdateSpecAsync(key, state, p =>
        {
            var a = p.Spec.Allocations![create.Index];
            ApplyCloudFacts(a, created);
        }, ct);
        state.Cloud = new Dictionary<string, CloudEni>(state.Cloud ?? new Dictionary<string, CloudEni>(), StringComparer.Ordinal) { [created.Id] = created };
        if (state.Cloud.Count < EniIds(state.PodEni!).Count)
        {
            state.Cloud = null;
        }

        return null;
    }

    private async Task<ReconcileResult?> MoveToAnotherVSwitchAsync(ObjectKey key, StepState state, PodEniInput input, int index, CloudApiException? cause, CancellationToken ct)
    {
        var pe = state.PodEni!;
        var current = pe.Spec.Allocations![index].Eni!;
        AllocationPlan? plan = null;
        if (input.Pod is { } pod)
        {
            var ns = ctx.Namespaces.Get(ObjectKey.Cluster(key.Namespace!));
            var coreNode = string.IsNullOrEmpty(pod.Spec?.NodeName) ? null : ctx.Nodes.Get(ObjectKey.Cluster(pod.Spec.NodeName));
            if (PodNetworkResolver.Resolve(pod, ns?.Metadata?.Labels, ctx.PodNetworkings.List(), NodeInfo.IsEniOnly(coreNode), ctx.NetworkDefaults)
                is PodNetworkResolution.Planned planned && index < planned.Allocations.Count)
            {
                plan = planned.Allocations[index];
            }
        }

        var next = plan is null ? null : await SelectVSwitchAsync(plan, current.Zone ?? pe.Spec.Zone!, new HashSet<string>(StringComparer.Ordinal) { current.VSwitchId! }, ct);
        if (next is null)
        {
            var message = $"no vSwitch in zone {current.Zone ?? pe.Spec.Zone} has free addresses ({(cause is null ? $"{current.VSwitchId} ran out recently" : CloudFailures.Describe(cause))})";
            await UpdateStatusAsync(key, state, p =>
            {
                var s = p.Status ??= new PodEniStatus();
                s.Msg = message;
                StatusConditions.MarkReconciling(s, p.Metadata.Generation, ConditionReasons.QuotaExceeded, message, ctx.UtcNow);
            }, ct);
            return ReconcileResult.Requeue;
        }

        await UpdateSpecAsync(key, state, p =>
        {
            var a = p.Spec.Allocations![index];
            a.Eni!.VSwitchId = next.Id;
            a.Eni.VpcId = next.VpcId;
            a.Eni.Zone = next.ZoneId;
            a.Ipv4Cidr = next.Cidr;
            a.Ipv6Cidr = ctx.Options.IpStack == "dual" ? next.Ipv6Cidr : null;
        }, ct);
        return null;
    }

    private async Task<ReconcileResult?> MarkBoundAsync(ObjectKey key, StepState state, PodEniInput input, CancellationToken ct)
    {
        var pe = state.PodEni!;
        var cloud = state.Cloud!;
        var node = input.Node!;
        var allocations = pe.Spec.Allocations ?? [];
        if (allocations.Any(a => NeedsCloudFacts(a, cloud[a.Eni!.Id!])))
        {
            await UpdateSpecAsync(key, state, p =>
            {
                foreach (var a in p.Spec.Allocations!)
                {
                    ApplyCloudFacts(a, cloud[a.Eni!.Id!]);
                }
            }, ct);
        }

        var trunk = allocations.Any(a => a.Eni?.AttachmentOptions?.Trunk == true) ? node.TrunkEniId : null;
        var fixedIp = PodEniMachine.IsFixed(pe);
        var summary = string.Join(", ", allocations.Select(a =>
        {
            var c = cloud[a.Eni!.Id!];
            return c.TrunkId is null ? $"{c.Id} ({c.PrimaryIp})" : $"{c.Id} ({c.PrimaryIp}, VLAN {c.DeviceIndex} on trunk {c.TrunkId})";
        }));
        await UpdateStatusAsync(key, state, p =>
        {
            var s = p.Status ??= new PodEniStatus();
            s.Phase = PodEniPhases.Bind;
            s.InstanceId = node.InstanceId;
            s.TrunkEniId = trunk;
            s.Msg = null;
            s.EniInfos = p.Spec.Allocations!.ToDictionary(a => a.Eni!.Id!, a =>
            {
                var c = cloud[a.Eni!.Id!];
                var member = c.TrunkId is not null;
                return new EniInfo { Id = c.Id, Type = member ? EniTypes.Member : EniTypes.Secondary, Vid = member ? c.DeviceIndex : null, Status = EniBindStatuses.Bind };
            }, StringComparer.Ordinal);
            if (fixedIp)
            {
                s.PodLastSeen = ctx.UtcNow;
            }

            StatusConditions.MarkReady(s, p.Metadata.Generation, ConditionReasons.Bound, $"bound on node {node.Name}: {summary}", ctx.UtcNow);
        }, ct);

        foreach (var a in allocations)
        {
            var c = cloud[a.Eni!.Id!];
            if (ctx.Polls.AttachFinished(c.Id) is { } took)
            {
                ctx.Metrics.RecordAttach(took, success: true, c.TrunkId is null ? "secondary" : "member");
            }

            ctx.Polls.Reset(c.Id);
        }

        Publish(input.Pod, pe, EventTypes.Normal, EventReasons.AttachEniSucceed, "Attach", $"attached {summary} on node {node.Name}");
        return fixedIp ? ReconcileResult.RequeueAfter(ctx.Options.PodLastSeenRefreshPeriod) : ReconcileResult.Done;
    }

    private async Task RetargetAsync(ObjectKey key, StepState state, Retarget retarget, CancellationToken ct)
    {
        var pe = state.PodEni!;
        if (pe.GetAnnotation(Annotations.PodUid) != retarget.PodUid || pe.GetLabel(Labels.Node) != retarget.NodeName)
        {
            var updated = Terway.Kube.Cache.KubeObjects.DeepCopy(pe);
            updated.Metadata.Annotations ??= new Dictionary<string, string>();
            updated.Metadata.Annotations[Annotations.PodUid] = retarget.PodUid;
            updated.Metadata.Labels ??= new Dictionary<string, string>();
            updated.Metadata.Labels[Labels.Node] = retarget.NodeName;
            state.PodEni = await ctx.Client.UpdateAsync(updated, ct);
            Remember(key, state.PodEni);
        }

        await UpdateStatusAsync(key, state, p =>
        {
            var s = p.Status ??= new PodEniStatus();
            s.Phase = PodEniPhases.Binding;
            s.PodLastSeen = ctx.UtcNow;
            StatusConditions.MarkReconciling(s, p.Metadata.Generation, ConditionReasons.Binding, retarget.Why, ctx.UtcNow);
        }, ct);
        state.Cloud = null;
    }

    private async Task FinalizeAsync(ObjectKey key, StepState state, Finalize finalize, CancellationToken ct)
    {
        var pe = state.PodEni!;
        foreach (var finalizer in new[] { Finalizers.PodEni, Finalizers.LegacyPodEni })
        {
            pe = await ctx.Client.RemoveFinalizerAsync(pe, finalizer, ct);
        }

        if (pe.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await ctx.Client.DeleteAsync<V1Beta1PodEni>(key, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pe.Metadata.Uid } }, ct);
            }
            catch (KubeApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Gone already, or a newer PodENI took the name (the UID precondition failed): nothing of ours to delete.
            }
        }

        foreach (var id in EniIds(state.PodEni!))
        {
            ctx.Polls.Forget(id);
        }

        LogFinalized(key, finalize.Why);
        state.PodEni = null;
        Remember(key, null);
    }

    private async Task UpdateStatusAsync(ObjectKey key, StepState state, Action<V1Beta1PodEni> mutate, CancellationToken ct)
    {
        var updated = Terway.Kube.Cache.KubeObjects.DeepCopy(state.PodEni!);
        updated.Status ??= new PodEniStatus();
        var before = Terway.Kube.Cache.KubeObjects.DeepCopy(updated);
        mutate(updated);
        if (k8s.KubernetesJson.Serialize(before.Status) == k8s.KubernetesJson.Serialize(updated.Status))
        {
            return;
        }

        updated.Status.ObservedGeneration ??= updated.Metadata.Generation;
        state.PodEni = await ctx.Client.UpdateStatusAsync(updated, ct);
        Remember(key, state.PodEni);
    }

    private async Task UpdateSpecAsync(ObjectKey key, StepState state, Action<V1Beta1PodEni> mutate, CancellationToken ct)
    {
        var updated = Terway.Kube.Cache.KubeObjects.DeepCopy(state.PodEni!);
        mutate(updated);
        state.PodEni = await ctx.Client.UpdateAsync(updated, ct);
        Remember(key, state.PodEni);
    }

    private async Task ReportCloudFailureAsync(StepState state, V1Pod? pod, PodEniAction action, CloudApiException ex, CancellationToken ct)
    {
        var (reason, verb) = action switch
        {
            CreateEni or CreatePodEni => (EventReasons.CreateEniFailed, "Create"),
            Attach => (EventReasons.AttachEniFailed, "Attach"),
            Detach => (EventReasons.DetachEniFailed, "Detach"),
            DeleteEni => (EventReasons.DeleteEniFailed, "Delete"),
            _ => (EventReasons.UpdatePodEniFailed, "Update"),
        };
        var message = CloudFailures.Describe(ex);
        Publish(pod, state.PodEni, EventTypes.Warning, reason, verb, message);
        if (action is Attach attach && ctx.Polls.AttachFinished(attach.EniId) is { } took)
        {
            ctx.Metrics.RecordAttach(took, success: false, attach.TrunkId is null ? "secondary" : "member");
        }

        if (state.PodEni is not { } pe || pe.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        try
        {
            var key = ObjectKey.From(pe);
            await UpdateStatusAsync(key, state, p =>
            {
                var s = p.Status ??= new PodEniStatus();
                s.Msg = message;
                var conditionReason = CloudFailures.Reason(ex);
                _ = ex.IsRetryable || conditionReason == ConditionReasons.QuotaExceeded
                    ? StatusConditions.MarkReconciling(s, p.Metadata.Generation, conditionReason, message, ctx.UtcNow)
                    : StatusConditions.MarkStalled(s, p.Metadata.Generation, conditionReason, message, ctx.UtcNow);
            }, ct);
        }
        catch (KubeApiException)
        {
            // Best effort: the reconcile fails with the cloud error anyway and will retry.
        }
    }

    private void Publish(V1Pod? pod, V1Beta1PodEni? pe, string type, string reason, string action, string note)
    {
        if (pod is not null && (pe is null || pod.Metadata.Uid == pe.GetAnnotation(Annotations.PodUid)))
        {
            ctx.Events.Publish(pod, type, reason, action, note, pe);
        }
        else if (pe is not null)
        {
            ctx.Events.Publish(pe, type, reason, action, note);
        }
    }

    private TimeSpan WaitDelay(V1Beta1PodEni pe, int index, int attempt) => Backoffs.Delay(WaitSpec(pe, index), attempt, ctx.Random);

    private BackoffSpec WaitSpec(V1Beta1PodEni pe, int index) =>
        ctx.Options.Backoff(pe.Spec.Allocations?.ElementAtOrDefault(index)?.Eni?.AttachmentOptions?.Trunk == true ? BackoffSpec.WaitMemberEniStatus : BackoffSpec.WaitEniStatus);

    private static List<string> EniIds(V1Beta1PodEni pe) =>
        [.. (pe.Spec.Allocations ?? []).Select(a => a.Eni?.Id).Where(id => !string.IsNullOrEmpty(id)).Select(id => id!)];

    private static bool NeedsCloudFacts(Allocation a, CloudEni c) =>
        a.Eni!.Mac != c.MacAddress || a.Ipv4 != c.PrimaryIp || a.Eni.VSwitchId != c.VSwitchId || a.Eni.Zone != c.ZoneId || a.Eni.VpcId != c.VpcId;

    private static void ApplyCloudFacts(Allocation a, CloudEni c)
    {
        a.Eni!.Id = c.Id;
        a.Eni.Mac = c.MacAddress;
        a.Eni.VpcId = c.VpcId ?? a.Eni.VpcId;
        a.Eni.Zone = c.ZoneId ?? a.Eni.Zone;
        a.Eni.VSwitchId = c.VSwitchId ?? a.Eni.VSwitchId;
        a.Ipv4 = c.PrimaryIp;
        if (c.Ipv6 is not null)
        {
            a.Ipv6 = c.Ipv6;
        }
    }

    private static string ReleaseText(V1Beta1PodEni pe)
    {
        var allocation = pe.Spec.Allocations?.FirstOrDefault(a => a.AllocationType?.Type == IPAllocTypes.Fixed)?.AllocationType;
        return allocation?.ReleaseStrategy switch
        {
            ReleaseStrategies.Ttl => $"released {allocation.ReleaseAfter} after the pod was last seen",
            ReleaseStrategies.Never => "kept until the PodENI is deleted",
            _ => "kept (no release strategy)",
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "PodENI {Key} ({PodEni}): {Action}")]
    private partial void LogStep(ObjectKey key, PhaseView podEni, PodEniAction action);

    [LoggerMessage(Level = LogLevel.Debug, Message = "PodENI {Key}: {Step} needs a cloud API at its rate limit for {Wait}; requeued for then")]
    private partial void LogDeferred(ObjectKey key, string step, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "ENI {Eni} changed state before our call ({Code}); looking again")]
    private partial void LogStale(string eni, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "PodENI {Key} finalized: {Why}")]
    private partial void LogFinalized(ObjectKey key, string why);

    // Formats lazily, only when debug logging is on.
    private readonly record struct PhaseView(V1Beta1PodEni? PodEni)
    {
        public static implicit operator PhaseView(V1Beta1PodEni? podEni) => new(podEni);

        public override string ToString() => PodEni is null ? "no PodENI" : $"phase '{PodEni.Status?.Phase}'";
    }

    private sealed class StepState
    {
        public V1Beta1PodEni? PodEni { get; set; }

        public IReadOnlyDictionary<string, CloudEni>? Cloud { get; set; }

        public IReadOnlyList<CloudEni>? Strays { get; set; }
    }
}
