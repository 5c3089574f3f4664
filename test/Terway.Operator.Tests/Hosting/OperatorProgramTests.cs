using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Operator.Configuration;
using Terway.Operator.Hosting;
using Terway.Operator.Tests.Integration;
using Terway.Operator.Tests.Support;

namespace Terway.Operator.Tests.Hosting;

/// <summary>The executable: command line, configuration and credential files, start, readiness, signals and exit codes.</summary>
[TestFixture]
public sealed partial class OperatorProgramTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "terway-operator-program-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ParseArguments_Nothing_TerwayDefaultPaths()
    {
        var parsed = OperatorProgram.ParseArguments([], NoEnvironment);
        Assert.That(parsed, Is.EqualTo(new OperatorArguments("/etc/config/ctrl-config.yaml", "/etc/credential/ctrl-secret.yaml", false, null, false)));
    }

    [TestCase(new[] { "--config", "/a.yaml" }, "/a.yaml")]
    [TestCase(new[] { "--config=/a.yaml" }, "/a.yaml")]
    [TestCase(new[] { "-config", "/a.yaml" }, "/a.yaml")]
    [TestCase(new[] { "-config=/a.yaml" }, "/a.yaml")]
    public void ParseArguments_GoFlagForms_ReadTheConfigPath(string[] args, string expected) =>
        Assert.That(OperatorProgram.ParseArguments(args, NoEnvironment).ConfigPath, Is.EqualTo(expected));

    [Test]
    public void ParseArguments_Environment_UsedWhenNoFlag_FlagWins()
    {
        var env = new Dictionary<string, string> { [OperatorProgram.ConfigEnvironmentVariable] = "/env/config.yaml", [OperatorProgram.CredentialEnvironmentVariable] = "/env/secret.yaml" };
        var fromEnv = OperatorProgram.ParseArguments([], k => env.GetValueOrDefault(k));
        var fromFlags = OperatorProgram.ParseArguments(["--config", "/flag.yaml", "--kubeconfig", "/kc"], k => env.GetValueOrDefault(k));
        Assert.Multiple(() =>
        {
            Assert.That(fromEnv.ConfigPath, Is.EqualTo("/env/config.yaml"));
            Assert.That(fromEnv.CredentialPath, Is.EqualTo("/env/secret.yaml"));
            Assert.That(fromEnv.CredentialRequired, Is.True, "a credential file named on purpose must exist");
            Assert.That(fromFlags.ConfigPath, Is.EqualTo("/flag.yaml"));
            Assert.That(fromFlags.Kubeconfig, Is.EqualTo("/kc"));
        });
    }

    [TestCase(new[] { "--bogus" }, "unknown argument '--bogus'")]
    [TestCase(new[] { "extra" }, "unknown argument 'extra'")]
    [TestCase(new[] { "--config" }, "--config needs a value")]
    [TestCase(new[] { "--credential=" }, "--credential needs a value")]
    public void ParseArguments_Wrong_ArgumentExceptionNamingIt(string[] args, string message) =>
        Assert.That(() => OperatorProgram.ParseArguments(args, NoEnvironment), Throws.ArgumentException.With.Message.EqualTo(message));

    [TestCase("", null, null)]
    [TestCase("{}", null, null)]
    [TestCase("accessKeyID: LTAIexample\naccessKeySecret: s3cr3t\n", "LTAIexample", "s3cr3t")]
    [TestCase("accessKey: LTAIexample\naccessSecret: s3cr3t\n", "LTAIexample", "s3cr3t")]
    [TestCase("accessKeyID: \"\"\naccessKeySecret: \"\"\n", null, null)]
    public void CredentialFile_Forms_ParseToAnAccessKeyOrNone(string text, string? id, string? secret)
    {
        var credential = OperatorCredentialLoader.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(credential?.AccessKeyId, Is.EqualTo(id));
            Assert.That(credential?.AccessKeySecret, Is.EqualTo(secret));
            Assert.That(credential?.ToString() ?? "", Does.Not.Contain("s3cr3t"), "the secret never reaches a log line");
        });
    }

    [TestCase("accessKeyID: LTAIexample\n", "no accessKeySecret")]
    [TestCase("accessKeySecret: s3cr3t\n", "no accessKeyID")]
    [TestCase("- a\n- b\n", "must be a YAML mapping")]
    public void CredentialFile_Half_Rejected(string text, string message) =>
        Assert.That(() => OperatorCredentialLoader.Parse(text), Throws.TypeOf<OperatorConfigException>().With.Message.Contains(message));

    [Test]
    public async Task Run_UnknownArgument_ExitsTwoWithUsage()
    {
        var (code, _, stderr) = await RunInProcessAsync(["--nope"]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitUsage));
            Assert.That(stderr, Does.Contain("unknown argument '--nope'").And.Contain("usage: Terway.Operator"));
        });
    }

    [Test]
    public async Task Run_Help_ExitsZeroWithUsage()
    {
        var (code, stdout, _) = await RunInProcessAsync(["--help"]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitOk));
            Assert.That(stdout, Does.Contain("usage: Terway.Operator"));
        });
    }

    [Test]
    public async Task Run_MissingConfigFile_ExitsOneNamingTheFile()
    {
        var path = Path.Combine(_dir, "absent.yaml");
        var (code, _, stderr) = await RunInProcessAsync(["--config", path]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitConfiguration));
            Assert.That(stderr, Does.Contain($"cannot read configuration file '{path}'"));
        });
    }

    [Test]
    public async Task Run_InvalidConfig_ExitsOneListingEveryProblem()
    {
        var path = Write("ctrl-config.yaml", "clusterID: c-1\nvpcID: vpc-1\nwebhookPort: 70000\nleaseDuration: forever\n");
        var (code, _, stderr) = await RunInProcessAsync(["--config", path]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitConfiguration));
            Assert.That(stderr, Does.Contain("invalid operator configuration"));
            Assert.That(stderr, Does.Contain("regionID"));
            Assert.That(stderr, Does.Contain("webhookPort: 70000 is not a TCP port"));
            Assert.That(stderr, Does.Contain("leaseDuration: expected a Go duration"));
        });
    }

    [Test]
    public async Task Run_ExplicitCredentialFileMissing_ExitsOne()
    {
        var config = Write("ctrl-config.yaml", "regionID: cn-hangzhou\nclusterID: c-1\nvpcID: vpc-1\n");
        var secret = Path.Combine(_dir, "ctrl-secret.yaml");
        var (code, _, stderr) = await RunInProcessAsync(["--config", config, "--credential", secret]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitConfiguration));
            Assert.That(stderr, Does.Contain($"cannot read credential file '{secret}'"));
        });
    }

    [Test]
    [Category("Integration")]
    public async Task Run_AgainstEmulatorAndSimulator_BecomesReadyServesAndStopsWithZero()
    {
        await using var rig = await OperatorRig.StartAsync(webhooks: true, startOperator: false);
        var (config, secret, kubeconfig) = WriteInstallation(rig);
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource<OperatorHost>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringWriter();
        var run = OperatorProgram.RunAsync(["--config", config, "--credential", secret, "--kubeconfig", kubeconfig], NoEnvironment, new StringWriter(), stderr,
            rig.Loggers, h => started.SetResult(h), stop.Token);
        var host = await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        rig.RouteWebhooksTo(host.Webhooks!.BaseAddress);
        await OperatorRig.EventuallyAsync(() => Task.FromResult(host.IsReady), TimeSpan.FromSeconds(30), "the operator to be ready");
        using (var http = new HttpClient())
        {
            var readyz = await http.GetAsync(new Uri(host.HealthAddress!, "/readyz?verbose"));
            Assert.That(await readyz.Content.ReadAsStringAsync(), Does.Contain("[+]webhooks ok"));
        }

        // Admitted by the program's validating webhook (failurePolicy Fail), then the cloud is reached with the
        // credential file's AccessKey: the PodNetworking's vSwitches resolve.
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await LifecycleTests.WaitReadyAsync(rig, "web");

        await stop.CancelAsync();
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(OperatorProgram.ExitOk), stderr.ToString());
            Assert.That(host.Webhooks!.IsListening, Is.False, "stopped on the way out");
        });
    }

    [Test]
    [Category("Integration")]
    public async Task Process_SigtermAfterReady_ExitsZero_BadConfig_ExitsOneWithMessage()
    {
        await using var rig = await OperatorRig.StartAsync(webhooks: true, startOperator: false);
        var (config, secret, kubeconfig) = WriteInstallation(rig);

        var bad = Write("bad.yaml", "regionID: cn-hangzhou\nclusterID: c-1\n");
        var (badCode, badStderr) = await RunProcessToEndAsync("--config", bad);
        Assert.Multiple(() =>
        {
            Assert.That(badCode, Is.EqualTo(1));
            Assert.That(badStderr, Does.Contain("invalid operator configuration").And.Contain("vpcID"));
        });

        using var process = StartProcess("--config", config, "--credential", secret, "--kubeconfig", kubeconfig);
        var output = new StringBuilder();
        var health = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (HealthLine().Match(e.Data) is { Success: true } m)
            {
                health.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await health.Task.WaitAsync(TimeSpan.FromSeconds(90));
            using var http = new HttpClient();
            await OperatorRig.EventuallyAsync(async () =>
            {
                using var response = await http.GetAsync(new Uri(address, "/readyz"));
                return response.IsSuccessStatusCode;
            }, TimeSpan.FromSeconds(30), () => "/readyz of the process to pass; output:\n" + Snapshot(output));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(exited.Token);
            Assert.Multiple(() =>
            {
                Assert.That(process.ExitCode, Is.EqualTo(0), Snapshot(output));
                Assert.That(Snapshot(output), Does.Contain("stopped"));
            });
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    [GeneratedRegex(@"health at (http://\S+?); webhooks")]
    private static partial Regex HealthLine();

    private (string Config, string Secret, string Kubeconfig) WriteInstallation(OperatorRig rig)
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        rig.Api.WriteKubeconfig(kubeconfig, rig.OperatorToken, "kube-system");
        var config = Write("ctrl-config.yaml", $"""
            regionID: {OperatorRig.Region}
            clusterID: {OperatorRig.ClusterId}
            vpcID: {OperatorRig.Vpc}
            leaderElection: true
            leaseDuration: 3s
            renewDeadline: 2s
            retryPeriod: 300ms
            healthzBindAddress: 127.0.0.1:0
            metricsBindAddress: "0"
            webhookPort: 0
            webhookBindAddress: 127.0.0.1
            webhookExtraSANs: ["127.0.0.1"]
            kubeClientQPS: 20
            cloud:
              ecsEndpoint: {rig.Cloud.Endpoint}
              vpcEndpoint: {rig.Cloud.Endpoint}
              attemptTimeout: 3s
              callTimeout: 30s

            """);
        var secret = Write("ctrl-secret.yaml", $"accessKeyID: {rig.Cloud.DefaultCredential.AccessKeyId}\naccessKeySecret: {rig.Cloud.DefaultCredential.AccessKeySecret}\n");
        return (config, secret, kubeconfig);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunInProcessAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var loggers = TestLogging.Create();
        var code = await OperatorProgram.RunAsync(args, NoEnvironment, stdout, stderr, loggers, null, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static Process StartProcess(params string[] args)
    {
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Terway.Operator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Not the test's own configuration: the process reads only its flags.
        start.Environment.Remove(OperatorProgram.ConfigEnvironmentVariable);
        start.Environment.Remove(OperatorProgram.CredentialEnvironmentVariable);
        return Process.Start(start) ?? throw new InvalidOperationException("the operator process did not start");
    }

    private static async Task<(int Code, string Stderr)> RunProcessToEndAsync(params string[] args)
    {
        using var process = StartProcess(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
