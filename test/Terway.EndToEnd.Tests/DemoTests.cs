using System.Text.RegularExpressions;
using Terway.EndToEnd.Tests.Support;
using Terway.Sandbox.Cli;
using Terway.Sandbox.Integration;

namespace Terway.EndToEnd.Tests;

/// <summary>The README's command as CI runs it (<c>--exit-after-demo</c>), with the Terway system plugged in.</summary>
[TestFixture]
[NonParallelizable]
public sealed partial class DemoTests
{
    [Test]
    public async Task Cli_ExitAfterDemo_DemoPodsOnMemberEnisFromThePodVSwitches_AllPingsAnswered_NothingLeftBehind()
    {
        TerwaySandbox.RequireMachine();
        var state = Path.Combine(Path.GetTempPath(), "terway-e2e-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var output = new StringWriter();
        var keepLogs = false;
        try
        {
            var options = SandboxCommand.Parse(["--exit-after-demo", "--nodes", "2", "--state-dir", state]) with { Output = TextWriter.Synchronized(output) };

            var code = await SandboxCommand.RunAsync(options, CancellationToken.None, TerwayExtensions.Create());

            var text = output.ToString();
            Assert.That(code, Is.Zero, text);
            Assert.Multiple(() =>
            {
                Assert.That(text, Does.Contain("CNI: Terway"), text);
                Assert.That(text, Does.Contain("per node: node agent (2 started)"));
                // Pod vSwitches are 192.168.16.0/20 and 192.168.48.0/20 (the nodes' are 192.168.0.0/20 and 192.168.32.0/20).
                Assert.That(text, Does.Match(@"fixed-ip-demo/db-0\s+Running\s+192\.168\.(1[6-9]|2\d|3[01]|4[89]|5\d|6[0-3])\.\d+\s+eni eni-\w+\(Bind\)"), "the fixed-IP pod on its member ENI");
                Assert.That(text, Does.Match(@"demo-web/web-\S+\s+Running\s+192\.168\.\d+\.\d+\s+eni eni-\w+\(Bind\)"), "an elastic pod on its member ENI");
                Assert.That(text, Does.Match(@"pods\s+7 expected, 7 scheduled, 7 running"));
                Assert.That(text, Does.Contain("42/42 pings answered"));
                Assert.That(text, Does.Contain("member ENIs    7/7 pods on their own member ENI"));
                Assert.That(text, Does.Contain("cloud          7 member ENIs on 2 trunk ENIs"));
                Assert.That(text, Does.Contain("result         OK"));
            });
            var prefix = FabricPrefix().Match(text).Groups[1].Value;
            Assert.That(prefix, Is.Not.Empty);
            var left = Directory.Exists("/var/run/netns") ? Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).OfType<string>() : [];
            Assert.That(left.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)), Is.Empty, "every namespace removed");
            Assert.That(Directory.EnumerateFileSystemEntries(state).Select(Path.GetFileName), Is.EqualTo(new[] { "logs" }), "only the logs stay");
        }
        catch
        {
            keepLogs = true;
            TestContext.Out.WriteLine(output.ToString());
            TestContext.Out.WriteLine($"sandbox log kept: {Path.Combine(state, "logs", "sandbox.log")}");
            throw;
        }
        finally
        {
            if (!keepLogs && Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    [GeneratedRegex(@"\(prefix (\w+)\)")]
    private static partial Regex FabricPrefix();
}
