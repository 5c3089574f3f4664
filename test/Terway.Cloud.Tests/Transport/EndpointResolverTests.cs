using Terway.Cloud.Transport;

namespace Terway.Cloud.Tests.Transport;

[TestFixture]
public sealed class EndpointResolverTests
{
    private static AlibabaCloudOptions Options(Dictionary<string, string>? env = null, Action<AlibabaCloudOptions>? configure = null)
    {
        var options = new AlibabaCloudOptions { RegionId = "cn-hangzhou", Environment = k => env?.GetValueOrDefault(k) };
        configure?.Invoke(options);
        return options;
    }

    [Test]
    public void Resolve_Defaults_AreVpcInternalHttpsLikeTerway()
    {
        Assert.That(EndpointResolver.Resolve(CloudProduct.Ecs, Options()).ToString(), Is.EqualTo("https://ecs-vpc.cn-hangzhou.aliyuncs.com/"));
        Assert.That(EndpointResolver.Resolve(CloudProduct.Vpc, Options()).ToString(), Is.EqualTo("https://vpc-vpc.cn-hangzhou.aliyuncs.com/"));
    }

    [Test]
    public void Resolve_PublicSelected_UsesPublicNames()
    {
        Assert.That(EndpointResolver.Resolve(CloudProduct.Ecs, Options(configure: o => o.EndpointType = CloudEndpointType.Public)).ToString(), Is.EqualTo("https://ecs.cn-hangzhou.aliyuncs.com/"));
        Assert.That(EndpointResolver.Resolve(CloudProduct.Vpc, Options(new() { ["ALICLOUD_ENDPOINT_TYPE"] = "public" })).ToString(), Is.EqualTo("https://vpc.cn-hangzhou.aliyuncs.com/"));
    }

    [Test]
    public void Resolve_EnvironmentOverrides_HonourHostOrUri()
    {
        var env = new Dictionary<string, string> { ["ECS_ENDPOINT"] = "http://127.0.0.1:18080", ["VPC_ENDPOINT"] = "vpc.example.internal", ["ALICLOUD_CLIENT_SCHEME"] = "HTTP" };

        Assert.That(EndpointResolver.Resolve(CloudProduct.Ecs, Options(env)).ToString(), Is.EqualTo("http://127.0.0.1:18080/"));
        Assert.That(EndpointResolver.Resolve(CloudProduct.Vpc, Options(env)).ToString(), Is.EqualTo("http://vpc.example.internal/"));
    }

    [Test]
    public void Resolve_ExplicitOptionBeatsEnvironment_AndEnvironmentCanBeIgnored()
    {
        var env = new Dictionary<string, string> { ["ECS_ENDPOINT"] = "ignored.example" };

        Assert.That(EndpointResolver.Resolve(CloudProduct.Ecs, Options(env, o => o.EcsEndpoint = new Uri("http://[::1]:9000/"))).ToString(), Is.EqualTo("http://[::1]:9000/"));
        Assert.That(EndpointResolver.Resolve(CloudProduct.Ecs, Options(env, o => o.ReadEnvironment = false)).ToString(), Is.EqualTo("https://ecs-vpc.cn-hangzhou.aliyuncs.com/"));
    }

    [Test]
    public void Resolve_NoRegionAndNoEndpoint_Throws()
    {
        Assert.That(() => EndpointResolver.Resolve(CloudProduct.Ecs, new AlibabaCloudOptions { Environment = _ => null }), Throws.InvalidOperationException);
    }
}
