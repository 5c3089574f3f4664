namespace Terway.Operator.Webhooks.PodNetworkings;

/// <summary>A vSwitch as the cloud reports it.</summary>
/// <param name="Id">vSwitch ID.</param>
/// <param name="VpcId">The VPC it belongs to.</param>
/// <param name="ZoneId">Its zone.</param>
public sealed record VSwitchInfo(string Id, string? VpcId, string? ZoneId);

/// <summary>
/// The validating webhook's optional cloud check: which of a PodNetworking's vSwitches exist (and in which VPC).
/// Register an implementation in DI (or pass one to <see cref="Hosting.WebhookServer"/>) to reject unknown
/// vSwitches at admission; without one, a missing vSwitch shows up in the PodNetworking's status (Fail,
/// <c>VSwitchNotFound</c>) from the PodNetworking controller.
/// </summary>
public interface IVSwitchLookup
{
    /// <summary>Looks up <paramref name="vSwitchIds"/>; IDs missing from the result do not exist.</summary>
    /// <param name="vSwitchIds">The IDs to look up (distinct).</param>
    /// <param name="cancellationToken">Cancels the lookup; the webhook bounds it by <see cref="WebhookOptions.CloudLookupTimeout"/>.</param>
    /// <returns>The vSwitches found, by ID. Throws when the cloud cannot answer (throttled, unreachable).</returns>
    Task<IReadOnlyDictionary<string, VSwitchInfo>> LookupAsync(IReadOnlyCollection<string> vSwitchIds, CancellationToken cancellationToken);
}
