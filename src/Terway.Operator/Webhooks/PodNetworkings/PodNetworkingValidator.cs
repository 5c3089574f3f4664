using k8s;
using Terway.Crds.V1Beta1;
using Terway.Crds.Validation;
using Terway.Operator.Webhooks.Admission;
using Terway.Operator.Webhooks.Selectors;

namespace Terway.Operator.Webhooks.PodNetworkings;

/// <summary>
/// The validating webhook for PodNetworkings, on CREATE and UPDATE:
/// <list type="bullet">
/// <item>Terway's static rules (<see cref="PodNetworkingValidation.Validate"/>: 1–10 security groups, at least one vSwitch,
/// TTL needs a Go duration and Never no releaseAfter, known enum values, eniType Default for a selector-less
/// PodNetworking when resource injection is off), plus selectors that parse (operators, values, label syntax);</item>
/// <item>optionally, through <see cref="IVSwitchLookup"/>, that the vSwitches exist (and are in the cluster's VPC) —
/// on CREATE all of them, on UPDATE only newly added ones; a lookup that fails or times out allows the request with
/// a warning, since the PodNetworking controller reports missing vSwitches in status anyway;</item>
/// <item>on UPDATE, rules the old object already broke are reported as warnings rather than denials (ratcheting), so
/// an object stored before this webhook existed can still be edited or cleaned up; and changes to fields that only
/// affect new pods (allocation type, ENI type, security groups, vSwitches, selectors) carry a warning saying so.
/// Terway validates CREATE only; validating updates too keeps an object from being edited into a state its
/// controller cannot act on.</item>
/// </list>
/// </summary>
internal sealed class PodNetworkingValidator
{
    private readonly WebhookOptions _options;
    private readonly IVSwitchLookup? _lookup;

    public PodNetworkingValidator(WebhookOptions options, IVSwitchLookup? lookup)
    {
        _options = options;
        _lookup = lookup;
    }

    /// <summary>Validates a CREATE or UPDATE.</summary>
    public async Task<AdmissionDecision> ValidateAsync(string operation, V1Beta1PodNetworking podNetworking, V1Beta1PodNetworking? old, CancellationToken cancellationToken)
    {
        var errors = StaticErrors(podNetworking, _options.EnableWebhookInjectResource).ToList();
        var warnings = new List<string>();
        if (operation == "UPDATE" && old is not null)
        {
            var before = StaticErrors(old, _options.EnableWebhookInjectResource).Select(Format).ToHashSet(StringComparer.Ordinal);
            var kept = errors.Where(e => before.Contains(Format(e))).ToList();
            warnings.AddRange(kept.Select(e => $"{Format(e)} (unchanged by this update)"));
            errors.RemoveAll(kept.Contains);
            warnings.AddRange(UpdateWarnings(old, podNetworking));
        }

        if (errors.Count == 0 && _lookup is not null)
        {
            var previous = operation == "UPDATE" ? old?.Spec.VSwitchOptions ?? [] : [];
            var added = (podNetworking.Spec.VSwitchOptions ?? []).Where(id => !string.IsNullOrEmpty(id) && !previous.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
            if (added.Count > 0)
            {
                await CheckVSwitchesAsync(added, errors, warnings, cancellationToken);
            }
        }

        var name = podNetworking.Metadata?.Name ?? "";
        return errors.Count > 0
            ? AdmissionDecision.Invalid($"PodNetworking {name} is invalid: {string.Join("; ", errors.Select(Format))}", warnings)
            : AdmissionDecision.Allow("valid", warnings);
    }

    /// <summary>Terway's static rules plus selector syntax.</summary>
    public static IReadOnlyList<ValidationError> StaticErrors(V1Beta1PodNetworking podNetworking, bool injectResource)
    {
        var errors = new List<ValidationError>(PodNetworkingValidation.Validate(podNetworking.Spec, requireDefaultEniTypeWithoutSelector: !injectResource));
        errors.AddRange(LabelSelectors.Validate(podNetworking.Spec.Selector?.PodSelector, "spec.selector.podSelector"));
        errors.AddRange(LabelSelectors.Validate(podNetworking.Spec.Selector?.NamespaceSelector, "spec.selector.namespaceSelector"));
        return errors;
    }

    /// <summary>Warnings for spec changes that reach new pods only.</summary>
    public static IReadOnlyList<string> UpdateWarnings(V1Beta1PodNetworking old, V1Beta1PodNetworking updated)
    {
        var warnings = new List<string>();
        var oldType = EffectiveType(old.Spec.AllocationType);
        var newType = EffectiveType(updated.Spec.AllocationType);
        if (oldType != newType)
        {
            // Warnings stay under 120 characters: the API server may truncate longer ones.
            warnings.Add($"spec.allocationType.type {oldType} -> {newType}: applies to pods created from now on; existing PodENIs keep theirs");
        }

        var changed = new List<string>();
        if (oldType == newType && !SameJson(old.Spec.AllocationType, updated.Spec.AllocationType))
        {
            changed.Add("spec.allocationType");
        }

        if (!SameJson(old.Spec.EniOptions?.EniType, updated.Spec.EniOptions?.EniType))
        {
            changed.Add("spec.eniOptions");
        }

        if (!SameJson(old.Spec.SecurityGroupIds, updated.Spec.SecurityGroupIds))
        {
            changed.Add("spec.securityGroupIDs");
        }

        if (!SameJson(old.Spec.Selector, updated.Spec.Selector))
        {
            changed.Add("spec.selector");
        }

        warnings.AddRange(changed.Select(field => $"{field} changed: applies to pods created from now on; running pods keep theirs"));

        return warnings;
    }

    private async Task CheckVSwitchesAsync(List<string> ids, List<ValidationError> errors, List<string> warnings, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CloudLookupTimeout);
        IReadOnlyDictionary<string, VSwitchInfo> found;
        try
        {
            found = await _lookup!.LookupAsync(ids, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            warnings.Add($"vSwitches not verified (no cloud answer in {_options.CloudLookupTimeout.TotalSeconds:0.#} s); the PodNetworking status reports missing ones");
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var why = ex.Message.Length > 50 ? ex.Message[..50] + "..." : ex.Message;
            warnings.Add($"vSwitches not verified ({why}); the PodNetworking status reports missing ones");
            return;
        }

        foreach (var id in ids)
        {
            if (!found.TryGetValue(id, out var vSwitch))
            {
                errors.Add(new("spec.vSwitchOptions", $"vSwitch {id} does not exist"));
            }
            else if (!string.IsNullOrEmpty(_options.VpcId) && !string.IsNullOrEmpty(vSwitch.VpcId) && vSwitch.VpcId != _options.VpcId)
            {
                errors.Add(new("spec.vSwitchOptions", $"vSwitch {id} is in VPC {vSwitch.VpcId}, not in the cluster's VPC {_options.VpcId}"));
            }
        }
    }

    private static string EffectiveType(AllocationType? allocation) =>
        string.IsNullOrEmpty(allocation?.Type) ? IPAllocTypes.Elastic : allocation.Type;

    private static bool SameJson<T>(T? a, T? b) =>
        (a is null && b is null) || (a is not null && b is not null && KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b));

    private static string Format(ValidationError e) => $"{e.Field}: {e.Message}";
}
