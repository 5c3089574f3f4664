using System.Net;
using Terway.Sandbox.Cloud.Api;

namespace Terway.Sandbox.Cloud.Http;

/// <summary>
/// Which Host header values the simulator answers, and which product a regional endpoint name
/// pins: <c>ecs[-vpc].REGION.aliyuncs.com</c>, <c>vpc[-vpc].REGION.aliyuncs.com</c>, the legacy
/// <c>ecs-REGION.aliyuncs.com</c> / <c>ecs.aliyuncs.com</c> / <c>vpc.aliyuncs.com</c>; plus
/// <c>localhost</c>, any IP literal (a client pointed straight at the simulator) and configured
/// extra names, which serve both products (the Version parameter decides).
/// </summary>
internal sealed class EndpointHosts(string regionId, IEnumerable<string> extraHosts)
{
    private readonly HashSet<string> _extra = new(extraHosts.Select(h => h.ToLowerInvariant()), StringComparer.Ordinal);

    /// <summary>Resolves a Host header. False when the host is not an endpoint of this region.</summary>
    public bool TryResolve(string? hostHeader, out CloudProduct? pinned)
    {
        pinned = null;
        if (string.IsNullOrEmpty(hostHeader))
        {
            return false;
        }

        var host = StripPort(hostHeader).ToLowerInvariant();
        if (host == "localhost" || IPAddress.TryParse(host.Trim('[', ']'), out _) || _extra.Contains(host))
        {
            return true;
        }

        foreach (var (product, name) in new[] { (CloudProduct.Ecs, "ecs"), (CloudProduct.Vpc, "vpc") })
        {
            if (host == $"{name}.{regionId}.aliyuncs.com" || host == $"{name}-vpc.{regionId}.aliyuncs.com")
            {
                pinned = product;
                return true;
            }
        }

        if (host == $"ecs-{regionId}.aliyuncs.com" || host == "ecs.aliyuncs.com")
        {
            pinned = CloudProduct.Ecs;
            return true;
        }

        if (host == "vpc.aliyuncs.com")
        {
            pinned = CloudProduct.Vpc;
            return true;
        }

        return false;
    }

    /// <summary>The HostId an error body names for a product.</summary>
    public string HostId(CloudProduct? product) => product switch
    {
        CloudProduct.Vpc => $"vpc.{regionId}.aliyuncs.com",
        _ => $"ecs.{regionId}.aliyuncs.com",
    };

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end < 0 ? host : host[..(end + 1)];
        }

        var colon = host.LastIndexOf(':');
        return colon >= 0 && host.IndexOf(':', StringComparison.Ordinal) == colon ? host[..colon] : host;
    }
}
