using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Metadata;
using Terway.Cloud.Vpc;

namespace Terway.Cloud;

/// <summary>Dependency-injection registration of the Alibaba Cloud client.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="AlibabaCloudClient"/>, <see cref="IEcsClient"/>, <see cref="IVpcClient"/> and
    /// <see cref="IInstanceMetadataClient"/> as singletons. Uses an <see cref="ICloudCredentialProvider"/>,
    /// <see cref="TimeProvider"/>, <see cref="ILoggerFactory"/>, <see cref="IMeterFactory"/> and
    /// <see cref="HttpMessageHandler"/> from the container when registered, else the defaults.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options (region, endpoints, limits, ...).</param>
    public static IServiceCollection AddAlibabaCloudClient(this IServiceCollection services, Action<AlibabaCloudOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<AlibabaCloudOptions>().Configure(configure);
        services.AddSingleton(sp => AlibabaCloudClient.Create(
            sp.GetRequiredService<IOptions<AlibabaCloudOptions>>().Value,
            sp.GetService<ICloudCredentialProvider>(),
            sp.GetService<HttpMessageHandler>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<IMeterFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<AlibabaCloudClient>().Ecs);
        services.AddSingleton(sp => sp.GetRequiredService<AlibabaCloudClient>().Vpc);
        services.AddSingleton(sp => sp.GetRequiredService<AlibabaCloudClient>().Metadata);
        return services;
    }
}
