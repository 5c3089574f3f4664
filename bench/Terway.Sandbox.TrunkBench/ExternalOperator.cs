using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Terway.Cloud.Resilience;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Integration;

namespace Terway.Sandbox.TrunkBench;

/// <summary>
/// The operator as a separate process (the real <c>Terway.Operator</c> executable), so its memory and CPU can be
/// read from <c>/proc</c> apart from the emulator and the simulator. Configured like the in-process
/// <see cref="OperatorComponent"/>: a Terway <c>ctrl-config.yaml</c> (the sandbox's vSwitches and security group,
/// the simulator's endpoint, Terway's per-minute limits multiplied by the time scale), a <c>ctrl-secret.yaml</c>
/// with the simulator's AccessKey and the sandbox's <c>operator.kubeconfig</c> (its ServiceAccount, RBAC applies).
/// </summary>
internal sealed class ExternalOperator(SandboxContext context, string operatorDll, Action started) : ISandboxComponent
{
    private Process? _process;

    public string Name => "operator (process)";

    public int ProcessId => _process?.Id ?? 0;

    public async Task StartAsync(CancellationToken ct)
    {
        var info = context.CloudInfo;
        var dir = Path.Combine(context.Paths.Root, "operator");
        Directory.CreateDirectory(dir);
        var webhookPort = FreePort();
        var healthPort = FreePort();
        var configPath = Path.Combine(dir, "ctrl-config.yaml");
        var secretPath = Path.Combine(dir, "ctrl-secret.yaml");
        await File.WriteAllTextAsync(configPath, ConfigYaml(info, context.Options.TimeScale, webhookPort, healthPort), ct);
        await File.WriteAllTextAsync(secretPath, $"accessKeyID: {info.AccessKeyId}\naccessKeySecret: {info.AccessKeySecret}\n", ct);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { operatorDll, "--config", configPath, "--credential", secretPath, "--kubeconfig", context.Paths.OperatorKubeconfig })
        {
            start.ArgumentList.Add(a);
        }

        // Only the files above configure it; nothing from the bench's environment leaks in.
        foreach (var name in new[] { "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "KUBECONFIG" })
        {
            start.Environment.Remove(name);
        }

        var log = new StreamWriter(Path.Combine(context.Paths.LogsDirectory, "operator-process.log"), append: false) { AutoFlush = true };
        for (var attempt = 1; ; attempt++)
        {
            started();
            _process = Launch(start, log);
            try
            {
                await WaitReadyAsync(_process, healthPort, ct);
                break;
            }
            catch (InvalidOperationException e) when (attempt < 3)
            {
                // Seen once in several runs: the operator's first read of its certificate Secret answered 403 by the
                // emulator although the Role allows it (an emulator RBAC-cache race, left to its owner). Start again.
                Console.WriteLine($"NOTE: {e.Message}; starting it again (attempt {attempt + 1})");
                _process.Dispose();
            }
        }

        context.Services.Register(Crds.Names.InstallNames.Namespace, Crds.Names.InstallNames.WebhookService, 443, new Uri($"https://127.0.0.1:{webhookPort}/"));
    }

    private static Process Launch(ProcessStartInfo start, StreamWriter log)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the operator process");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReadyAsync(Process process, int healthPort, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the operator process exited with {process.ExitCode} while starting; see logs/operator-process.log");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/readyz"), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: keep polling until the deadline.
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // One probe timed out: keep polling until the deadline.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("the operator process did not become ready in 90 s; see logs/operator-process.log");
            }

            await Task.Delay(50, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            // SIGTERM: the graceful stop (lease released, reconciles drained).
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    internal static string ConfigYaml(SandboxCloudInfo info, double timeScale, int webhookPort, int healthPort)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"regionID: {info.RegionId}");
        s.AppendLine(CultureInfo.InvariantCulture, $"clusterID: {OperatorComponent.ClusterId}");
        s.AppendLine(CultureInfo.InvariantCulture, $"vpcID: {info.VpcId}");
        s.AppendLine("vSwitches:");
        foreach (var z in info.Zones)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  {z.ZoneId}: [{z.PodVSwitchId}]");
        }

        s.AppendLine(CultureInfo.InvariantCulture, $"securityGroupIDs: [{info.PodSecurityGroupId}]");
        s.AppendLine(CultureInfo.InvariantCulture, $"healthzBindAddress: 127.0.0.1:{healthPort}");
        s.AppendLine("metricsBindAddress: \"0\"");
        s.AppendLine(CultureInfo.InvariantCulture, $"webhookPort: {webhookPort}");
        s.AppendLine("webhookBindAddress: 127.0.0.1");
        s.AppendLine("webhookExtraSANs: [127.0.0.1]");
        s.AppendLine("cloud:");
        s.AppendLine(CultureInfo.InvariantCulture, $"  ecsEndpoint: {info.Endpoint}");
        s.AppendLine(CultureInfo.InvariantCulture, $"  vpcEndpoint: {info.Endpoint}");
        s.AppendLine("rateLimit:");
        foreach (var (api, perMinute) in ScaledLimits(timeScale))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  {api}: {perMinute}");
        }

        return s.ToString();
    }

    /// <summary>Terway's per-minute limits (and the default for the APIs it does not list) times the scale.</summary>
    internal static SortedDictionary<string, int> ScaledLimits(double timeScale)
    {
        var limits = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (api, perMinute) in ApiRateLimits.Defaults)
        {
            limits[api] = Scale(perMinute, timeScale);
        }

        foreach (var api in new[] { "DescribeInstances", "DescribeSecurityGroups" })
        {
            limits[api] = Scale(ApiRateLimits.DefaultPerMinute, timeScale);
        }

        return limits;
    }

    private static int Scale(int perMinute, double timeScale) =>
        timeScale > 1 ? (int)Math.Min(int.MaxValue, Math.Ceiling(perMinute * timeScale)) : perMinute;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
