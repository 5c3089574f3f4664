using Terway.Sandbox.Cli;
using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Tests.Hosting;

/// <summary>The sandbox's command line.</summary>
[TestFixture]
public sealed class CliTests
{
    [Test]
    public void Parse_NoArguments_Defaults()
    {
        var o = SandboxCommand.Parse([]);
        Assert.That(o, Has.Property("Nodes").EqualTo(4).And.Property("InstanceType").EqualTo("ecs.g7.xlarge").And.Property("TimeScale").EqualTo(1.0)
            .And.Property("StateDirectory").EqualTo("/tmp/terway-sandbox").And.Property("ExitAfterDemo").False.And.Property("ControlPlaneOnly").False);
        Assert.That(o.Zones, Is.EqualTo(new[] { "cn-hangzhou-h", "cn-hangzhou-i" }));
        Assert.That(o.Faults, Is.Empty);
    }

    [Test]
    public void Parse_EveryOption_IsTaken()
    {
        var o = SandboxCommand.Parse(["--nodes", "6", "--instance-type", "ecs.g7.2xlarge", "--zones", "cn-hangzhou-h, cn-hangzhou-i,cn-hangzhou-j",
            "--region", "cn-hangzhou", "--cloud-latency", "50ms", "--error-rate", "0.1", "--error-code", "InternalError",
            "--fault", "AttachNetworkInterface=0.2:Throttling.User", "--fault", "CreateNetworkInterface=0.05", "--time-scale", "20",
            "--state-dir", "/tmp/x", "--demo", "plan.json", "--no-demo", "--exit-after-demo", "--control-plane-only",
            "--kube-api-port", "6443", "--cloud-port", "8931", "--verbose"]);
        Assert.That(o.Nodes, Is.EqualTo(6));
        Assert.That(o.InstanceType, Is.EqualTo("ecs.g7.2xlarge"));
        Assert.That(o.Zones, Is.EqualTo(new[] { "cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j" }));
        Assert.That(o.CloudLatency, Is.EqualTo(TimeSpan.FromMilliseconds(50)));
        Assert.That(o.Faults, Is.EqualTo(new[]
        {
            new CloudFault("*", 0.1, "InternalError"),
            new CloudFault("AttachNetworkInterface", 0.2, "Throttling.User"),
            new CloudFault("CreateNetworkInterface", 0.05, "ServiceUnavailable"),
        }));
        Assert.That(o.TimeScale, Is.EqualTo(20));
        Assert.That((o.StateDirectory, o.DemoPlanPath, o.KubeApiPort, o.CloudPort), Is.EqualTo(("/tmp/x", "plan.json", 6443, 8931)));
        Assert.That(o.NoDemo && o.ExitAfterDemo && o.ControlPlaneOnly && o.Verbose, Is.True);
    }

    [TestCase("50ms", 50)]
    [TestCase("2s", 2000)]
    [TestCase("1.5s", 1500)]
    [TestCase("1m", 60_000)]
    [TestCase("00:00:00.25", 250)]
    public void Duration_Forms(string text, int milliseconds) =>
        Assert.That(SandboxCommand.Duration("--cloud-latency", text), Is.EqualTo(TimeSpan.FromMilliseconds(milliseconds)));

    [TestCase(new[] { "--bogus" }, "unknown option --bogus")]
    [TestCase(new[] { "--nodes" }, "--nodes needs a value")]
    [TestCase(new[] { "--nodes", "many" }, "is not a number")]
    [TestCase(new[] { "--cloud-latency", "soon" }, "is not a duration")]
    [TestCase(new[] { "--fault", "Attach" }, "is not API=RATE[:CODE]")]
    public void Parse_Malformed_Throws(string[] args, string message) =>
        Assert.That(() => SandboxCommand.Parse(args), Throws.ArgumentException.With.Message.Contains(message));

    [TestCase(new[] { "--nodes", "0" }, "--nodes")]
    [TestCase(new[] { "--time-scale", "0" }, "--time-scale")]
    [TestCase(new[] { "--error-rate", "1.5" }, "fault rate")]
    [TestCase(new[] { "--zones", "a,b,c,d,e" }, "--zones")]
    public void Validate_OutOfRange_Throws(string[] args, string message) =>
        Assert.That(() => SandboxCommand.Parse(args).Validate(), Throws.ArgumentException.With.Message.Contains(message));

    [Test]
    public async Task RunAsync_BadOption_ExitCode2() => Assert.That(await SandboxCommand.RunAsync(["--nodes", "0"]), Is.EqualTo(2));
}
