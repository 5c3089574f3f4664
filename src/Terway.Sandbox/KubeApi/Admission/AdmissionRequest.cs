using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Resources;

namespace Terway.Sandbox.KubeApi.Admission;

/// <summary>The attributes of one write, as admission sees them.</summary>
internal sealed record AdmissionRequest(
    ResourceType Resource,
    string Operation,
    string Namespace,
    string Name,
    string SubResource,
    JsonObject? Object,
    JsonObject? OldObject,
    UserInfo User,
    bool DryRun,
    string OptionsKind);

/// <summary>An admission stage: mutating runs before validation, validating after.</summary>
internal interface IAdmissionController
{
    /// <summary>Returns the (possibly patched) object, or throws a <see cref="Errors.StatusException"/> to reject.</summary>
    Task<JsonObject?> MutateAsync(AdmissionRequest request, CancellationToken ct);

    /// <summary>Throws a <see cref="Errors.StatusException"/> to reject.</summary>
    Task ValidateAsync(AdmissionRequest request, CancellationToken ct);
}

/// <summary>No admission webhooks.</summary>
internal sealed class NoAdmission : IAdmissionController
{
    public static readonly NoAdmission Instance = new();

    public Task<JsonObject?> MutateAsync(AdmissionRequest request, CancellationToken ct) => Task.FromResult(request.Object);

    public Task ValidateAsync(AdmissionRequest request, CancellationToken ct) => Task.CompletedTask;
}
