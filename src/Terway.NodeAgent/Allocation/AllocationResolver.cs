using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Terway.CniShim.Protocol;
using Terway.Kube.Client;
using Terway.NodeAgent.Cni;
using Terway.NodeAgent.Configuration;
using Terway.NodeAgent.Kube;

namespace Terway.NodeAgent.Allocation;

/// <summary>
/// Waits for a pod's allocation. Each round reads the caches and decides (the pure evaluators);
/// while the answer is "not yet" it sleeps until the informers report a change to the node, the
/// Node CR or the pod's PodENI — event-driven, no polling — or until the deadline, when the last
/// "not yet" becomes the error: what the agent saw, on which node, after how long, and what it is
/// waiting for.
/// </summary>
internal sealed class AllocationResolver(AgentCluster cluster, NodeAgentOptions options, TimeProvider time)
{
    /// <summary>Waits for the PodENI or Node CR allocation of <paramref name="pod"/>'s <paramref name="ifName"/>.</summary>
    public Task<PodAllocation> WaitAsync(V1Pod pod, string ifName, AllocationSource source, CancellationToken cancellationToken)
    {
        var key = new PodIdentityKey(pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Metadata.Uid);
        Func<AllocationCheck> evaluate = source switch
        {
            AllocationSource.PodEni => () => PodEniEvaluator.Evaluate(key, ifName, cluster.PodEni(key.Namespace, key.Name),
                () => TrunkResolver.Resolve(options.NodeName, cluster.Node, cluster.NodeCr), options.VlanStripType),
            AllocationSource.NodeCr => () => NodeCrEvaluator.Evaluate(key, options.NodeName, cluster.NodeCr, options.EniIpVirtualType),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, "VPC mode allocates from the podCIDR"),
        };
        var podKey = new ObjectKey(key.Namespace, key.Name);
        var podEniKey = source == AllocationSource.PodEni ? podKey : (ObjectKey?)null;
        // The pod may be deleted while its ADD waits (the operator then never binds its PodENI): stop waiting at once
        // instead of holding the pod's lock, and its DEL, until the allocation timeout.
        var seen = false;
        AllocationCheck EvaluateWhileWanted()
        {
            var cached = cluster.Pods.Cache.Get(podKey);
            seen |= cached is not null && cached.Metadata.Uid == key.Uid;
            return PodGone(key, cached, seen) is { } gone ? new AllocationCheck.Failed(CniErrorCodes.PodNotFound, gone) : evaluate();
        }

        return WaitUntilReadyAsync(EvaluateWhileWanted, podEniKey, cancellationToken, podKey);
    }

    /// <summary>
    /// Why the ADD for <paramref name="pod"/> is no longer wanted, or null while it is: the pod in the informer cache
    /// (<paramref name="cached"/>) is being deleted, or is another pod of the same name, or the cache had the pod
    /// (<paramref name="seen"/>) and no longer has it. A pod not yet in the cache is still wanted (the ADD read it
    /// from the API server).
    /// </summary>
    internal static string? PodGone(PodIdentityKey pod, V1Pod? cached, bool seen)
    {
        var name = $"{pod.Namespace}/{pod.Name}";
        if (cached is null)
        {
            return seen ? $"pod {name} was deleted while its ADD waited for its allocation" : null;
        }

        if (pod.Uid is not null && cached.Metadata.Uid != pod.Uid)
        {
            return $"pod {name} was deleted and re-created (UID {cached.Metadata.Uid}, the ADD is for {pod.Uid}) while its ADD waited for its allocation";
        }

        return cached.Metadata.DeletionTimestamp is not null
            ? $"pod {name} is being deleted: its ADD no longer waits for its allocation"
            : null;
    }

    /// <summary>Waits until the node has a podCIDR (VPC mode); returns its IPv4 and IPv6 podCIDRs.</summary>
    public async Task<IReadOnlyList<IPNetwork>> WaitForPodCidrsAsync(CancellationToken cancellationToken)
    {
        _ = await WaitUntilReadyAsync(() =>
        {
            var cidrs = PodCidrs(cluster.Node);
            return cidrs.Count > 0
                ? new AllocationCheck.Ready(new PodAllocation(Datapath.DatapathMode.Vpc, null, null, null, null, $"podCIDR {string.Join(",", cidrs)}"))
                : new AllocationCheck.Waiting($"node {options.NodeName} has no spec.podCIDR", "waiting for the controller manager to assign one");
        }, null, cancellationToken);
        return PodCidrs(cluster.Node);
    }

    /// <summary>The node's InternalIP addresses (IPv4, IPv6).</summary>
    public (IPAddress? V4, IPAddress? V6) NodeAddresses()
    {
        IPAddress? v4 = null, v6 = null;
        foreach (var address in cluster.Node?.Status?.Addresses ?? [])
        {
            if (address.Type == "InternalIP" && IPAddress.TryParse(address.Address, out var ip))
            {
                if (ip.AddressFamily == AddressFamily.InterNetwork)
                {
                    v4 ??= ip;
                }
                else
                {
                    v6 ??= ip;
                }
            }
        }

        return (v4, v6);
    }

    private static List<IPNetwork> PodCidrs(V1Node? node)
    {
        var texts = node?.Spec?.PodCIDRs is { Count: > 0 } list ? list : node?.Spec?.PodCIDR is { Length: > 0 } one ? [one] : [];
        return [.. texts.Select(t => IPNetwork.TryParse(t, out var n) ? n : (IPNetwork?)null).OfType<IPNetwork>()];
    }

    private async Task<PodAllocation> WaitUntilReadyAsync(Func<AllocationCheck> evaluate, ObjectKey? podEni, CancellationToken cancellationToken, ObjectKey? pod = null)
    {
        var started = time.GetTimestamp();
        using var syncDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        syncDeadline.CancelAfter(options.AllocationTimeout);
        try
        {
            await cluster.WaitForSyncAsync(syncDeadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CniFailure(CniErrorCodes.TryAgainLater,
                $"the node agent's Kubernetes caches did not sync within {options.AllocationTimeout.TotalSeconds:0}s: {string.Join(", ", cluster.NotSynced)}",
                "check the agent's connection to the API server");
        }

        while (true)
        {
            // Take the change signal before reading the caches, so a change in between wakes us.
            var change = pod is { } podKey ? Task.WhenAny(cluster.NextChange(podEni), cluster.PodChanges.Next(podKey)) : cluster.NextChange(podEni);
            switch (evaluate())
            {
                case AllocationCheck.Ready ready:
                    return ready.Allocation;
                case AllocationCheck.Failed failed:
                    throw new CniFailure(failed.Code, failed.Message);
                case AllocationCheck.Waiting waiting:
                    var remaining = options.AllocationTimeout - time.GetElapsedTime(started);
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw new CniFailure(CniErrorCodes.TryAgainLater,
                            $"{waiting.State} on node {options.NodeName} after {options.AllocationTimeout.TotalSeconds:0}s: {waiting.Hint}");
                    }

                    using (var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        var timeout = Task.Delay(remaining, time, wake.Token);
                        await Task.WhenAny(change, timeout);
                        await wake.CancelAsync();
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                    break;
            }
        }
    }
}
