using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Terway.Crds;
using Terway.Crds.V1Beta1;
using Terway.Operator.Webhooks.Admission;
using Terway.Operator.Webhooks.PodNetworkings;
using Terway.Operator.Webhooks.Pods;
using Terway.Operator.Webhooks.State;

namespace Terway.Operator.Webhooks.Hosting;

/// <summary>
/// Routes admission requests to the pure decisions: <c>/mutating</c> handles pod CREATE and PodNetworking CREATE,
/// <c>/validate</c> handles PodNetworking CREATE and UPDATE; anything else is allowed untouched.
/// </summary>
internal sealed class AdmissionHandlers
{
    private const string Create = "CREATE";
    private const string Update = "UPDATE";

    private readonly WebhookOptions _options;
    private readonly IAdmissionState _state;
    private readonly PodMutationSettings _podSettings;
    private readonly PodNetworkingValidator _validator;

    public AdmissionHandlers(WebhookOptions options, IAdmissionState state, IVSwitchLookup? vSwitchLookup)
    {
        _options = options;
        _state = state;
        _podSettings = PodMutationSettings.From(options);
        _validator = new PodNetworkingValidator(options, vSwitchLookup);
    }

    /// <summary>The mutating webhook.</summary>
    public async Task<AdmissionDecision> MutateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation != Create || !string.IsNullOrEmpty(request.SubResource))
        {
            return AdmissionDecision.Allow($"{request.Operation} {request.Kind} is not mutated");
        }

        if (IsPod(request))
        {
            if (!TryDecode<V1Pod>(request, out var pod, out var denial))
            {
                return denial;
            }

            var ns = !string.IsNullOrEmpty(request.Namespace) ? request.Namespace : pod.Metadata?.NamespaceProperty ?? "default";
            var name = !string.IsNullOrEmpty(pod.Metadata?.Name) ? pod.Metadata.Name : request.Name;
            var context = new PodMutationContext(
                ns,
                await _state.NamespaceLabelsAsync(ns, cancellationToken),
                _state.PodNetworkings(),
                string.IsNullOrEmpty(name) ? null : _state.PodEni(ns, name),
                _podSettings);
            return PodMutation.Mutate(pod, context);
        }

        if (IsPodNetworking(request))
        {
            if (!TryDecode<V1Beta1PodNetworking>(request, out var podNetworking, out var denial))
            {
                return denial;
            }

            return PodNetworkingDefaults.Fill(podNetworking, request.Object?["spec"] is JsonObject, _options.DefaultVSwitchIds, _options.DefaultSecurityGroupIds);
        }

        return AdmissionDecision.Allow($"{request.Kind} is not mutated");
    }

    /// <summary>The validating webhook.</summary>
    public async Task<AdmissionDecision> ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (!IsPodNetworking(request) || request.Operation is not (Create or Update) || !string.IsNullOrEmpty(request.SubResource))
        {
            return AdmissionDecision.Allow($"{request.Operation} {request.Kind} is not validated");
        }

        if (!TryDecode<V1Beta1PodNetworking>(request, out var podNetworking, out var denial))
        {
            return denial;
        }

        V1Beta1PodNetworking? old = null;
        if (request.Operation == Update && request.OldObject is { } oldObject && !TryDecode<V1Beta1PodNetworking>(oldObject, out old, out _))
        {
            // An old object that does not decode cannot be compared; validate the new one on its own.
            old = null;
        }

        return await _validator.ValidateAsync(request.Operation, podNetworking, old, cancellationToken);
    }

    private static bool IsPod(AdmissionRequest r) => r.Group.Length == 0 && r.Kind == "Pod";

    private static bool IsPodNetworking(AdmissionRequest r) => r.Group == NetworkGroup.Name && r.Kind == V1Beta1PodNetworking.KubeKind;

    private static bool TryDecode<T>(AdmissionRequest request, out T value, out AdmissionDecision denial)
        where T : class
    {
        if (request.Object is null)
        {
            value = null!;
            denial = AdmissionDecision.BadRequest($"the {request.Operation} request carries no {request.Kind}");
            return false;
        }

        if (!TryDecode<T>(request.Object, out var decoded, out var error))
        {
            value = null!;
            denial = AdmissionDecision.BadRequest($"cannot decode the {request.Kind}: {error}");
            return false;
        }

        value = decoded!;
        denial = null!;
        return true;
    }

    private static bool TryDecode<T>(JsonObject obj, out T? value, out string error)
        where T : class
    {
        try
        {
            value = KubernetesJson.Deserialize<T>(obj.ToJsonString());
            error = "";
            return value is not null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            value = null;
            error = ex.Message;
            return false;
        }
    }
}
