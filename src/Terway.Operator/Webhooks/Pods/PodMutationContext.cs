using Terway.Crds.V1Beta1;

namespace Terway.Operator.Webhooks.Pods;

/// <summary>The cluster settings pod mutation depends on.</summary>
/// <param name="EnableTrunk">Trunking on: eniType Default networks use member ENIs.</param>
/// <param name="InjectResource">Add the ENI extended resource to the first container.</param>
/// <param name="CustomStatefulKinds">Owner kinds (besides StatefulSet) whose pods keep their names.</param>
/// <param name="DefaultVSwitchIds">Cluster default vSwitches for an <c>eth0</c> network without any.</param>
/// <param name="DefaultSecurityGroupIds">Cluster default security groups for an <c>eth0</c> network without any.</param>
/// <param name="DefaultEniForUnmatchedPods">Give unmatched pods a default <c>eth0</c> network (Terway's <c>ipamType: crd</c>).</param>
internal sealed record PodMutationSettings(
    bool EnableTrunk,
    bool InjectResource,
    IReadOnlyList<string> CustomStatefulKinds,
    IReadOnlyList<string> DefaultVSwitchIds,
    IReadOnlyList<string> DefaultSecurityGroupIds,
    bool DefaultEniForUnmatchedPods)
{
    /// <summary>The settings in <paramref name="options"/>.</summary>
    public static PodMutationSettings From(WebhookOptions options) => new(
        options.EnableTrunk,
        options.EnableWebhookInjectResource,
        options.CustomStatefulWorkloadKinds,
        options.DefaultVSwitchIds,
        options.DefaultSecurityGroupIds,
        options.DefaultEniForUnmatchedPods);
}

/// <summary>What pod mutation reads besides the pod: everything comes from caches, so the function stays pure.</summary>
/// <param name="Namespace">Namespace of the request (a pod being created may not carry its own).</param>
/// <param name="NamespaceLabels">Labels of that namespace.</param>
/// <param name="PodNetworkings">Every PodNetworking, sorted by name (the order Terway's list returns); not only Ready ones.</param>
/// <param name="ExistingPodEni">The PodENI named after the pod in its namespace, if any.</param>
/// <param name="Settings">The cluster settings.</param>
internal sealed record PodMutationContext(
    string Namespace,
    IReadOnlyDictionary<string, string> NamespaceLabels,
    IReadOnlyList<V1Beta1PodNetworking> PodNetworkings,
    V1Beta1PodEni? ExistingPodEni,
    PodMutationSettings Settings);
