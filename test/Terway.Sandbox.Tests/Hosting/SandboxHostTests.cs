using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using Terway.Cloud;
using Terway.Cloud.Credentials;
using Terway.Cloud.Vpc;
using Terway.Sandbox.Cli;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Tests.Support;

namespace Terway.Sandbox.Tests.Hosting;

/// <summary>The sandbox host end to end: the demo as root, control-plane-only mode, the state folder and the extension points.</summary>
[TestFixture]
public sealed partial class SandboxHostTests
{
    private string _state = null!;

    [SetUp]
    public void NewStateFolder() => _state = Path.Combine(Path.GetTempPath(), "terway-sandbox-test-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void RemoveStateFolder()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }

    [Test]
    public async Task Cli_ExitAfterDemo_AsRoot_PodsRunAndReachEachOther_ExtensionsRunInOrder_NothingLeftBehind()
    {
        TestEnvironment.RequireRoot();
        TestEnvironment.RequireCnirt();
        TestEnvironment.RequireReferencePlugins();
        var output = new StringWriter();
        var journal = new List<string>();
        var nodes = new List<string>();
        var extensions = new SandboxExtensions();
        extensions.ControlPlane.Add(ctx => new RecordingComponent("operator", journal, async ct =>
        {
            // The operator's own credentials: RBAC from config/rbac applies to them.
            using var client = new Kubernetes(ctx.OperatorClientConfiguration());
            var podEnis = await client.CustomObjects.ListClusterCustomObjectAsync("network.alibabacloud.com", "v1beta1", "podenis", cancellationToken: ct);
            Assert.That(podEnis, Is.Not.Null);
            Assert.That(ctx.Fabric, Is.Not.Null, "extensions start after the fabric");
        }));
        extensions.PerNode.Add(node => new RecordingComponent("agent " + node.Node.Name, journal, _ =>
        {
            Assert.That(File.Exists(node.FabricNode.Path), Is.True, "the node's namespace exists before its agent starts");
            Assert.That(Directory.Exists(node.RunDirectory), Is.True);
            lock (nodes)
            {
                nodes.Add(node.Node.Name);
            }

            return Task.CompletedTask;
        }));
        var namespacesBefore = NetworkNamespaces();
        var options = SandboxCommand.Parse(["--exit-after-demo", "--nodes", "2", "--state-dir", _state]) with { Output = output };

        var code = await SandboxCommand.RunAsync(options, CancellationToken.None, extensions);

        var text = output.ToString();
        Assert.That(code, Is.Zero, text);
        Assert.That(text, Does.Contain("reference CNI plugins (bridge + host-local), not Terway"));
        Assert.That(text, Does.Match(@"fixed-ip-demo/db-0\s+Running\s+10\.244\."), "a live line per pod");
        Assert.That(text, Does.Match(@"pods\s+7 expected, 7 scheduled, 7 running"));
        Assert.That(text, Does.Contain("42/42 pings answered"), "every pair of the 7 pods");
        Assert.That(text, Does.Contain("result         OK"));
        Assert.That(nodes, Has.Count.EqualTo(2));
        Assert.That(journal, Is.EqualTo(new[]
        {
            "start operator", $"start agent {nodes[0]}", $"start agent {nodes[1]}", $"stop agent {nodes[1]}", $"stop agent {nodes[0]}", "stop operator",
        }));
        var prefix = FabricPrefix().Match(text).Groups[1].Value;
        Assert.That(prefix, Is.Not.Empty, text);
        Assert.That(NetworkNamespaces().Except(namespacesBefore).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)), Is.Empty, "every namespace removed");
        Assert.That(Directory.EnumerateFileSystemEntries(_state).Select(Path.GetFileName), Is.EqualTo(new[] { "logs" }), "only the logs stay");
        Assert.That(File.ReadAllText(Path.Combine(_state, "logs", "sandbox.log")), Does.Contain("Registered node"));
    }

    [Test]
    public async Task Cli_Serving_StopsCleanlyOnCancel()
    {
        var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        var options = SandboxCommand.Parse(["--control-plane-only", "--no-demo", "--nodes", "1", "--state-dir", _state]) with { Output = output };
        var run = SandboxCommand.RunAsync(options, stop.Token);
        Assert.That(await TestEnvironment.EventuallyAsync(() => output.ToString().Contains("Serving", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), Is.True, output.ToString());
        Assert.That(File.Exists(Path.Combine(_state, "kubeconfig")), Is.True);
        await stop.CancelAsync();
        Assert.That(await run, Is.Zero);
        Assert.That(Directory.EnumerateFileSystemEntries(_state).Select(Path.GetFileName), Is.EqualTo(new[] { "logs" }));
    }

    [Test]
    public async Task Cli_ControlPlaneOnly_ExitAfterDemo_PodsScheduledNotWired()
    {
        var output = new StringWriter();
        var options = SandboxCommand.Parse(["--control-plane-only", "--exit-after-demo", "--nodes", "3", "--state-dir", _state, "--time-scale", "10"]) with { Output = output };
        var code = await SandboxCommand.RunAsync(options, CancellationToken.None);
        var text = output.ToString();
        Assert.That(code, Is.Zero, text);
        Assert.That(text, Does.Contain("NOTE: --control-plane-only"));
        Assert.That(text, Does.Contain("fabric       none"));
        Assert.That(text, Does.Match(@"pods\s+5 expected, 5 scheduled, 0 running"));
        Assert.That(text, Does.Contain("result         OK"));
        Assert.That(Directory.EnumerateFileSystemEntries(_state).Select(Path.GetFileName), Is.EqualTo(new[] { "logs" }));
    }

    [Test]
    public async Task Extensions_OperatorWebhooks_ConfigurationsExistBeforeTheOperatorStarts_AndTheApiServerCallsThem()
    {
        var journal = new List<string>();
        var extensions = new SandboxExtensions { OperatorWebhooks = true };
        Kubernetes? admin = null;
        extensions.ControlPlane.Add(ctx => new RecordingComponent("operator", journal, async ct =>
        {
            admin = ctx.Admin;
            var mutating = await ctx.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("terway-controlplane", cancellationToken: ct);
            var validating = await ctx.Admin.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("terway-controlplane", cancellationToken: ct);
            Assert.That(mutating.Webhooks.Single().ClientConfig.Service.Name, Is.EqualTo("terway-operator-webhook"));
            Assert.That(validating.Webhooks.Single().FailurePolicy, Is.EqualTo("Fail"));
        }));
        var host = await SandboxHost.StartAsync(new SandboxOptions { Nodes = 1, StateDirectory = _state, Output = TextWriter.Null, ControlPlaneOnly = true }, extensions);
        await using (host)
        {
            Assert.That(journal, Is.EqualTo(new[] { "start operator" }));
            var podNetworking = new JsonObject
            {
                ["apiVersion"] = "network.alibabacloud.com/v1beta1",
                ["kind"] = "PodNetworking",
                ["metadata"] = new JsonObject { ["name"] = "no-operator-serving" },
                ["spec"] = new JsonObject { ["vSwitchOptions"] = new JsonArray("vsw-a"), ["securityGroupIDs"] = new JsonArray("sg-a") },
            };

            // Nothing registered the webhook Service: the fail-closed validating webhook denies the create.
            var denied = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
                admin!.CustomObjects.CreateClusterCustomObjectAsync(podNetworking, "network.alibabacloud.com", "v1beta1", "podnetworkings"));
            Assert.That(denied!.Response.Content, Does.Contain("terway.validate.k8s.io"));
        }
    }

    [Test]
    public async Task StateFolder_KubeconfigsAndCloudCredentials_WorkWithKubectlAndTheCloudClient()
    {
        var output = new StringWriter();
        var host = await SandboxHost.StartAsync(new SandboxOptions { Nodes = 2, StateDirectory = _state, Output = output, ControlPlaneOnly = true });
        try
        {
            var paths = host.Context.Paths;
            Assert.That(File.ReadAllText(paths.LockFile).Trim(), Is.EqualTo(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var second = await Assert.ThrowsAsync<InvalidOperationException>(() => SandboxHost.StartAsync(new SandboxOptions { StateDirectory = _state, Output = TextWriter.Null }));
            Assert.That(second!.Message, Does.Contain("another sandbox"), "one sandbox per state folder");

            var cloud = JsonNode.Parse(File.ReadAllText(paths.CloudJson))!;
            using var client = AlibabaCloudClient.Create(
                new AlibabaCloudOptions { RegionId = (string)cloud["regionId"]!, EcsEndpoint = new Uri((string)cloud["endpoint"]!), VpcEndpoint = new Uri((string)cloud["endpoint"]!), ReadEnvironment = false },
                CloudCredentialProviders.Static((string)cloud["accessKeyId"]!, (string)cloud["accessKeySecret"]!));
            var vSwitches = await client.Vpc.DescribeVSwitchesAsync(new DescribeVSwitchesRequest { VpcId = (string)cloud["vpcId"]! });
            Assert.That(vSwitches.Items.Select(v => v.VSwitchId), Is.SupersetOf(cloud["zones"]!.AsArray().Select(z => (string)z!["podVSwitchId"]!)));
            Assert.That(File.ReadAllText(paths.CloudEnv), Does.Contain("ECS_ENDPOINT=http://127.0.0.1:"));

            if (!File.Exists("/usr/bin/kubectl"))
            {
                Assert.Ignore("kubectl is not installed; the cloud credentials were checked");
            }

            Assert.That((await KubectlAsync(paths.AdminKubeconfig, "get", "nodes", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Is.EquivalentTo(host.Context.Nodes.Select(n => "node/" + n.Name)));
            Assert.That((await KubectlAsync(paths.OperatorKubeconfig, "auth", "can-i", "create", "podenis", "-n", "default")).Trim(), Is.EqualTo("yes"));
            Assert.That((await KubectlAsync(paths.OperatorKubeconfig, "auth", "can-i", "create", "podnetworkings")).Trim(), Is.EqualTo("no"));
            Assert.That((await KubectlAsync(paths.NodeAgentKubeconfig, "auth", "can-i", "list", "podenis", "-A")).Trim(), Is.EqualTo("yes"));
            Assert.That((await KubectlAsync(paths.AdminKubeconfig, "get", "crd", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.That(File.Exists(Path.Combine(_state, "kubeconfig")), Is.False);
        Assert.That(File.Exists(Path.Combine(_state, "cloud.json")), Is.False);
    }

    private static async Task<string> KubectlAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stderr; // warnings ("not namespace scoped") are not the answer
        return await stdout;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"prefix (tw[0-9a-f]{6})")]
    private static partial System.Text.RegularExpressions.Regex FabricPrefix();

    private static List<string> NetworkNamespaces() =>
        Directory.Exists("/var/run/netns") ? [.. Directory.GetFiles("/var/run/netns").Select(Path.GetFileName).OfType<string>()] : [];

    /// <summary>A stand-in extension that records when it starts and stops.</summary>
    private sealed class RecordingComponent(string name, List<string> journal, Func<CancellationToken, Task> onStart) : ISandboxComponent
    {
        public string Name => name;

        public async Task StartAsync(CancellationToken ct)
        {
            await onStart(ct);
            lock (journal)
            {
                journal.Add("start " + name);
            }
        }

        public ValueTask DisposeAsync()
        {
            lock (journal)
            {
                journal.Add("stop " + name);
            }

            return ValueTask.CompletedTask;
        }
    }
}
