using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.CniShim.Protocol;

namespace Terway.NodeAgent.Cni;

/// <summary>
/// Serves the plugin on a unix socket (mode 0600, owned by the agent's user): each connection carries
/// one request frame and gets one response frame (<see cref="AgentFraming"/>). Connections are served
/// concurrently; ordering per attachment is the service's business.
/// </summary>
internal sealed partial class CniServer : IAsyncDisposable
{
    private static readonly TimeSpan RequestReadTimeout = TimeSpan.FromSeconds(10);

    private readonly string _path;
    private readonly Func<AgentRequest, CancellationToken, Task<AgentResponse>> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    public CniServer(string path, Func<AgentRequest, CancellationToken, Task<AgentResponse>> handler, ILogger logger)
    {
        _path = path;
        _handler = handler;
        _logger = logger;
    }

    /// <summary>Binds the socket (replacing a stale one) and starts accepting.</summary>
    public void Start()
    {
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
        {
            DurableFile.EnsureDirectory(directory);
        }

        // A socket file left by a previous agent process refuses connections; replace it.
        if (File.Exists(_path))
        {
            File.Delete(_path);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, _stopping.Token));
        LogListening(_path);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        Task[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // Gone already or replaced by a newer agent; either way not ours to keep.
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.Message);
                continue;
            }

            var task = ServeAsync(client, cancellationToken);
            lock (_lock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        await Task.Yield();
        using (client)
        await using (var stream = new NetworkStream(client, ownsSocket: false))
        {
            AgentResponse response;
            try
            {
                byte[]? frame;
                using (var readDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    readDeadline.CancelAfter(RequestReadTimeout);
                    frame = await AgentFraming.ReadFrameAsync(stream, readDeadline.Token);
                }

                if (frame is null)
                {
                    return;
                }

                AgentRequest? request;
                try
                {
                    request = JsonSerializer.Deserialize(frame, AgentJsonContext.Default.AgentRequest);
                }
                catch (JsonException e)
                {
                    request = null;
                    LogBadRequest(e.Message);
                }

                response = request is null
                    ? new AgentResponse { Error = new CniErrorBody { Code = CniErrorCodes.AgentProtocol, Message = "undecodable request" } }
                    : await _handler(request, stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidDataException)
            {
                LogConnectionFailed(e.Message);
                return;
            }

            try
            {
                var payload = JsonSerializer.SerializeToUtf8Bytes(response, AgentJsonContext.Default.AgentResponse);
                await AgentFraming.WriteFrameAsync(stream, payload, stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The plugin gave up (its deadline) or the agent is stopping; the work is done either way.
                LogConnectionFailed(e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "serving the CNI plugin on {Path}")]
    private partial void LogListening(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accepting a plugin connection failed: {Error}")]
    private partial void LogAcceptFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "undecodable request from the plugin: {Error}")]
    private partial void LogBadRequest(string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "plugin connection ended early: {Error}")]
    private partial void LogConnectionFailed(string error);
}
