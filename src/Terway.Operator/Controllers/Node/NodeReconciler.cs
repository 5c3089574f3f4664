using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Crds.Conditions;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.Kube.Cache;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Kube.Events;
using Terway.Kube.Finalizers;
using Terway.Operator.Cloud;
using Terway.Operator.Configuration;
using Terway.Operator.Controllers.Shared;

namespace Terway.Operator.Controllers.Node;

/// <summary>
/// Terway's <c>node</c> controller plus the trunk ENI that Terway's node daemon used to manage: keeps the Node
/// CR (metadata, capacity, the trunk ENI in <c>status.networkInterfaces</c>, conditions), creates and attaches
/// one trunk ENI per trunk-capable node, annotates the core Node with <c>k8s.aliyun.com/trunk-on</c> and
/// advertises <c>aliyun/member-eni</c>; when the node goes away it releases the node's ENIs and then lets the
/// Node CR go. A node whose Node CR already records an InUse trunk costs no cloud call.
/// </summary>
internal sealed partial class NodeReconciler(OperatorContext ctx) : IReconciler<k8s.Models.V1Node>
{
    private static readonly TimeSpan ReleasePoll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StalledRequeue = TimeSpan.FromMinutes(5);
    private readonly ILogger _logger = ctx.LoggerFactory.CreateLogger<NodeReconciler>();

    // The last Node CR this process wrote per node, used while the informer has not caught up.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, V1Beta1Node> _written = new(StringComparer.Ordinal);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var name = key.Name;
        var node = ctx.Nodes.Get(ObjectKey.Cluster(name));
        var cr = Latest(name);
        if (node is null || node.Metadata.DeletionTimestamp is not null)
        {
            return cr is null ? ReconcileResult.Done : await ReleaseAsync(name, cr, cancellationToken);
        }

        if (cr?.Metadata.DeletionTimestamp is not null)
        {
            // The Node CR was deleted while the node stays: let it go (a new one is created next round and
            // adopts the trunk that is still attached).
            await ctx.Client.RemoveFinalizerAsync(cr, Finalizers.NodeController, cancellationToken);
            _written.TryRemove(name, out _);
            return ReconcileResult.Done;
        }

        if (PodIdentity.IsVirtualKubeletNode(node) || PodIdentity.IsIgnored(node.Metadata))
        {
            return ReconcileResult.Done;
        }

        var identity = NodeInfo.Identity(node);
        cr ??= await CreateNodeCrAsync(node, identity, cancellationToken);
        if (!identity.IsComplete)
        {
            var message = $"node {name} lacks {string.Join(", ", identity.Missing())}";
            await UpdateStatusAsync(cr, s => StatusConditions.MarkStalled(s, cr.Metadata.Generation, ConditionReasons.NodeMetadataMissing, message, ctx.UtcNow), cancellationToken);
            return ReconcileResult.Done;
        }

        cr = await EnsureSpecAsync(cr, identity, cancellationToken);
        if (cr.Spec.NodeCap is not { } cap)
        {
            var message = $"instance type {identity.InstanceType} is unknown to DescribeInstanceTypes";
            await UpdateStatusAsync(cr, s => StatusConditions.MarkStalled(s, cr.Metadata.Generation, ConditionReasons.InvalidSpec, message, ctx.UtcNow), cancellationToken);
            ctx.Events.Publish(node, EventTypes.Warning, EventReasons.ConfigError, "Sync", message);
            return ReconcileResult.RequeueAfter(StalledRequeue);
        }

        if (NodeInfo.WantsTrunk(ctx.Options.EnableTrunk, node, cap.MemberAdapterLimit ?? 0))
        {
            var (trunk, wait) = await EnsureTrunkAsync(node, cr, identity, cancellationToken);
            if (trunk is null)
            {
                return wait;
            }

            await AdvertiseAsync(node, trunk.Id, ExtendedResources.MemberEni, cap.MemberAdapterLimit ?? 0, cancellationToken);
            return ReconcileResult.Done;
        }

        if (NodeInfo.IsEniOnly(node))
        {
            await AdvertiseAsync(node, null, ExtendedResources.Eni, Math.Max(0, (cap.Adapters ?? 1) - 1), cancellationToken);
        }

        cr = Latest(name) ?? cr;
        await UpdateStatusAsync(cr, s =>
        {
            StatusConditions.Remove(s.Conditions ??= [], ConditionTypes.TrunkReady);
            StatusConditions.MarkReady(s, cr.Metadata.Generation, ConditionReasons.NodeSynced,
                NodeInfo.IsEniOnly(node) ? "exclusive ENI mode; aliyun/eni advertised" : "no trunk ENI (trunking is off or the instance type does not support it)", ctx.UtcNow);
        }, cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task<V1Beta1Node> CreateNodeCrAsync(V1Node node, NodeIdentity identity, CancellationToken ct)
    {
        var cr = new V1Beta1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = node.Metadata.Name,
                Labels = new Dictionary<string, string>
                {
                    [Labels.Name] = node.Metadata.Name,
                    [Labels.ExclusiveModeEniType] = NodeInfo.IsEniOnly(node) ? ExclusiveModeEniTypes.EniOnly : ExclusiveModeEniTypes.Default,
                },
                Finalizers = [Finalizers.NodeController],
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid, Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = new NodeSpec { NodeMetadata = Metadata(identity) },
        };
        try
        {
            return Remember(await ctx.Client.CreateAsync(cr, ct));
        }
        catch (KubeApiException ex) when (ex.IsAlreadyExists)
        {
            return await ctx.Client.GetAsync<V1Beta1Node>(ObjectKey.Cluster(node.Metadata.Name), ct);
        }
    }

    private NodeMetadata Metadata(NodeIdentity identity) => new()
    {
        RegionId = identity.RegionId ?? ctx.Options.RegionId,
        ZoneId = identity.ZoneId,
        InstanceType = identity.InstanceType,
        InstanceId = identity.InstanceId,
    };

    // Only nodeMetadata and nodeCap are the operator's in the spec; a merge patch leaves the agent's fields alone.
    private async Task<V1Beta1Node> EnsureSpecAsync(V1Beta1Node cr, NodeIdentity identity, CancellationToken ct)
    {
        var metadata = Metadata(identity);
        var patch = new JsonObject();
        var current = cr.Spec.NodeMetadata;
        if (current is null || current.RegionId != metadata.RegionId || current.ZoneId != metadata.ZoneId || current.InstanceType != metadata.InstanceType || current.InstanceId != metadata.InstanceId)
        {
            patch["nodeMetadata"] = JsonNode.Parse(k8s.KubernetesJson.Serialize(metadata));
        }

        if (cr.Spec.NodeCap is null || current?.InstanceType != metadata.InstanceType)
        {
            if (await ctx.InstanceTypes.GetAsync(identity.InstanceType!, ct) is { } type)
            {
                patch["nodeCap"] = JsonNode.Parse(k8s.KubernetesJson.Serialize(NodeInfo.Capacity(type)));
            }
        }

        if (patch.Count == 0)
        {
            return cr;
        }

        var body = new JsonObject { ["spec"] = patch }.ToJsonString();
        return Remember(await ctx.Client.PatchAsync<V1Beta1Node>(ObjectKey.Cluster(cr.Metadata.Name), new Patch(PatchKind.Merge, body), cancellationToken: ct));
    }

    // Returns the InUse trunk, or a result that waits for it.
    private async Task<(Nic? Trunk, ReconcileResult Wait)> EnsureTrunkAsync(V1Node node, V1Beta1Node cr, NodeIdentity identity, CancellationToken ct)
    {
        var recorded = NodeInfo.RecordedTrunk(cr);
        if (recorded is { Status: EniStatuses.InUse })
        {
            await UpdateStatusAsync(cr, s => MarkTrunkReady(s, cr, recorded), ct);
            return (recorded, ReconcileResult.Done);
        }

        try
        {
            var trunk = await FindOrCreateTrunkAsync(node, cr, identity, recorded, ct);
            cr = Latest(cr.Metadata.Name) ?? cr;
            switch (trunk.Status)
            {
                case EniStatuses.InUse when trunk.InstanceId == identity.InstanceId:
                {
                    var nic = await RecordTrunkAsync(cr, trunk, ct);
                    ctx.Polls.Reset(trunk.Id);
                    if (ctx.Polls.AttachFinished(trunk.Id) is { } took)
                    {
                        ctx.Metrics.RecordAttach(took, success: true, "trunk");
                    }

                    ctx.Events.Publish(node, EventTypes.Normal, EventReasons.AttachEniSucceed, "Attach", $"trunk ENI {trunk.Id} is attached");
                    return (nic, ReconcileResult.Done);
                }

                case EniStatuses.Available:
                    await RecordTrunkAsync(cr, trunk, ct);
                    ctx.Polls.Reset(trunk.Id);
                    ctx.Polls.AttachStarted(trunk.Id);
                    await ctx.Enis.AttachAsync(identity.InstanceId!, trunk.Id, null, ct);
                    return (null, ReconcileResult.RequeueAfter(Backoffs.Delay(ctx.Options.Backoff(BackoffSpec.WaitEniStatus), 0, ctx.Random)));

                case EniStatuses.InUse:
                    await UpdateStatusAsync(cr, s => MarkTrunkNotReady(s, cr, ConditionReasons.TrunkNotReady, $"trunk ENI {trunk.Id} is attached to instance {trunk.InstanceId}, not {identity.InstanceId}", stalled: true), ct);
                    return (null, ReconcileResult.RequeueAfter(StalledRequeue));

                default:
                {
                    await RecordTrunkAsync(cr, trunk, ct);
                    var polls = ctx.Polls.Poll(trunk.Id, trunk.Status);
                    return (null, ReconcileResult.RequeueAfter(Backoffs.Delay(ctx.Options.Backoff(BackoffSpec.WaitEniStatus), polls, ctx.Random)));
                }
            }
        }
        catch (CloudApiException ex)
        {
            var reason = CloudFailures.Reason(ex);
            var stalled = !ex.IsRetryable && ex.Kind != CloudErrorKind.InvalidState;
            var message = "trunk ENI: " + CloudFailures.Describe(ex);
            ctx.Events.Publish(node, EventTypes.Warning, EventReasons.AttachEniFailed, "Attach", message);
            await UpdateStatusAsync(Latest(cr.Metadata.Name) ?? cr, s => MarkTrunkNotReady(s, cr, reason, message, stalled), ct);
            if (stalled)
            {
                return (null, ReconcileResult.RequeueAfter(StalledRequeue));
            }

            throw;
        }
    }

    private async Task<CloudEni> FindOrCreateTrunkAsync(V1Node node, V1Beta1Node cr, NodeIdentity identity, Nic? recorded, CancellationToken ct)
    {
        if (recorded is not null)
        {
            var described = await ctx.Enis.DescribeAsync([recorded.Id], ct);
            if (described.TryGetValue(recorded.Id, out var known) && known.Status != EniStatuses.Deleting)
            {
                return known;
            }

            await UpdateStatusAsync(cr, s => s.NetworkInterfaces?.Remove(recorded.Id), ct);
        }

        // A trunk already attached to the instance (ours from an earlier run, or one Terway's daemon created)
        // is adopted: an instance takes only one trunk.
        var attached = await ctx.Enis.ListByInstanceAsync(identity.InstanceId!, EniTypes.Trunk, ct);
        if (attached.FirstOrDefault(e => e.Status != EniStatuses.Deleting) is { } existing)
        {
            return existing;
        }

        var (vSwitch, groups) = await TrunkPlacementAsync(identity, ct);
        var spec = new EniCreateSpec
        {
            VSwitchId = vSwitch.Id,
            SecurityGroupIds = groups,
            Trunk = true,
            Tags = ctx.OwnedTags(EniTags.OwnerNodeKey, node.Metadata.Name),
            // The Node CR's UID makes the token unique per Node CR: a re-added node gets a new trunk, and a
            // crash between create and record replays to the same one.
            ClientToken = ClientTokens.Derive("terway operator: trunk ENI of a node", identity.InstanceId!, cr.Metadata.Uid, vSwitch.Id, string.Join(",", groups)),
            DeleteOnRelease = true,
            ResourceGroupId = ctx.Options.ResourceGroupId,
        };
        var created = await ctx.Enis.CreateAsync(spec, ct);
        ctx.VSwitches.NoteAllocated(vSwitch.Id);
        ctx.Events.Publish(node, EventTypes.Normal, EventReasons.CreateEniSucceed, "Create", $"created trunk ENI {created.Id} in vSwitch {created.VSwitchId}");
        return created;
    }

    // The trunk goes into a default vSwitch of the node's zone, else the instance's primary vSwitch; security
    // groups are the defaults, else the instance's.
    private async Task<(VSwitchInfo VSwitch, IReadOnlyList<string> Groups)> TrunkPlacementAsync(NodeIdentity identity, CancellationToken ct)
    {
        var zone = identity.ZoneId!;
        VSwitchInfo? vSwitch = null;
        if (ctx.Options.VSwitches.TryGetValue(zone, out var defaults))
        {
            vSwitch = await ctx.VSwitches.SelectAsync([.. defaults], zone, ctx.Options.VSwitchSelectionPolicy, null, ct);
        }

        IReadOnlyList<string> groups = [.. ctx.Options.SecurityGroupIds];
        if (vSwitch is null || groups.Count == 0)
        {
            var instance = await ctx.Enis.GetInstanceNetworkAsync(identity.InstanceId!, ct)
                ?? throw new CloudApiException("DescribeInstances", CloudErrorKind.NotFound, "InvalidInstanceId.NotFound", $"instance {identity.InstanceId} does not exist");
            if (vSwitch is null && instance.VSwitchId is { } primary)
            {
                vSwitch = await ctx.VSwitches.GetAsync(primary, ct);
            }

            if (groups.Count == 0)
            {
                groups = instance.SecurityGroupIds;
            }
        }

        if (vSwitch is null)
        {
            throw new CloudApiException("DescribeVSwitches", CloudErrorKind.NotFound, "InvalidVSwitchId.NotFound", $"no usable vSwitch for the trunk ENI in zone {zone}");
        }

        return (vSwitch, groups);
    }

    // The node agent reads the trunk's MAC from status.networkInterfaces[<trunk id>]: keep this shape exact.
    private async Task<Nic> RecordTrunkAsync(V1Beta1Node cr, CloudEni trunk, CancellationToken ct)
    {
        var cidr = trunk.VSwitchId is null ? null : (await ctx.VSwitches.GetAsync(trunk.VSwitchId, ct))?.Cidr;
        var nic = new Nic
        {
            Id = trunk.Id,
            Status = trunk.Status,
            MacAddress = trunk.MacAddress,
            VSwitchId = trunk.VSwitchId,
            PrimaryIpAddress = trunk.PrimaryIp,
            NetworkInterfaceType = EniTypes.Trunk,
            NetworkInterfaceTrafficMode = NetworkInterfaceTrafficModes.Standard,
            Ipv4Cidr = cidr,
            SecurityGroupIds = [.. trunk.SecurityGroupIds],
        };
        await UpdateStatusAsync(cr, s =>
        {
            s.NetworkInterfaces ??= new Dictionary<string, Nic>(StringComparer.Ordinal);
            foreach (var other in s.NetworkInterfaces.Where(kv => kv.Value.NetworkInterfaceType == EniTypes.Trunk && kv.Key != trunk.Id).Select(kv => kv.Key).ToList())
            {
                s.NetworkInterfaces.Remove(other);
            }

            if (s.NetworkInterfaces.TryGetValue(trunk.Id, out var existing))
            {
                // Keep the agent's or pool's view of the trunk's secondary IPs.
                nic.Ipv4 = existing.Ipv4;
                nic.Ipv6 = existing.Ipv6;
                nic.Conditions = existing.Conditions;
            }

            s.NetworkInterfaces[trunk.Id] = nic;
            if (trunk.Status == EniStatuses.InUse)
            {
                MarkTrunkReady(s, cr, nic);
            }
            else
            {
                MarkTrunkNotReady(s, cr, ConditionReasons.TrunkNotReady, $"trunk ENI {trunk.Id} is {trunk.Status}", stalled: false);
            }
        }, ct);
        return nic;
    }

    private void MarkTrunkReady(NodeStatus s, V1Beta1Node cr, Nic trunk)
    {
        var message = $"trunk ENI {trunk.Id} ({trunk.MacAddress}) is InUse";
        StatusConditions.Set(s.Conditions ??= [], ConditionTypes.TrunkReady, ConditionStatuses.True, ConditionReasons.TrunkAttached, message, cr.Metadata.Generation, ctx.UtcNow);
        StatusConditions.MarkReady(s, cr.Metadata.Generation, ConditionReasons.TrunkAttached, message, ctx.UtcNow);
    }

    private void MarkTrunkNotReady(NodeStatus s, V1Beta1Node cr, string reason, string message, bool stalled)
    {
        StatusConditions.Set(s.Conditions ??= [], ConditionTypes.TrunkReady, ConditionStatuses.False, reason, message, cr.Metadata.Generation, ctx.UtcNow);
        _ = stalled
            ? StatusConditions.MarkStalled(s, cr.Metadata.Generation, reason, message, ctx.UtcNow)
            : StatusConditions.MarkReconciling(s, cr.Metadata.Generation, reason, message, ctx.UtcNow);
    }

    // trunk-on annotation and the extended resource, each written only when it differs.
    private async Task AdvertiseAsync(V1Node node, string? trunkId, string resource, int count, CancellationToken ct)
    {
        var key = ObjectKey.Cluster(node.Metadata.Name);
        if (trunkId is not null && node.GetAnnotation(Annotations.TrunkOn) != trunkId)
        {
            var body = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [Annotations.TrunkOn] = trunkId } } }.ToJsonString();
            await ctx.Client.PatchAsync<V1Node>(key, new Patch(PatchKind.Merge, body), cancellationToken: ct);
        }

        var quantity = count.ToString(CultureInfo.InvariantCulture);
        var capacity = node.Status?.Capacity?.TryGetValue(resource, out var c) == true ? c.ToString() : null;
        var allocatable = node.Status?.Allocatable?.TryGetValue(resource, out var a) == true ? a.ToString() : null;
        if (capacity != quantity || allocatable != quantity)
        {
            var body = new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["capacity"] = new JsonObject { [resource] = quantity },
                    ["allocatable"] = new JsonObject { [resource] = quantity },
                },
            }.ToJsonString();
            await ctx.Client.PatchAsync<V1Node>(key, new Patch(PatchKind.Merge, body), "status", ct);
        }
    }

    // The core Node is gone: PodENIs on it release their ENIs (the PodENI controller treats their pods as
    // gone), then the trunk is detached and deleted, then the Node CR is let go.
    private async Task<ReconcileResult> ReleaseAsync(string name, V1Beta1Node cr, CancellationToken ct)
    {
        if (!FinalizerExtensions.HasFinalizer(cr, Finalizers.NodeController))
        {
            return ReconcileResult.Done;
        }

        var instanceId = cr.Spec.NodeMetadata?.InstanceId;
        var pending = ctx.PodEnis.ByIndex(IndexNames.PodEnisByNode, name)
            .Concat(string.IsNullOrEmpty(instanceId) ? [] : ctx.PodEnis.ByIndex(IndexNames.PodEnisByInstance, instanceId))
            .Where(p => p.Status?.Phase != PodEniPhases.Unbind && (p.GetLabel(Labels.Node) == name || p.Status?.InstanceId == instanceId))
            .Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (pending.Count > 0)
        {
            var message = $"node {name} is gone; waiting for {pending.Count} PodENIs to release their ENIs ({string.Join(", ", pending.Take(5))}{(pending.Count > 5 ? ", ..." : "")})";
            await UpdateStatusAsync(cr, s => StatusConditions.MarkReconciling(s, cr.Metadata.Generation, ConditionReasons.Releasing, message, ctx.UtcNow), ct);
            return ReconcileResult.RequeueAfter(ReleasePoll);
        }

        if (!string.IsNullOrEmpty(instanceId) && await ReleaseTrunkAsync(name, cr, instanceId, ct) is { } wait)
        {
            return wait;
        }

        cr = Latest(name) ?? cr;
        cr = await ctx.Client.RemoveFinalizerAsync(cr, Finalizers.NodeController, ct);
        _written.TryRemove(name, out _);
        if (cr.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await ctx.Client.DeleteAsync<V1Beta1Node>(ObjectKey.Cluster(name), new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = cr.Metadata.Uid } }, ct);
            }
            catch (KubeApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Already gone (the garbage collector deleted it through the owner reference) or replaced.
            }
        }

        LogReleased(name);
        return ReconcileResult.Done;
    }

    // Detach and delete the node's trunk if it is ours; returns a result while that is in progress.
    private async Task<ReconcileResult?> ReleaseTrunkAsync(string name, V1Beta1Node cr, string instanceId, CancellationToken ct)
    {
        var recorded = NodeInfo.RecordedTrunk(cr);
        CloudEni? trunk = null;
        if (recorded is not null)
        {
            (await ctx.Enis.DescribeAsync([recorded.Id], ct)).TryGetValue(recorded.Id, out trunk);
        }
        else
        {
            var attached = await ctx.Enis.ListByInstanceAsync(instanceId, EniTypes.Trunk, ct);
            trunk = attached.Count > 0 ? attached[0] : null;
        }

        if (trunk is null || !IsOurs(trunk))
        {
            return null;
        }

        var message = $"node {name} is gone; releasing trunk ENI {trunk.Id} ({trunk.Status})";
        await UpdateStatusAsync(cr, s => StatusConditions.MarkReconciling(s, cr.Metadata.Generation, ConditionReasons.Releasing, message, ctx.UtcNow), ct);
        var spec = ctx.Options.Backoff(BackoffSpec.WaitEniStatus);
        switch (trunk.Status)
        {
            case EniStatuses.InUse when trunk.InstanceId is not null:
                try
                {
                    await ctx.Enis.DetachAsync(trunk.InstanceId, trunk.Id, null, ct);
                }
                catch (CloudApiException ex) when (ex.Code == "InvalidOperation.EniLinked")
                {
                    // Members are still attached to the trunk: detach the ones that are ours and that no PodENI
                    // claims (they would be garbage anyway); anything else keeps the trunk until it is gone.
                    await DetachLeftoverMembersAsync(trunk, ct);
                }

                ctx.Polls.Reset(trunk.Id);
                return ReconcileResult.RequeueAfter(Backoffs.Delay(spec, 0, ctx.Random));
            case EniStatuses.Available:
                await ctx.Enis.DeleteAsync(trunk.Id, ct);
                ctx.Events.Publish(cr, EventTypes.Normal, EventReasons.DeleteEniSucceed, "Delete", $"deleted trunk ENI {trunk.Id} of node {name}");
                return ReconcileResult.RequeueAfter(Backoffs.Delay(ctx.Options.Backoff(BackoffSpec.EniDeleteConfirm), 0, ctx.Random));
            default:
                return ReconcileResult.RequeueAfter(Backoffs.Delay(spec, ctx.Polls.Poll(trunk.Id, trunk.Status), ctx.Random));
        }
    }

    private async Task DetachLeftoverMembersAsync(CloudEni trunk, CancellationToken ct)
    {
        var claimed = ctx.PodEnis.List().SelectMany(p => p.Spec.Allocations ?? []).Select(a => a.Eni?.Id).Where(id => id is not null).ToHashSet(StringComparer.Ordinal);
        foreach (var member in await ctx.Enis.ListByInstanceAsync(trunk.InstanceId!, EniTypes.Member, ct))
        {
            if (member.TrunkId == trunk.Id && member.Status == EniStatuses.InUse && IsOurs(member) && !claimed.Contains(member.Id))
            {
                await ctx.Enis.DetachAsync(trunk.InstanceId!, member.Id, trunk.Id, ct);
            }
        }
    }

    private bool IsOurs(CloudEni eni) =>
        eni.Tags.TryGetValue(EniTags.ClusterIdKey, out var cluster) && cluster == ctx.Options.ClusterId
        && eni.Tags.TryGetValue(EniTags.CreatorKey, out var creator) && creator == EniTags.CreatorController;

    private V1Beta1Node? Latest(string name)
    {
        var cached = ctx.NodeCrs.Get(ObjectKey.Cluster(name));
        if (!_written.TryGetValue(name, out var written))
        {
            return cached;
        }

        if (cached is null || !IsNewer(written, cached))
        {
            _written.TryRemove(name, out _);
            return cached;
        }

        return written;
    }

    private V1Beta1Node Remember(V1Beta1Node cr)
    {
        _written[cr.Metadata.Name] = cr;
        return cr;
    }

    private async Task UpdateStatusAsync(V1Beta1Node cr, Action<NodeStatus> mutate, CancellationToken ct)
    {
        var fresh = Latest(cr.Metadata.Name) is { } latest && IsNewer(latest, cr) ? latest : cr;
        var updated = KubeObjects.DeepCopy(fresh);
        updated.Status ??= new NodeStatus();
        var before = k8s.KubernetesJson.Serialize(updated.Status);
        mutate(updated.Status);
        if (before == k8s.KubernetesJson.Serialize(updated.Status))
        {
            return;
        }

        Remember(await ctx.Client.UpdateStatusAsync(updated, ct));
    }

    private static bool IsNewer(V1Beta1Node a, V1Beta1Node b) =>
        long.TryParse(a.Metadata.ResourceVersion, out var x) && long.TryParse(b.Metadata.ResourceVersion, out var y) && x > y;

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} is gone and its ENIs are released; the Node CR is let go")]
    private partial void LogReleased(string node);
}
