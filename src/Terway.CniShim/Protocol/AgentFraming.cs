using System.Buffers.Binary;

// Compiled into both the CNI plugin and the node agent (see AgentMessages.cs).
namespace Terway.CniShim.Protocol;

/// <summary>
/// Frames on the agent socket: a 4-byte big-endian payload length, then the payload (UTF-8 JSON).
/// A raw length-prefixed exchange keeps the plugin's start-up free of an HTTP stack.
/// </summary>
internal static class AgentFraming
{
    /// <summary>Largest payload either end accepts.</summary>
    public const int MaxPayloadBytes = 4 << 20;

    /// <summary>Writes one frame (header and payload in a single write).</summary>
    public static async Task WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            throw new InvalidDataException($"frame of {payload.Length} bytes exceeds the {MaxPayloadBytes}-byte limit");
        }

        var buffer = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(buffer, payload.Length);
        payload.CopyTo(buffer.AsMemory(4));
        await stream.WriteAsync(buffer, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads one frame; null when the peer closed the connection before sending one.</summary>
    /// <exception cref="InvalidDataException">A truncated or oversized frame.</exception>
    public static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        var got = await ReadAtLeastAsync(stream, header, cancellationToken);
        if (got == 0)
        {
            return null;
        }

        if (got < header.Length)
        {
            throw new InvalidDataException("connection closed in the middle of a frame header");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > MaxPayloadBytes)
        {
            throw new InvalidDataException($"frame length {length} is outside 0..{MaxPayloadBytes}");
        }

        var payload = new byte[length];
        if (await ReadAtLeastAsync(stream, payload, cancellationToken) < length)
        {
            throw new InvalidDataException($"connection closed after part of a {length}-byte frame");
        }

        return payload;
    }

    private static async Task<int> ReadAtLeastAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], cancellationToken);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
