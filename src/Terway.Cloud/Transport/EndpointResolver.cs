namespace Terway.Cloud.Transport;

/// <summary>
/// Endpoint per product (reference §2.1): explicit option, then <c>ECS_ENDPOINT</c>/<c>VPC_ENDPOINT</c>,
/// then <c>&lt;product&gt;[-vpc].&lt;region&gt;.aliyuncs.com</c>.
/// </summary>
internal static class EndpointResolver
{
    public static Uri Resolve(CloudProduct product, AlibabaCloudOptions options)
    {
        var explicitEndpoint = product.Code == CloudProduct.Ecs.Code ? options.EcsEndpoint : options.VpcEndpoint;
        if (explicitEndpoint is not null)
        {
            return explicitEndpoint;
        }

        var env = options.ReadEnvironment ? options.Environment : static _ => null;
        var useHttps = options.UseHttps && !string.Equals(env("ALICLOUD_CLIENT_SCHEME"), "HTTP", StringComparison.OrdinalIgnoreCase);
        var scheme = useHttps ? "https" : "http";

        var fromEnv = env(product.Code == CloudProduct.Ecs.Code ? "ECS_ENDPOINT" : "VPC_ENDPOINT");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Parse(fromEnv.Trim(), scheme);
        }

        if (string.IsNullOrEmpty(options.RegionId))
        {
            throw new InvalidOperationException("AlibabaCloudOptions.RegionId is required to derive endpoints");
        }

        var type = options.EndpointType;
        if (string.Equals(env("ALICLOUD_ENDPOINT_TYPE"), "public", StringComparison.OrdinalIgnoreCase))
        {
            type = CloudEndpointType.Public;
        }

        var network = type == CloudEndpointType.Vpc ? "-vpc" : string.Empty;
        return new Uri($"{scheme}://{product.Code}{network}.{options.RegionId}.aliyuncs.com/");
    }

    /// <summary>Accepts <c>host</c>, <c>host:port</c> or a full <c>http(s)://host[:port]</c> URI.</summary>
    public static Uri Parse(string value, string defaultScheme)
    {
        if (value.Contains("://", StringComparison.Ordinal))
        {
            var uri = new Uri(value, UriKind.Absolute);
            if (uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"endpoint '{value}' must be http or https", nameof(value));
            }

            return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        }

        return new Uri($"{defaultScheme}://{value.TrimEnd('/')}/");
    }
}
