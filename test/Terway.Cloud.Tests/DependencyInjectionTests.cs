using Microsoft.Extensions.DependencyInjection;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Metadata;
using Terway.Cloud.Tests.Support;
using Terway.Cloud.Vpc;

namespace Terway.Cloud.Tests;

[TestFixture]
public sealed class DependencyInjectionTests
{
    [Test]
    public async Task AddAlibabaCloudClient_Registered_ResolvesSingletonsThatUseContainerServices()
    {
        var handler = new FakeHandler(_ => FakeHandler.Json("""{"RequestId":"R"}"""));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<HttpMessageHandler>(handler);
        services.AddSingleton(CloudCredentialProviders.Static("di-id", "di-secret"));
        services.AddAlibabaCloudClient(o =>
        {
            o.RegionId = "cn-shanghai";
            o.EcsEndpoint = new Uri("http://ecs.di.test/");
            o.RateLimitsPerMinute["DeleteNetworkInterface"] = 10;
        });
        await using var provider = services.BuildServiceProvider();

        var ecs = provider.GetRequiredService<IEcsClient>();
        Assert.That(provider.GetRequiredService<IEcsClient>(), Is.SameAs(ecs));
        Assert.That(provider.GetRequiredService<IVpcClient>(), Is.Not.Null);
        Assert.That(provider.GetRequiredService<IInstanceMetadataClient>(), Is.Not.Null);
        var client = provider.GetRequiredService<AlibabaCloudClient>();

        await ecs.DeleteNetworkInterfaceAsync("eni-1");

        var sent = handler.Requests.Single();
        Assert.That(sent.Uri.Host, Is.EqualTo("ecs.di.test"));
        Assert.That(sent.Query["RegionId"], Is.EqualTo("cn-shanghai"));
        Assert.That(sent.Headers["authorization"], Does.Contain("Credential=di-id,"));
        Assert.That(client.Invoker.LimiterOf("DeleteNetworkInterface").PerMinute, Is.EqualTo(10));
    }
}
