using Terway.Cloud.Ecs;

namespace Terway.Operator.Cloud;

/// <summary>Instance-type capacities from DescribeInstanceTypes, cached for the process lifetime (they do not change).</summary>
internal interface IInstanceTypeCache
{
    /// <summary>The type's ENI limits; null when the cloud does not know the type.</summary>
    Task<InstanceTypeInfo?> GetAsync(string instanceType, CancellationToken cancellationToken);
}

/// <summary><see cref="IInstanceTypeCache"/> over <see cref="IEcsClient"/>.</summary>
internal sealed class InstanceTypeCache(IEcsClient ecs) : IInstanceTypeCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, InstanceTypeInfo> _types = new(StringComparer.Ordinal);

    public async Task<InstanceTypeInfo?> GetAsync(string instanceType, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_types.TryGetValue(instanceType, out var cached))
            {
                return cached;
            }
        }

        InstanceTypeInfo? found = null;
        await foreach (var t in ecs.ListInstanceTypesAsync(new DescribeInstanceTypesRequest { InstanceTypes = [instanceType] }, cancellationToken))
        {
            if (t.InstanceTypeId == instanceType)
            {
                found = t;
            }
        }

        if (found is not null)
        {
            lock (_lock)
            {
                _types[instanceType] = found;
            }
        }

        return found;
    }
}
