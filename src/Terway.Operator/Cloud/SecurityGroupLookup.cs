using Terway.Cloud.Ecs;

namespace Terway.Operator.Cloud;

/// <summary>Which security groups exist in the cluster's VPC.</summary>
internal interface ISecurityGroupLookup
{
    /// <summary>The subset of <paramref name="ids"/> that exists in the VPC.</summary>
    Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);
}

/// <summary><see cref="ISecurityGroupLookup"/> over DescribeSecurityGroups (absent IDs do not exist or are in another VPC).</summary>
internal sealed class SecurityGroupLookup(IEcsClient ecs, string vpcId) : ISecurityGroupLookup
{
    public async Task<IReadOnlySet<string>> FindExistingAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var batch in ids.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            await foreach (var sg in ecs.ListSecurityGroupsAsync(new DescribeSecurityGroupsRequest { VpcId = vpcId, SecurityGroupIds = batch }, cancellationToken))
            {
                found.Add(sg.SecurityGroupId);
            }
        }

        return found;
    }
}
