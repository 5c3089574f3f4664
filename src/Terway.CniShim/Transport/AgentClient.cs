using System.Net.Sockets;
using System.Text.Json;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Transport;

/// <summary>The agent could not be reached (no socket, connection refused, permission denied).</summary>
internal sealed class AgentUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The agent accepted the call but did not answer within the deadline.</summary>
internal sealed class AgentTimeoutException(string message) : Exception(message);

/// <summary>The agent answered something that is not a protocol response.</summary>
internal sealed class AgentProtocolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One request/response exchange with the node agent over its unix socket, bounded by a deadline.</summary>
internal static class AgentClient
{
    public static async Task<AgentResponse> CallAsync(string socketPath, AgentRequest request, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new AgentTimeoutException($"connecting to the node agent at {socketPath} did not complete within {timeout.TotalSeconds:0.###}s");
        }
        catch (SocketException e)
        {
            var what = File.Exists(socketPath) ? $"{e.SocketErrorCode} ({e.Message})" : "the socket does not exist";
            throw new AgentUnreachableException($"node agent not reachable at {socketPath}: {what}", e);
        }

        using var stream = new NetworkStream(socket, ownsSocket: false);
        byte[]? reply;
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(request, AgentJsonContext.Default.AgentRequest);
            await AgentFraming.WriteFrameAsync(stream, payload, deadline.Token);
            reply = await AgentFraming.ReadFrameAsync(stream, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new AgentTimeoutException($"the node agent at {socketPath} did not answer {request.Command} within {timeout.TotalSeconds:0.###}s");
        }
        catch (IOException e)
        {
            throw new AgentUnreachableException($"connection to the node agent at {socketPath} failed: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new AgentProtocolException($"malformed frame from the node agent: {e.Message}", e);
        }

        if (reply is null)
        {
            throw new AgentUnreachableException($"the node agent at {socketPath} closed the connection without answering {request.Command}");
        }

        try
        {
            return JsonSerializer.Deserialize(reply, AgentJsonContext.Default.AgentResponse)
                ?? throw new AgentProtocolException("the node agent answered null");
        }
        catch (JsonException e)
        {
            throw new AgentProtocolException($"undecodable answer from the node agent: {e.Message}", e);
        }
    }
}
