using System.Runtime.InteropServices;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Credentials;
using Terway.Operator.Configuration;

namespace Terway.Operator.Hosting;

/// <summary>What the command line asked for.</summary>
/// <param name="ConfigPath">The configuration file.</param>
/// <param name="CredentialPath">The credential file.</param>
/// <param name="CredentialRequired">Whether the credential file was named explicitly (then it must exist).</param>
/// <param name="Kubeconfig">An explicit kubeconfig, else in-cluster / <c>KUBECONFIG</c> / <c>~/.kube/config</c>.</param>
/// <param name="Help">Print usage and exit.</param>
internal sealed record OperatorArguments(string ConfigPath, string CredentialPath, bool CredentialRequired, string? Kubeconfig, bool Help);

/// <summary>
/// The command line, as Terway's controlplane: <c>Terway.Operator [--config FILE] [--credential FILE] [--kubeconfig PATH]</c>.
/// The configuration defaults to <c>TERWAY_OPERATOR_CONFIG</c>, else <c>/etc/config/ctrl-config.yaml</c>; the
/// credential file to <c>TERWAY_OPERATOR_CREDENTIAL</c>, else <c>/etc/credential/ctrl-secret.yaml</c> (optional at
/// its default path: without an AccessKey the cloud client's chain is used: environment, credentials file, RRSA,
/// ECS RAM role). The Kubernetes client comes from <c>--kubeconfig</c>, else in-cluster, else <c>KUBECONFIG</c> /
/// <c>~/.kube/config</c>. Runs until SIGTERM or Ctrl-C, then stops gracefully (in-flight work drains, the leader
/// lease is released) and exits 0; a bad command line exits 2, a bad configuration or a failed start 1, with the
/// reason on stderr.
/// </summary>
internal static partial class OperatorProgram
{
    /// <summary>Terway's controlplane configuration path.</summary>
    public const string DefaultConfigPath = "/etc/config/ctrl-config.yaml";

    /// <summary>Terway's controlplane credential path.</summary>
    public const string DefaultCredentialPath = "/etc/credential/ctrl-secret.yaml";

    /// <summary>Environment variable naming the configuration file when <c>--config</c> is not given.</summary>
    public const string ConfigEnvironmentVariable = "TERWAY_OPERATOR_CONFIG";

    /// <summary>Environment variable naming the credential file when <c>--credential</c> is not given.</summary>
    public const string CredentialEnvironmentVariable = "TERWAY_OPERATOR_CREDENTIAL";

    /// <summary>Exit code: stopped cleanly (SIGTERM / Ctrl-C) or <c>--help</c>.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: the configuration, credential or Kubernetes client configuration is unusable, or the start failed.</summary>
    public const int ExitConfiguration = 1;

    /// <summary>Exit code: the command line is wrong.</summary>
    public const int ExitUsage = 2;

    private const string Usage = "usage: Terway.Operator [--config FILE] [--credential FILE] [--kubeconfig PATH]";

    /// <summary>The process entry: signals stop the operator.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            // Handled here: the default would end the process before the graceful stop.
            ctx.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            stop.Cancel();
        });
        return await RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, Console.Error, loggerFactory: null, started: null, stop.Token);
    }

    /// <summary>
    /// The whole program without process globals: parses <paramref name="args"/>, loads the configuration and
    /// credential, starts the operator, calls <paramref name="started"/>, runs until <paramref name="stop"/> and
    /// stops gracefully. Returns the exit code.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Func<string, string?> environment, TextWriter stdout, TextWriter stderr,
        ILoggerFactory? loggerFactory, Action<OperatorHost>? started, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        OperatorArguments arguments;
        try
        {
            arguments = ParseArguments(args, environment);
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteLineAsync($"terway-operator: {ex.Message}{Environment.NewLine}{Usage}");
            return ExitUsage;
        }

        if (arguments.Help)
        {
            await stdout.WriteLineAsync(Usage);
            return ExitOk;
        }

        OperatorOptions options;
        FileCredential? credential;
        KubernetesClientConfiguration kube;
        try
        {
            options = OperatorConfigLoader.LoadFile(arguments.ConfigPath);
            credential = LoadCredential(arguments);
            kube = KubeConfiguration(arguments.Kubeconfig);
        }
        catch (OperatorConfigException ex)
        {
            await stderr.WriteLineAsync($"terway-operator: {arguments.ConfigPath}: {ex.Message}");
            return ExitConfiguration;
        }

        var ownedLoggers = loggerFactory is null ? CreateConsoleLogging() : null;
        try
        {
            var loggers = loggerFactory ?? ownedLoggers!;
            var logger = loggers.CreateLogger("Terway.Operator");
            foreach (var ignored in options.IgnoredKeys)
            {
                LogIgnoredKey(logger, ignored);
            }

            return await RunHostAsync(options, kube, credential, loggers, logger, stderr, started, stop);
        }
        finally
        {
            ownedLoggers?.Dispose();
        }
    }

    /// <summary>Parses the command line (Go-flag style: <c>--name value</c>, <c>--name=value</c>, <c>-name value</c>).</summary>
    /// <exception cref="ArgumentException">An unknown flag or a flag without its value.</exception>
    public static OperatorArguments ParseArguments(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        string? config = null;
        string? credential = null;
        string? kubeconfig = null;
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg.StartsWith('-') ? arg[1..] : null;
            string? inline = null;
            if (name?.IndexOf('=', StringComparison.Ordinal) is int eq and >= 0)
            {
                inline = name[(eq + 1)..];
                name = name[..eq];
            }

            switch (name)
            {
                case "h" or "help":
                    help = true;
                    break;
                case "config":
                    config = Value();
                    break;
                case "credential":
                    credential = Value();
                    break;
                case "kubeconfig":
                    kubeconfig = Value();
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{arg}'");
            }

            string Value()
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
                return string.IsNullOrEmpty(value) ? throw new ArgumentException($"--{name} needs a value") : value;
            }
        }

        var credentialFromEnvironment = environment(CredentialEnvironmentVariable) is { Length: > 0 } c ? c : null;
        return new OperatorArguments(
            config ?? (environment(ConfigEnvironmentVariable) is { Length: > 0 } e ? e : DefaultConfigPath),
            credential ?? credentialFromEnvironment ?? DefaultCredentialPath,
            credential is not null || credentialFromEnvironment is not null,
            kubeconfig,
            help);
    }

    private static FileCredential? LoadCredential(OperatorArguments arguments)
    {
        string text;
        try
        {
            text = File.ReadAllText(arguments.CredentialPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException && !arguments.CredentialRequired)
        {
            // Terway's default path is optional here: the RAM role, RRSA or the environment may provide credentials.
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OperatorConfigException([$"cannot read credential file '{arguments.CredentialPath}': {ex.Message}"]);
        }

        try
        {
            return OperatorCredentialLoader.Parse(text);
        }
        catch (OperatorConfigException ex)
        {
            throw new OperatorConfigException([.. ex.Errors.Select(e => $"{arguments.CredentialPath}: {e}")]);
        }
    }

    private static KubernetesClientConfiguration KubeConfiguration(string? kubeconfig)
    {
        try
        {
            return kubeconfig is not null
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)
                : KubernetesClientConfiguration.IsInCluster()
                    ? KubernetesClientConfiguration.InClusterConfig()
                    : KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or k8s.Exceptions.KubernetesClientException)
        {
            throw new OperatorConfigException([$"no usable Kubernetes client configuration ({(kubeconfig is null ? "in-cluster, KUBECONFIG or ~/.kube/config" : kubeconfig)}): {ex.Message}"]);
        }
    }

    private static async Task<int> RunHostAsync(OperatorOptions options, KubernetesClientConfiguration kube, FileCredential? credential, ILoggerFactory loggers, ILogger logger,
        TextWriter stderr, Action<OperatorHost>? started, CancellationToken stop)
    {
        var hostOptions = new OperatorHostOptions
        {
            LoggerFactory = loggers,
            CloudCredentials = credential is null ? null : CloudCredentialProviders.Static(credential.AccessKeyId, credential.AccessKeySecret, credential.SecurityToken),
        };
        OperatorHost host;
        try
        {
            host = await OperatorHost.StartAsync(options, kube, OperatorHost.CloudOptionsFrom(options), hostOptions, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            LogStopping(logger);
            return ExitOk;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogStartFailed(logger, ex);
            await stderr.WriteLineAsync($"terway-operator: failed to start: {ex.Message}");
            return ExitConfiguration;
        }

        await using (host)
        {
            LogStarted(logger, host.Identity, options.ClusterId, options.RegionId, host.HealthAddress, host.Webhooks?.BaseAddress);
            started?.Invoke(host);
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
                // SIGTERM / Ctrl-C: the expected way to end.
            }

            LogStopping(logger);
            await host.StopAsync(graceful: true);
        }

        LogStopped(logger);
        return ExitOk;
    }

    private static ILoggerFactory CreateConsoleLogging() => LoggerFactory.Create(b => b.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        o.UseUtcTimestamp = true;
    }).SetMinimumLevel(LogLevel.Information)
        // Kestrel logs every webhook call and health probe at Information: noise at the API server's call rate.
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning));

    [LoggerMessage(Level = LogLevel.Warning, Message = "configuration key ignored: {Key}")]
    private static partial void LogIgnoredKey(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "operator {Identity} started for cluster {Cluster} in {Region}; health at {Health}; webhooks at {Webhooks}")]
    private static partial void LogStarted(ILogger logger, string identity, string cluster, string region, Uri? health, Uri? webhooks);

    [LoggerMessage(Level = LogLevel.Error, Message = "the operator failed to start")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped")]
    private static partial void LogStopped(ILogger logger);
}
