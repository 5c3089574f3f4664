using System.Buffers.Binary;
using System.Diagnostics;
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

/// <summary>
/// One request/response exchange with the node agent over its unix socket, bounded by a deadline.
/// Synchronous on purpose: the plugin is a short-lived process, and blocking calls with socket
/// timeouts start no thread-pool threads (which cost more than the exchange itself).
/// </summary>
internal static class AgentClient
{
    public static AgentResponse Call(string socketPath, AgentRequest request, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, AgentJsonContext.Default.AgentRequest);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        // SO_SNDTIMEO bounds send, and for AF_UNIX also a connect that waits for a full backlog.
        socket.SendTimeout = Milliseconds(timeout);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new AgentTimeoutException($"connecting to the node agent at {socketPath} did not complete within {Seconds(timeout)}s");
        }
        catch (SocketException e)
        {
            var what = File.Exists(socketPath) ? $"{e.SocketErrorCode} ({e.Message})" : "the socket does not exist";
            throw new AgentUnreachableException($"node agent not reachable at {socketPath}: {what}", e);
        }

        byte[] reply;
        try
        {
            var frame = new byte[4 + payload.Length];
            BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
            payload.CopyTo(frame, 4);
            SendAll(socket, frame);
            var header = new byte[4];
            if (!ReceiveExactly(socket, header, started, timeout))
            {
                throw new AgentUnreachableException($"the node agent at {socketPath} closed the connection without answering {request.Command}");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            if (length < 0 || length > AgentFraming.MaxPayloadBytes)
            {
                throw new AgentProtocolException($"malformed frame from the node agent: length {length}");
            }

            reply = new byte[length];
            if (!ReceiveExactly(socket, reply, started, timeout))
            {
                throw new AgentProtocolException($"the node agent closed the connection after part of a {length}-byte answer");
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            throw new AgentTimeoutException($"the node agent at {socketPath} did not answer {request.Command} within {Seconds(timeout)}s");
        }
        catch (SocketException e)
        {
            throw new AgentUnreachableException($"connection to the node agent at {socketPath} failed: {e.SocketErrorCode} ({e.Message})", e);
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

    private static void SendAll(Socket socket, byte[] data)
    {
        var sent = 0;
        while (sent < data.Length)
        {
            sent += socket.Send(data, sent, data.Length - sent, SocketFlags.None);
        }
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first. Each wait gets the time left.</summary>
    private static bool ReceiveExactly(Socket socket, byte[] buffer, long started, TimeSpan timeout)
    {
        var got = 0;
        while (got < buffer.Length)
        {
            var left = timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new SocketException((int)SocketError.TimedOut);
            }

            socket.ReceiveTimeout = Milliseconds(left);
            var n = socket.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        return true;
    }

    private static int Milliseconds(TimeSpan t) => (int)Math.Clamp(Math.Ceiling(t.TotalMilliseconds), 1, int.MaxValue);

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
