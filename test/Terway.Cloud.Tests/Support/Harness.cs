using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud.Credentials;

namespace Terway.Cloud.Tests.Support;

/// <summary>Builds a client against a fake handler with a fixed AccessKey and explicit endpoints.</summary>
internal static class Harness
{
    public const string AccessKeyId = "testid";
    public const string AccessKeySecret = "testsecret";

    public static AlibabaCloudOptions Options(Action<AlibabaCloudOptions>? configure = null)
    {
        var options = new AlibabaCloudOptions
        {
            RegionId = "cn-hangzhou",
            EcsEndpoint = new Uri("http://ecs.test/"),
            VpcEndpoint = new Uri("http://vpc.test/"),
            Environment = static _ => null,
        };
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        options.Credentials.DisableEcsRamRole = true;
        configure?.Invoke(options);
        return options;
    }

    public static AlibabaCloudClient Client(
        HttpMessageHandler handler,
        Action<AlibabaCloudOptions>? configure = null,
        TimeProvider? time = null,
        ILoggerFactory? logs = null,
        ICloudCredentialProvider? credentials = null) =>
        AlibabaCloudClient.Create(
            Options(configure),
            credentials ?? CloudCredentialProviders.Static(AccessKeyId, AccessKeySecret),
            handler,
            time,
            logs ?? NullLoggerFactory.Instance);

    /// <summary>Advances a fake clock in steps until the task completes (or a real-time deadline passes).</summary>
    public static async Task<T> RunWithFakeTime<T>(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, Task<T> task, TimeSpan step, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(20));
        while (!task.IsCompleted && DateTime.UtcNow < until)
        {
            await Task.Delay(2);
            time.Advance(step);
        }

        return await task;
    }
}
