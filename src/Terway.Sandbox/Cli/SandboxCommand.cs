using System.Globalization;
using System.Runtime.InteropServices;
using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Cli;

/// <summary>The sandbox's main command (no subcommand): start everything, run the demo, serve until Ctrl-C.</summary>
internal static class SandboxCommand
{
    public const string Usage = """
          (none)    The whole system on this machine: Kubernetes API, simulated region, nodes (network
                    namespaces when root), scheduler, kubelets, and a demo workload; serves until Ctrl-C.
                    --nodes N                 simulated nodes (default 4)
                    --instance-type TYPE      instance type of every node (default ecs.g7.xlarge, trunk-capable)
                    --zones Z1,Z2             zones, nodes spread over them (default cn-hangzhou-h,cn-hangzhou-i)
                    --region ID               region (default cn-hangzhou)
                    --cloud-latency DUR       latency of every cloud API call, e.g. 50ms (default 0)
                    --error-rate R            share of cloud API calls that fail, 0..1 (default 0)
                    --error-code CODE         code of those failures (default ServiceUnavailable)
                    --fault API=R[:CODE]      failures for one API, e.g. AttachNetworkInterface=0.2:InternalError (repeatable)
                    --time-scale X            speed-up of cloud state changes, latencies and rate windows (default 1)
                    --state-dir DIR           kubeconfigs, cloud credentials, node files, logs (default /tmp/terway-sandbox)
                    --demo FILE               demo plan (default config/sandbox/demo.json)
                    --no-demo                 start without the demo workload
                    --exit-after-demo         stop after the demo's summary (exit code 1 if it failed)
                    --control-plane-only      no namespaces and no kubelets, even as root
                    --kube-api-port P         Kubernetes API port (default: any free port)
                    --cloud-port P            cloud OpenAPI port (default: any free port)
                    --verbose                 debug logs in the log file
        """;

    /// <summary>Parses the options, runs the sandbox, returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        SandboxOptions options;
        try
        {
            options = Parse(args);
            options.Validate();
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("sandbox: " + e.Message);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        return await RunAsync(options, stop.Token);
    }

    /// <summary>
    /// Runs the sandbox with <paramref name="options"/> (and <paramref name="extensions"/>: the operator,
    /// node agents, CNI network) until the demo ends (with --exit-after-demo) or <paramref name="stop"/>.
    /// Exit code 0, or 1 when the demo failed or the sandbox could not start.
    /// </summary>
    public static async Task<int> RunAsync(SandboxOptions options, CancellationToken stop, SandboxExtensions? extensions = null)
    {
        var output = options.Output ?? Console.Out;
        SandboxHost host;
        try
        {
            host = await SandboxHost.StartAsync(options, extensions, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or ManifestException or IOException)
        {
            await output.WriteLineAsync("sandbox: could not start: " + e.Message);
            return 1;
        }

        await using (host)
        {
            var exitCode = 0;
            try
            {
                if (!options.NoDemo)
                {
                    var report = await host.RunDemoAsync(stop);
                    exitCode = report.Succeeded ? 0 : 1;
                }

                if (options.ExitAfterDemo)
                {
                    return exitCode;
                }

                await output.WriteLineAsync("Serving; Ctrl-C stops the sandbox and removes everything it made.");
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl-C or SIGTERM: a clean stop.
            }

            return exitCode;
        }
    }

    /// <summary>The options named by <paramref name="args"/>; throws <see cref="ArgumentException"/> on anything unknown or malformed.</summary>
    public static SandboxOptions Parse(IReadOnlyList<string> args)
    {
        var o = new SandboxOptions();
        var faults = new List<CloudFault>();
        double? errorRate = null;
        var errorCode = "ServiceUnavailable";
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            o = flag switch
            {
                "--nodes" => o with { Nodes = Int(flag, Value()) },
                "--instance-type" => o with { InstanceType = Value() },
                "--zones" => o with { Zones = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                "--region" => o with { RegionId = Value() },
                "--cloud-latency" => o with { CloudLatency = Duration(flag, Value()) },
                "--time-scale" => o with { TimeScale = Double(flag, Value()) },
                "--state-dir" => o with { StateDirectory = Value() },
                "--demo" => o with { DemoPlanPath = Value() },
                "--no-demo" => o with { NoDemo = true },
                "--exit-after-demo" => o with { ExitAfterDemo = true },
                "--control-plane-only" => o with { ControlPlaneOnly = true },
                "--kube-api-port" => o with { KubeApiPort = Int(flag, Value()) },
                "--cloud-port" => o with { CloudPort = Int(flag, Value()) },
                "--verbose" => o with { Verbose = true },
                "--error-rate" => Set(o, () => errorRate = Double(flag, Value())),
                "--error-code" => Set(o, () => errorCode = Value()),
                "--fault" => Set(o, () => faults.Add(Fault(Value()))),
                _ => throw new ArgumentException($"unknown option {flag}"),
            };
        }

        if (errorRate is { } rate)
        {
            faults.Insert(0, new CloudFault("*", rate, errorCode));
        }

        return o with { Faults = faults };
    }

    /// <summary>A duration: <c>50ms</c>, <c>2s</c>, <c>1.5s</c>, <c>1m</c>, or <c>hh:mm:ss</c>.</summary>
    internal static TimeSpan Duration(string flag, string text)
    {
        (string Suffix, double Factor)[] units = [("ms", 1), ("s", 1000), ("m", 60_000)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                return TimeSpan.FromMilliseconds(n * factor);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var t) && t >= TimeSpan.Zero
            ? t
            : throw new ArgumentException($"{flag}: '{text}' is not a duration (50ms, 2s, 1m, hh:mm:ss)");
    }

    private static CloudFault Fault(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ArgumentException($"--fault: '{text}' is not API=RATE[:CODE]");
        }

        var rest = text[(eq + 1)..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var rate = Double("--fault", colon < 0 ? rest : rest[..colon]);
        return new CloudFault(text[..eq], rate, colon < 0 ? "ServiceUnavailable" : rest[(colon + 1)..]);
    }

    private static SandboxOptions Set(SandboxOptions o, Action set)
    {
        set();
        return o;
    }

    private static int Int(string flag, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{flag}: '{text}' is not a number");

    private static double Double(string flag, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{flag}: '{text}' is not a number");
}
