using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Sandbox.Cloud;

namespace Terway.Sandbox.Demo;

/// <summary>What the demo found about its pods' ENIs (Terway's part of the summary).</summary>
/// <param name="Pods">Running pods checked.</param>
/// <param name="OnOwnMemberEni">Of them, on their own member ENI: PodENI in Bind, the ENI a member InUse on the PodENI's trunk in the cloud, in a pod vSwitch, the pod's IP the ENI's.</param>
/// <param name="MemberEnis">Member ENIs in the cloud.</param>
/// <param name="TrunkEnis">Trunk ENIs in the cloud.</param>
/// <param name="Problems">Why a pod is not on its own member ENI, one line per pod.</param>
public sealed record MemberEniReport(int Pods, int OnOwnMemberEni, int MemberEnis, int TrunkEnis, IReadOnlyList<string> Problems);

/// <summary>Checks that every running pod is wired through its own member ENI, as Terway's trunk mode promises.</summary>
internal static class MemberEniCheck
{
    /// <summary>
    /// Checks <paramref name="pods"/> against their PodENIs (<paramref name="podEniOf"/>) and the cloud
    /// (<paramref name="cloud"/>); <paramref name="podVSwitches"/> are the vSwitches pod ENIs must be in.
    /// </summary>
    public static MemberEniReport Evaluate(IReadOnlyList<V1Pod> pods, Func<ObjectKey, V1Beta1PodEni?> podEniOf, RegionSnapshot cloud, IReadOnlySet<string> podVSwitches)
    {
        var problems = new List<string>();
        foreach (var pod in pods)
        {
            if (Problem(pod, podEniOf(ObjectKey.From(pod)), cloud, podVSwitches) is { } problem)
            {
                problems.Add($"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}: {problem}");
            }
        }

        return new MemberEniReport(pods.Count, pods.Count - problems.Count,
            cloud.NetworkInterfaces.Count(e => e.Type == EniType.Member),
            cloud.NetworkInterfaces.Count(e => e.Type == EniType.Trunk), problems);
    }

    private static string? Problem(V1Pod pod, V1Beta1PodEni? podEni, RegionSnapshot cloud, IReadOnlySet<string> podVSwitches)
    {
        if (podEni is null)
        {
            return "no PodENI";
        }

        if (podEni.Status?.Phase != PodEniPhases.Bind)
        {
            return $"PodENI in phase {podEni.Status?.Phase ?? "(none)"}, not Bind";
        }

        var eniId = podEni.Spec.Allocations?.FirstOrDefault()?.Eni?.Id;
        if (eniId is null || cloud.FindEni(eniId) is not { } eni)
        {
            return $"the PodENI's ENI {eniId ?? "(none)"} is not in the cloud";
        }

        if (eni.Type != EniType.Member || eni.Status != EniStatus.InUse || eni.TrunkNetworkInterfaceId != podEni.Status.TrunkEniId)
        {
            return $"ENI {eniId} is {eni.Type} {eni.Status} on {eni.TrunkNetworkInterfaceId ?? "no trunk"}, not a member InUse on trunk {podEni.Status.TrunkEniId}";
        }

        if (!podVSwitches.Contains(eni.VSwitchId))
        {
            return $"ENI {eniId} is in vSwitch {eni.VSwitchId}, not a pod vSwitch";
        }

        return pod.Status?.PodIP == eni.PrimaryIpAddress ? null : $"pod IP {pod.Status?.PodIP} is not ENI {eniId}'s {eni.PrimaryIpAddress}";
    }
}
