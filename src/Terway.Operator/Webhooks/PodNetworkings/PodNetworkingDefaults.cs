using System.Text.Json.Nodes;
using Terway.Crds.V1Beta1;
using Terway.Operator.Webhooks.Admission;

namespace Terway.Operator.Webhooks.PodNetworkings;

/// <summary>
/// Terway's PodNetworking mutation on CREATE: empty <c>securityGroupIDs</c> and <c>vSwitchOptions</c> are filled
/// from the cluster defaults (eni-config). Without defaults the object passes unchanged and validation decides.
/// </summary>
internal static class PodNetworkingDefaults
{
    /// <summary>Decides the patch for a new PodNetworking.</summary>
    /// <param name="podNetworking">The object as sent.</param>
    /// <param name="specPresent">Whether the request's object has a <c>spec</c> at all.</param>
    /// <param name="defaultVSwitchIds">Cluster default vSwitches.</param>
    /// <param name="defaultSecurityGroupIds">Cluster default security groups.</param>
    public static AdmissionDecision Fill(V1Beta1PodNetworking podNetworking, bool specPresent, IReadOnlyList<string> defaultVSwitchIds, IReadOnlyList<string> defaultSecurityGroupIds)
    {
        var spec = podNetworking.Spec;
        var fill = new JsonObject();
        var filled = new List<string>();
        if ((spec.SecurityGroupIds?.Count ?? 0) == 0 && defaultSecurityGroupIds.Count > 0)
        {
            fill["securityGroupIDs"] = Array(defaultSecurityGroupIds);
            filled.Add("securityGroupIDs");
        }

        if ((spec.VSwitchOptions?.Count ?? 0) == 0 && defaultVSwitchIds.Count > 0)
        {
            fill["vSwitchOptions"] = Array(defaultVSwitchIds);
            filled.Add("vSwitchOptions");
        }

        if (filled.Count == 0)
        {
            return AdmissionDecision.Allow((spec.SecurityGroupIds?.Count ?? 0) > 0 && (spec.VSwitchOptions?.Count ?? 0) > 0
                ? "security groups and vSwitches are set"
                : "no cluster defaults to fill in");
        }

        if (!specPresent)
        {
            return AdmissionDecision.Patched([JsonPatchOperation.Add("/spec", fill)], "spec filled from the cluster defaults");
        }

        var patch = fill.Select(p => JsonPatchOperation.Add("/spec/" + p.Key, p.Value!.DeepClone())).ToList();
        return AdmissionDecision.Patched(patch, $"{string.Join(" and ", filled)} filled from the cluster defaults");
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
