using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Crds.Workloads;
using Terway.Kube.Client;
using Terway.Operator.Controllers.Node;
using Terway.Operator.Controllers.Pod;

namespace Terway.Operator.Controllers.Shared;

/// <summary>Which node changes wake which controller (pure).</summary>
internal static class NodeEvents
{
    /// <summary>Node controller: what it reads or writes on the core Node changed (heartbeat-only status updates are dropped).</summary>
    public static bool Matters(V1Node old, V1Node now) =>
        IdentityChanged(old, now)
        || old.GetAnnotation(Annotations.TrunkOn) != now.GetAnnotation(Annotations.TrunkOn)
        || Quantity(old, ExtendedResources.MemberEni) != Quantity(now, ExtendedResources.MemberEni)
        || Quantity(old, ExtendedResources.Eni) != Quantity(now, ExtendedResources.Eni);

    /// <summary>PodENI controller: the node's zone, instance, mode or existence changed.</summary>
    public static bool IdentityChanged(V1Node old, V1Node now) =>
        NodeInfo.Identity(old) != NodeInfo.Identity(now)
        || NodeInfo.IsEniOnly(old) != NodeInfo.IsEniOnly(now)
        || (old.Metadata.DeletionTimestamp is null) != (now.Metadata.DeletionTimestamp is null);

    /// <summary>PodENI controller: the node's usable (InUse) trunk changed — pods waiting on it can bind now.</summary>
    public static bool TrunkChanged(V1Beta1Node old, V1Beta1Node now) =>
        InUseTrunk(old) != InUseTrunk(now) || old.Spec.NodeCap?.MemberAdapterLimit != now.Spec.NodeCap?.MemberAdapterLimit;

    private static string? InUseTrunk(V1Beta1Node cr) => NodeInfo.RecordedTrunk(cr) is { Status: EniStatuses.InUse } t ? t.Id : null;

    private static string? Quantity(V1Node node, string resource) =>
        node.Status?.Capacity?.TryGetValue(resource, out var q) == true ? q.ToString() : null;
}

/// <summary>Which pod changes wake the PodENI controller (pure), and which pods a PodNetworking change concerns.</summary>
internal static class PodEvents
{
    /// <summary>Scheduling, deletion, phase, network annotations, labels or address changed.</summary>
    public static bool Matters(V1Pod old, V1Pod now) =>
        old.Metadata.Uid != now.Metadata.Uid
        || old.Spec?.NodeName != now.Spec?.NodeName
        || (old.Metadata.DeletionTimestamp is null) != (now.Metadata.DeletionTimestamp is null)
        || PodIdentity.IsSandboxExited(old) != PodIdentity.IsSandboxExited(now)
        || old.GetAnnotation(Annotations.PodNetworks) != now.GetAnnotation(Annotations.PodNetworks)
        || old.GetAnnotation(Annotations.PodNetworking) != now.GetAnnotation(Annotations.PodNetworking)
        || old.GetAnnotation(Annotations.PodEni) != now.GetAnnotation(Annotations.PodEni)
        || !SameLabels(old.Metadata.Labels, now.Metadata.Labels);

    /// <summary>
    /// Pods a PodNetworking status change concerns: those naming it, and scheduled pods without a PodENI or
    /// an address yet whose labels its selectors match (they may have been waiting for it to become Ready).
    /// </summary>
    public static IEnumerable<ObjectKey> PodsFor(OperatorContext ctx, V1Beta1PodNetworking pn)
    {
        var keys = new HashSet<ObjectKey>(ctx.Pods.KeysByIndex(IndexNames.PodsByNetworking, pn.Metadata.Name));
        if (pn.Status?.Status == NetworkingStatuses.Ready && (pn.Spec.Selector?.PodSelector is not null || pn.Spec.Selector?.NamespaceSelector is not null))
        {
            foreach (var pod in ctx.Pods.List())
            {
                if (string.IsNullOrEmpty(pod.Spec?.NodeName) || !string.IsNullOrEmpty(pod.Status?.PodIP))
                {
                    continue;
                }

                var key = ObjectKey.From(pod);
                if (ctx.PodEnis.Get(key) is not null)
                {
                    continue;
                }

                var ns = ctx.Namespaces.Get(ObjectKey.Cluster(pod.Metadata.NamespaceProperty));
                if (PodNetworkResolver.Matches(pn, pod, ns?.Metadata?.Labels, PodIdentity.IsFixedName(pod, [.. ctx.Options.CustomStatefulWorkloadKinds])))
                {
                    keys.Add(key);
                }
            }
        }

        return keys;
    }

    /// <summary>Scheduled pods of <paramref name="ns"/> without a PodENI or an address: a namespace label change may make them match.</summary>
    public static IEnumerable<ObjectKey> PodsWithoutPodEni(OperatorContext ctx, string ns) =>
        ctx.Pods.List(ns)
            .Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName) && string.IsNullOrEmpty(p.Status?.PodIP))
            .Select(ObjectKey.From)
            .Where(k => ctx.PodEnis.Get(k) is null)
            .ToList();

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
