using k8s.Models;

namespace Terway.Sandbox.Cluster.Scheduling;

/// <summary>Why a node does not fit a pod; the text is what the real scheduler prints for the same predicate.</summary>
internal static class FitReasons
{
    public const string NodeAffinity = "node(s) didn't match Pod's node affinity/selector";
    public const string Unschedulable = "node(s) were unschedulable";
    public const string NotReady = "node(s) were not ready";
    public const string TooManyPods = "Too many pods";

    public static string Insufficient(string resource) => $"Insufficient {resource}";

    public static string UntoleratedTaint(V1Taint taint) => $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";
}

/// <summary>The resources a pod asks for, as the scheduler counts them.</summary>
internal static class PodRequests
{
    /// <summary>
    /// Requests per resource: the sum over containers (a limit stands in for a missing request, as
    /// the API defaults it), or the largest init container's when that is larger.
    /// </summary>
    public static IReadOnlyDictionary<string, decimal> Of(V1Pod pod)
    {
        var total = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var c in pod.Spec?.Containers ?? [])
        {
            foreach (var (name, value) in ContainerRequests(c))
            {
                total[name] = total.GetValueOrDefault(name) + value;
            }
        }

        foreach (var c in pod.Spec?.InitContainers ?? [])
        {
            foreach (var (name, value) in ContainerRequests(c))
            {
                if (value > total.GetValueOrDefault(name))
                {
                    total[name] = value;
                }
            }
        }

        return total;
    }

    private static Dictionary<string, decimal> ContainerRequests(V1Container c)
    {
        var result = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var (name, q) in c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
        {
            result[name] = q.ToDecimal();
        }

        foreach (var (name, q) in c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            result[name] = q.ToDecimal();
        }

        return result;
    }

    /// <summary>True for pods that hold node resources: bound, not finished.</summary>
    public static bool HoldsResources(V1Pod pod) =>
        !string.IsNullOrEmpty(pod.Spec?.NodeName) && pod.Status?.Phase is not ("Succeeded" or "Failed");
}

/// <summary>A node with the pods bound to it, as the scheduler sees it.</summary>
/// <param name="Node">The node.</param>
/// <param name="Pods">Pods bound to it that hold resources (assumed ones included).</param>
internal sealed record NodeInfo(V1Node Node, IReadOnlyList<V1Pod> Pods);

/// <summary>The outcome of fitting one pod on one node.</summary>
/// <param name="Reasons">Why it does not fit; empty when it fits.</param>
internal sealed record Fit(IReadOnlyList<string> Reasons)
{
    public bool Fits => Reasons.Count == 0;
}

/// <summary>
/// The scheduler's predicates, as pure functions: node readiness and <c>spec.unschedulable</c>,
/// NoSchedule/NoExecute taints against tolerations, <c>nodeSelector</c>, required node affinity
/// (terms ORed, expressions ANDed; In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields on
/// metadata.name), the pod count and every requested resource (cpu, memory, extended resources
/// such as aliyun/member-eni and aliyun/eni) against allocatable minus what bound pods request.
/// </summary>
internal static class SchedulerFit
{
    public static Fit Check(V1Pod pod, NodeInfo info)
    {
        var reasons = new List<string>();
        var node = info.Node;
        var tolerations = pod.Spec?.Tolerations ?? [];
        if (node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready") is not { Status: "True" })
        {
            reasons.Add(FitReasons.NotReady);
        }

        if (node.Spec?.Unschedulable == true && !Tolerates(tolerations, new V1Taint { Key = KubeNames.UnschedulableTaint, Effect = "NoSchedule" }))
        {
            reasons.Add(FitReasons.Unschedulable);
        }

        foreach (var taint in node.Spec?.Taints ?? [])
        {
            if (taint.Effect is "NoSchedule" or "NoExecute" && !Tolerates(tolerations, taint))
            {
                reasons.Add(FitReasons.UntoleratedTaint(taint));
                break;
            }
        }

        if (!MatchesNodeSelectorAndAffinity(pod, node))
        {
            reasons.Add(FitReasons.NodeAffinity);
        }

        var allocatable = node.Status?.Allocatable ?? new Dictionary<string, ResourceQuantity>();
        if (allocatable.TryGetValue("pods", out var maxPods) && info.Pods.Count + 1 > maxPods.ToDecimal())
        {
            reasons.Add(FitReasons.TooManyPods);
        }

        var used = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var p in info.Pods)
        {
            foreach (var (name, value) in PodRequests.Of(p))
            {
                used[name] = used.GetValueOrDefault(name) + value;
            }
        }

        foreach (var (name, value) in PodRequests.Of(pod).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (value <= 0 || name == "pods")
            {
                continue;
            }

            var capacity = allocatable.TryGetValue(name, out var q) ? q.ToDecimal() : 0;
            if (used.GetValueOrDefault(name) + value > capacity)
            {
                reasons.Add(FitReasons.Insufficient(name));
            }
        }

        return new Fit(reasons);
    }

    /// <summary>
    /// The scheduler's summary for a pod that fits nowhere: "0/N nodes are available: " and the
    /// count of nodes per reason, reasons sorted, as the real scheduler words it.
    /// </summary>
    public static string Summarize(int nodeCount, IEnumerable<Fit> fits)
    {
        var counts = fits.SelectMany(f => f.Reasons).GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}").Order(StringComparer.Ordinal);
        var detail = string.Join(", ", counts);
        return nodeCount == 0 ? "no nodes available to schedule pods" : $"0/{nodeCount} nodes are available: {detail}.";
    }

    /// <summary>Among fitting nodes, the least loaded (fewest pods), ties broken by name, so pods spread.</summary>
    public static NodeInfo? Choose(IEnumerable<NodeInfo> fitting) =>
        fitting.OrderBy(n => n.Pods.Count).ThenBy(n => n.Node.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();

    public static bool MatchesNodeSelectorAndAffinity(V1Pod pod, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var (key, value) in pod.Spec?.NodeSelector ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var have) || have != value)
            {
                return false;
            }
        }

        var required = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        if (required is null)
        {
            return true;
        }

        // Terms are ORed; an empty term list matches nothing (as the real scheduler), an empty term matches nothing.
        return (required.NodeSelectorTerms ?? []).Any(term => MatchesTerm(term, node, labels));
    }

    private static bool MatchesTerm(V1NodeSelectorTerm term, V1Node node, IDictionary<string, string> labels)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        return expressions.All(e => Matches(e, labels.TryGetValue(e.Key, out var v) ? v : null))
            && fields.All(f => f.Key == "metadata.name" && Matches(f, node.Metadata.Name));
    }

    private static bool Matches(V1NodeSelectorRequirement requirement, string? value)
    {
        var values = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => value is not null && long.TryParse(value, out var a) && values.Count == 1 && long.TryParse(values[0], out var b) && a > b,
            "Lt" => value is not null && long.TryParse(value, out var c) && values.Count == 1 && long.TryParse(values[0], out var d) && c < d,
            _ => false,
        };
    }

    private static bool Tolerates(IEnumerable<V1Toleration> tolerations, V1Taint taint) => tolerations.Any(t =>
        (string.IsNullOrEmpty(t.Effect) || t.Effect == taint.Effect)
        && (t.OperatorProperty == "Exists"
            ? string.IsNullOrEmpty(t.Key) || t.Key == taint.Key
            : t.Key == taint.Key && (t.Value ?? "") == (taint.Value ?? "")));
}
