using Terway.Cloud.Errors;
using Terway.Cloud.Vpc;

namespace Terway.Operator.Webhooks.PodNetworkings;

/// <summary>
/// <see cref="IVSwitchLookup"/> over the VPC API: one DescribeVSwitches per ID, in parallel, through the client's
/// rate limits. A PodNetworking names a handful of vSwitches and is created rarely, so this costs little.
/// </summary>
public sealed class VpcVSwitchLookup : IVSwitchLookup
{
    private readonly IVpcClient _vpc;

    /// <summary>Creates the lookup over <paramref name="vpc"/>.</summary>
    public VpcVSwitchLookup(IVpcClient vpc) => _vpc = vpc;

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, VSwitchInfo>> LookupAsync(IReadOnlyCollection<string> vSwitchIds, CancellationToken cancellationToken)
    {
        var found = await Task.WhenAll(vSwitchIds.Select(async id =>
        {
            try
            {
                var page = await _vpc.DescribeVSwitchesAsync(new DescribeVSwitchesRequest { VSwitchId = id, PageSize = 10 }, cancellationToken);
                return page.Items.FirstOrDefault(v => v.VSwitchId == id) is { } v ? new VSwitchInfo(v.VSwitchId, v.VpcId, v.ZoneId) : null;
            }
            catch (CloudApiException ex) when (ex.Kind == CloudErrorKind.NotFound || ex.Code.StartsWith("InvalidVSwitchId", StringComparison.Ordinal))
            {
                // The API answers an unknown or malformed ID with an error rather than an empty page.
                return null;
            }
        }));
        return found.Where(v => v is not null).ToDictionary(v => v!.Id, v => v!, StringComparer.Ordinal);
    }
}
