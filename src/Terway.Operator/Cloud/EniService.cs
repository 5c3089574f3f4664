using Terway.Cloud;
using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Crds.Names;

namespace Terway.Operator.Cloud;

/// <summary><see cref="IEniService"/> over <see cref="IEcsClient"/>.</summary>
internal sealed class EniService(IEcsClient ecs, string clusterId, string vpcId) : IEniService
{
    private const int DescribeBatch = 100;

    public async Task<CloudEni> CreateAsync(EniCreateSpec spec, CancellationToken cancellationToken)
    {
        var created = await ecs.CreateNetworkInterfaceAsync(new CreateNetworkInterfaceRequest
        {
            VSwitchId = spec.VSwitchId,
            SecurityGroupIds = spec.SecurityGroupIds,
            Type = spec.Trunk ? NetworkInterfaceCreateType.Trunk : NetworkInterfaceCreateType.Secondary,
            Tags = spec.Tags.Select(t => new CloudTag(t.Key, t.Value)).ToList(),
            Description = EniTags.Description,
            ClientToken = spec.ClientToken,
            DeleteOnRelease = spec.DeleteOnRelease,
            SourceDestCheck = false,
            Ipv6AddressCount = spec.Ipv6 ? 1 : null,
            ResourceGroupId = spec.ResourceGroupId,
        }, cancellationToken);
        return CloudEni.From(created);
    }

    public Task AttachAsync(string instanceId, string eniId, string? trunkId, CancellationToken cancellationToken) =>
        ecs.AttachNetworkInterfaceAsync(new AttachNetworkInterfaceRequest
        {
            InstanceId = instanceId,
            NetworkInterfaceId = eniId,
            TrunkNetworkInstanceId = trunkId,
        }, cancellationToken);

    public async Task DetachAsync(string instanceId, string eniId, string? trunkId, CancellationToken cancellationToken)
    {
        try
        {
            await ecs.DetachNetworkInterfaceAsync(new DetachNetworkInterfaceRequest
            {
                InstanceId = instanceId,
                NetworkInterfaceId = eniId,
                TrunkNetworkInstanceId = trunkId,
            }, cancellationToken);
        }
        catch (CloudApiException ex) when (ex.IsNotFound)
        {
            // InvalidEniId.NotFound / InvalidEcsId.NotFound: nothing is attached any more (Terway treats both as success).
        }
    }

    public async Task DeleteAsync(string eniId, CancellationToken cancellationToken)
    {
        try
        {
            await ecs.DeleteNetworkInterfaceAsync(eniId, cancellationToken);
        }
        catch (CloudApiException ex) when (ex.IsNotFound)
        {
            // Already deleted: the goal is reached.
        }
    }

    public async Task<IReadOnlyDictionary<string, CloudEni>> DescribeAsync(IReadOnlyCollection<string> eniIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, CloudEni>(StringComparer.Ordinal);
        foreach (var batch in eniIds.Distinct(StringComparer.Ordinal).Chunk(DescribeBatch))
        {
            await foreach (var n in ecs.ListNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = batch }, cancellationToken))
            {
                result[n.NetworkInterfaceId] = CloudEni.From(n);
            }
        }

        return result;
    }

    public async Task<IReadOnlyList<CloudEni>> ListByInstanceAsync(string instanceId, string? type, CancellationToken cancellationToken)
    {
        var list = new List<CloudEni>();
        await foreach (var n in ecs.ListNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { InstanceId = instanceId, Type = type }, cancellationToken))
        {
            list.Add(CloudEni.From(n));
        }

        return list;
    }

    public async Task<InstanceNetwork?> GetInstanceNetworkAsync(string instanceId, CancellationToken cancellationToken)
    {
        var page = await ecs.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
        var instance = page.Items.FirstOrDefault(i => i.InstanceId == instanceId);
        return instance is null ? null : new InstanceNetwork(instance.VSwitchId, instance.SecurityGroupIds);
    }

    public Task<IReadOnlyList<CloudEni>> ListOwnedAsync(CancellationToken cancellationToken) => ListTaggedAsync(null, cancellationToken);

    public Task<IReadOnlyList<CloudEni>> ListByOwnerAsync(string ownerKey, string owner, CancellationToken cancellationToken) =>
        ListTaggedAsync(new CloudTag(ownerKey, owner), cancellationToken);

    private async Task<IReadOnlyList<CloudEni>> ListTaggedAsync(CloudTag? extra, CancellationToken cancellationToken)
    {
        var list = new List<CloudEni>();
        List<CloudTag> tags = [new CloudTag(EniTags.ClusterIdKey, clusterId), new CloudTag(EniTags.CreatorKey, EniTags.CreatorController)];
        if (extra is { } tag)
        {
            tags.Add(tag);
        }

        var request = new DescribeNetworkInterfacesRequest { VpcId = vpcId, Tags = tags };
        await foreach (var n in ecs.ListNetworkInterfacesAsync(request, cancellationToken))
        {
            list.Add(CloudEni.From(n));
        }

        return list;
    }
}
