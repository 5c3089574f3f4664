using System.Diagnostics;
using Terway.CniShim.Cni;
using Terway.CniShim.Logging;
using Terway.CniShim.Protocol;
using Terway.CniShim.Release;
using Terway.CniShim.Transport;

namespace Terway.CniShim;

/// <summary>
/// One invocation of the plugin, as a container runtime makes it: <c>CNI_*</c> in the environment,
/// the network configuration on stdin, the result (or a CNI error) on stdout, exit code 0 or 1.
/// Every command except VERSION is forwarded to the node agent.
/// </summary>
internal sealed class CniPlugin
{
    /// <summary>What the plugin prints on stderr when run without CNI_COMMAND.</summary>
    public const string About = "CNI terway plugin (Terway for .NET): forwards CNI calls to the terway node agent";

    private const int MaxStdinBytes = 1 << 20;

    private readonly Func<string, string?> _getenv;

    public CniPlugin(Func<string, string?> getenv) => _getenv = getenv;

    /// <summary>Runs the command named by CNI_COMMAND; returns the process exit code.</summary>
    public int Run(Stream stdin, Stream stdout, TextWriter stderr)
    {
        var command = _getenv("CNI_COMMAND");
        if (string.IsNullOrEmpty(command))
        {
            stderr.WriteLine(About);
            stderr.WriteLine($"CNI protocol versions supported: {string.Join(", ", CniVersions.Supported)}");
            return 0;
        }

        byte[] input;
        try
        {
            input = ReadStdin(stdin);
        }
        catch (Exception e) when (e is IOException or CniException)
        {
            return Fail(stdout, e as CniException ?? new CniException(CniErrorCodes.IOFailure, "error reading stdin", e.Message), CniVersions.Latest, FileLog.None);
        }

        var requested = NetConf.PeekVersion(input);
        var answerVersion = requested is not null && CniVersions.IsSupported(requested) ? requested : CniVersions.Latest;
        if (command == CniCommands.Version)
        {
            stdout.Write(ResultWriter.Version(requested ?? CniVersions.Latest));
            return 0;
        }

        var log = FileLog.None;
        try
        {
            var env = CniEnvironment.Parse(command, _getenv);
            var conf = NetConf.Parse(input, command);
            log = FileLog.Open(conf.LogFile, conf.LogLevel);
            var args = CniArgs.Parse(env.Args);
            log.Context = $"{command} cid={Short(env.ContainerId)} if={env.IfName} pod={args.PodNamespace}/{args.PodName}: ";
            var started = Stopwatch.GetTimestamp();
            var output = Execute(env, conf, args, log);
            if (output is not null)
            {
                stdout.Write(output);
            }

            log.Info($"ok in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.###} ms");
            return 0;
        }
        catch (CniException e)
        {
            return Fail(stdout, e, answerVersion, log);
        }
        catch (Exception e)
        {
            // Last resort: never print a stack trace where the runtime expects JSON.
            return Fail(stdout, new CniException(CniErrorCodes.AgentInternal, "terway plugin failed unexpectedly", e.Message), answerVersion, log);
        }
        finally
        {
            log.Dispose();
        }
    }

    private static byte[]? Execute(CniEnvironment env, NetConf conf, CniArgs args, FileLog log)
    {
        var request = new AgentRequest
        {
            Command = env.Command,
            ContainerId = env.ContainerId,
            Netns = string.IsNullOrEmpty(env.Netns) ? null : env.Netns,
            IfName = env.IfName,
            CniVersion = conf.CniVersion,
            NetworkName = conf.Name,
            Pod = args.ToPodReference(),
        };
        switch (env.Command)
        {
            case CniCommands.Add:
                RequirePod(args);
                var added = Call(conf, request, log);
                var own = added.Result ?? throw new CniException(CniErrorCodes.AgentProtocol, "the node agent answered ADD without a result");
                return ResultWriter.Result(ResultChain.Merge(conf.PrevResult, own, conf.Dns), conf.CniVersion);
            case CniCommands.Del:
                Delete(conf, request, log);
                return null;
            case CniCommands.Check:
                request.Expected = conf.PrevResult;
                Call(conf, request, log);
                return null;
            case CniCommands.Status:
                Call(conf, request, log);
                return null;
            default:
                request.ValidAttachments = conf.ValidAttachments ?? [];
                Call(conf, request, log);
                return null;
        }
    }

    /// <summary>
    /// DEL must always be able to succeed: when the agent cannot take it (down, or silent past the
    /// deadline), the release is recorded durably for the agent to apply when it next starts, and
    /// DEL exits 0. An error the agent does return is reported (the runtime retries DEL).
    /// </summary>
    private static void Delete(NetConf conf, AgentRequest request, FileLog log)
    {
        string reason;
        try
        {
            var response = AgentClient.Call(conf.AgentSocket, request, conf.DelTimeout);
            if (response.Error is { } error)
            {
                throw new CniException(error.Code, error.Message, error.Details);
            }

            return;
        }
        catch (AgentUnreachableException e)
        {
            reason = e.Message;
        }
        catch (AgentTimeoutException e)
        {
            reason = e.Message;
        }

        try
        {
            var path = PendingReleaseStore.Write(conf.PendingReleaseDirectory, new PendingRelease
            {
                ContainerId = request.ContainerId!,
                IfName = request.IfName!,
                Netns = request.Netns,
                Pod = request.Pod,
                NetworkName = request.NetworkName,
                RecordedAt = DateTimeOffset.UtcNow,
                Reason = reason,
            });
            log.Info($"agent unavailable ({reason}); release recorded in {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCodes.IOFailure, "the node agent is unavailable and the release could not be recorded",
                $"{reason}; writing to {conf.PendingReleaseDirectory}: {e.Message}");
        }
    }

    private static AgentResponse Call(NetConf conf, AgentRequest request, FileLog log)
    {
        AgentResponse response;
        try
        {
            response = AgentClient.Call(conf.AgentSocket, request, conf.TimeoutFor(request.Command));
        }
        catch (AgentUnreachableException e)
        {
            throw Unavailable(request.Command, e.Message, "is the terway node agent running on this node?");
        }
        catch (AgentTimeoutException e)
        {
            throw Unavailable(request.Command, e.Message, "the node agent is busy or stuck; see its log and the pod's events");
        }
        catch (AgentProtocolException e)
        {
            throw new CniException(CniErrorCodes.AgentProtocol, e.Message, "the terway plugin and node agent versions do not match");
        }

        if (response.Error is { } error)
        {
            log.Error($"agent: code {error.Code}: {error.Message}{(error.Details is null ? "" : " (" + error.Details + ")")}");
            throw new CniException(error.Code, error.Message, error.Details);
        }

        return response;
    }

    private static CniException Unavailable(string command, string message, string hint) =>
        command == CniCommands.Status
            ? new CniException(CniErrorCodes.PluginNotAvailable, message, hint)
            : new CniException(CniErrorCodes.TryAgainLater, message, hint);

    private static void RequirePod(CniArgs args)
    {
        var missing = new List<string>();
        if (args.PodNamespace is null)
        {
            missing.Add(CniArgs.PodNamespaceKey);
        }

        if (args.PodName is null)
        {
            missing.Add(CniArgs.PodNameKey);
        }

        if (missing.Count > 0)
        {
            throw new CniException(CniErrorCodes.InvalidEnvironment, $"CNI_ARGS lacks [{string.Join(' ', missing)}]",
                "terway serves Kubernetes pods: the runtime must pass the pod's namespace and name");
        }
    }

    private static int Fail(Stream stdout, CniException e, string version, FileLog log)
    {
        log.Error($"code {e.Code}: {e.Message}{(e.Details is null ? "" : " (" + e.Details + ")")}");
        stdout.Write(ResultWriter.Error(e.ToBody(), version));
        return 1;
    }

    private static byte[] ReadStdin(Stream stdin)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = stdin.Read(chunk)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxStdinBytes)
            {
                throw new CniException(CniErrorCodes.DecodingFailure, "error decoding network configuration from stdin", $"more than {MaxStdinBytes} bytes");
            }
        }

        return buffer.ToArray();
    }

    private static string? Short(string? id) => id is { Length: > 12 } ? id[..12] : id;
}
