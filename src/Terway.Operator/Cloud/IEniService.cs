namespace Terway.Operator.Cloud;

/// <summary>
/// The ENI operations the controllers need, over the cloud client (so every call goes through its per-API
/// rate limits and retries). "Already gone" answers of detach and delete are successes.
/// </summary>
internal interface IEniService
{
    /// <summary>CreateNetworkInterface; the same <see cref="EniCreateSpec.ClientToken"/> returns the same ENI.</summary>
    Task<CloudEni> CreateAsync(EniCreateSpec spec, CancellationToken cancellationToken);

    /// <summary>AttachNetworkInterface (a member when <paramref name="trunkId"/> is given).</summary>
    Task AttachAsync(string instanceId, string eniId, string? trunkId, CancellationToken cancellationToken);

    /// <summary>DetachNetworkInterface; an ENI or instance that is gone counts as detached.</summary>
    Task DetachAsync(string instanceId, string eniId, string? trunkId, CancellationToken cancellationToken);

    /// <summary>DeleteNetworkInterface; an ENI that is gone counts as deleted.</summary>
    Task DeleteAsync(string eniId, CancellationToken cancellationToken);

    /// <summary>DescribeNetworkInterfaces by ID (batched); absent IDs do not exist.</summary>
    Task<IReadOnlyDictionary<string, CloudEni>> DescribeAsync(IReadOnlyCollection<string> eniIds, CancellationToken cancellationToken);

    /// <summary>ENIs attached to <paramref name="instanceId"/> (members included), optionally of one type.</summary>
    Task<IReadOnlyList<CloudEni>> ListByInstanceAsync(string instanceId, string? type, CancellationToken cancellationToken);

    /// <summary>An instance's primary vSwitch and security groups (DescribeInstances); null when the instance does not exist.</summary>
    Task<InstanceNetwork?> GetInstanceNetworkAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>The operator's ENIs whose owner tag <paramref name="ownerKey"/> is <paramref name="owner"/>.</summary>
    Task<IReadOnlyList<CloudEni>> ListByOwnerAsync(string ownerKey, string owner, CancellationToken cancellationToken);

    /// <summary>Every ENI in the cluster's VPC tagged as the operator's (<c>ack.aliyun.com=&lt;cluster&gt;</c>, <c>creator=terway-controller</c>).</summary>
    Task<IReadOnlyList<CloudEni>> ListOwnedAsync(CancellationToken cancellationToken);
}

/// <summary>Where an instance's primary ENI lives.</summary>
/// <param name="VSwitchId">Its primary vSwitch.</param>
/// <param name="SecurityGroupIds">Its security groups.</param>
internal sealed record InstanceNetwork(string? VSwitchId, IReadOnlyList<string> SecurityGroupIds);
