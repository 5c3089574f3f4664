using System.Runtime.InteropServices;
using k8s;
using Microsoft.Extensions.Logging;
using Terway.Operator.Configuration;

namespace Terway.Operator.Hosting;

/// <summary>
/// The command line: <c>Terway.Operator --config FILE [--kubeconfig PATH]</c>. Without <c>--kubeconfig</c> the
/// in-cluster configuration is used (else <c>KUBECONFIG</c> / <c>~/.kube/config</c>). Runs until SIGTERM or
/// Ctrl-C, then stops gracefully (in-flight work drains, the leader lease is released).
/// </summary>
internal static partial class OperatorProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? configPath = null;
        string? kubeconfig = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--kubeconfig" when i + 1 < args.Length:
                    kubeconfig = args[++i];
                    break;
                case "-h" or "--help":
                    await Console.Out.WriteLineAsync("usage: Terway.Operator --config FILE [--kubeconfig PATH]");
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'; usage: Terway.Operator --config FILE [--kubeconfig PATH]");
                    return 2;
            }
        }

        if (configPath is null)
        {
            await Console.Error.WriteLineAsync("--config FILE is required (e.g. --config /etc/config/ctrl-config.yaml)");
            return 2;
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        }).SetMinimumLevel(LogLevel.Information));
        var logger = loggers.CreateLogger("Terway.Operator");
        OperatorOptions options;
        try
        {
            options = OperatorConfigLoader.LoadFile(configPath);
        }
        catch (OperatorConfigException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }

        foreach (var ignored in options.IgnoredKeys)
        {
            LogIgnoredKey(logger, ignored);
        }

        var kube = kubeconfig is not null
            ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
            : KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildDefaultConfig();

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });

        await using var host = await OperatorHost.StartAsync(options, kube, OperatorHost.CloudOptionsFrom(options), new OperatorHostOptions { LoggerFactory = loggers });
        LogStarted(logger, host.Identity, options.ClusterId, options.RegionId, host.HealthAddress);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM / Ctrl-C.
        }

        LogStopping(logger);
        await host.StopAsync(graceful: true);
        return 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "configuration key ignored: {Key}")]
    private static partial void LogIgnoredKey(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "operator {Identity} started for cluster {Cluster} in {Region}; health at {Health}")]
    private static partial void LogStarted(ILogger logger, string identity, string cluster, string region, Uri? health);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping")]
    private static partial void LogStopping(ILogger logger);
}
