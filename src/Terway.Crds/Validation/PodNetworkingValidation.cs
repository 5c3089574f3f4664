using Terway.Crds.Durations;
using Terway.Crds.V1Beta1;

namespace Terway.Crds.Validation;

/// <summary>A rejected field and why.</summary>
/// <param name="Field">JSON path of the field, e.g. <c>spec.securityGroupIDs</c>.</param>
/// <param name="Message">Why it is invalid.</param>
public sealed record ValidationError(string Field, string Message);

/// <summary>
/// The static PodNetworking rules of Terway's validating webhook (terway.md §2.2). The CRD's
/// CEL rules encode the same checks, so the API server rejects what the webhook would even
/// when the webhook is down; this class lets the webhook and tests apply them in C#.
/// </summary>
public static class PodNetworkingValidation
{
    /// <summary>Most security groups an ENI can have.</summary>
    public const int MaxSecurityGroups = 10;

    /// <summary>Validates a PodNetworking spec as Terway's webhook does, after mutation filled defaults.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="requireDefaultEniTypeWithoutSelector">
    /// True when the operator does not inject resources (Terway's <c>enableWebhookInjectResource=false</c>):
    /// a PodNetworking without selectors must then use eniType Default.
    /// </param>
    /// <returns>The errors; empty when valid.</returns>
    public static IReadOnlyList<ValidationError> Validate(PodNetworkingSpec spec, bool requireDefaultEniTypeWithoutSelector = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<ValidationError>();

        var eniType = spec.EniOptions?.EniType;
        if (eniType is not null && eniType is not (EniAttachTypes.Trunk or EniAttachTypes.Eni or EniAttachTypes.Default))
        {
            errors.Add(new("spec.eniOptions.eniType", $"unsupported eniType '{eniType}'; use Trunk, ENI or Default"));
        }

        if (requireDefaultEniTypeWithoutSelector
            && spec.Selector?.PodSelector is null
            && spec.Selector?.NamespaceSelector is null
            && (eniType ?? EniAttachTypes.Default) != EniAttachTypes.Default)
        {
            errors.Add(new("spec.eniOptions.eniType", "a PodNetworking without selectors must use eniType Default when resource injection is off"));
        }

        var groups = spec.SecurityGroupIds?.Count ?? 0;
        if (groups is < 1 or > MaxSecurityGroups)
        {
            errors.Add(new("spec.securityGroupIDs", $"securityGroupIDs must list between 1 and {MaxSecurityGroups} security groups (got {groups})"));
        }

        if ((spec.VSwitchOptions?.Count ?? 0) < 1)
        {
            errors.Add(new("spec.vSwitchOptions", "vSwitchOptions must list at least one vSwitch"));
        }

        if (spec.VSwitchSelectOptions?.VSwitchSelectionPolicy is { } policy
            && policy is not (VSwitchSelectionPolicies.Ordered or VSwitchSelectionPolicies.Random or VSwitchSelectionPolicies.Most))
        {
            errors.Add(new("spec.vSwitchSelectOptions.vSwitchSelectionPolicy", $"unsupported policy '{policy}'; use ordered, random or most"));
        }

        errors.AddRange(ValidateAllocationType(spec.AllocationType, "spec.allocationType"));
        return errors;
    }

    /// <summary>Validates an allocation type (also used for pod-networks annotation entries).</summary>
    /// <param name="allocation">The allocation type, possibly null.</param>
    /// <param name="path">JSON path of the field for error messages.</param>
    /// <returns>The errors; empty when valid.</returns>
    public static IReadOnlyList<ValidationError> ValidateAllocationType(AllocationType? allocation, string path)
    {
        var errors = new List<ValidationError>();
        if (allocation is null)
        {
            return errors;
        }

        if (allocation.Type is { } type && type is not (IPAllocTypes.Elastic or IPAllocTypes.Fixed))
        {
            errors.Add(new(path + ".type", $"unsupported type '{type}'; use Elastic or Fixed"));
        }

        switch (allocation.ReleaseStrategy)
        {
            case null:
                break;
            case ReleaseStrategies.Never:
                if (!string.IsNullOrEmpty(allocation.ReleaseAfter))
                {
                    errors.Add(new(path + ".releaseAfter", "releaseAfter must be empty when releaseStrategy is Never"));
                }

                break;
            case ReleaseStrategies.Ttl:
                if (!GoDuration.TryParseNanoseconds(allocation.ReleaseAfter, out _))
                {
                    errors.Add(new(path + ".releaseAfter", $"releaseAfter '{allocation.ReleaseAfter}' is not a Go duration such as 5m0s or 1h30m"));
                }

                break;
            default:
                errors.Add(new(path + ".releaseStrategy", $"unsupported releaseStrategy '{allocation.ReleaseStrategy}'; use TTL or Never"));
                break;
        }

        return errors;
    }
}
