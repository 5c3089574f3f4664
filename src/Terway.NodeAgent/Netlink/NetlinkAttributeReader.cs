using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace Terway.NodeAgent.Netlink;

/// <summary>Walks the attributes of one message (or one nested attribute) without copying.</summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    /// <summary>Reads the next attribute; the type has the nested/byte-order flag bits removed.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        if (_rest.Length < 4)
        {
            type = 0;
            value = default;
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (length < 4 || length > _rest.Length)
        {
            // A truncated attribute ends the walk rather than reading past the message.
            type = 0;
            value = default;
            _rest = default;
            return false;
        }

        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & Nl.NLA_TYPE_MASK);
        value = _rest[4..length];
        var advance = Math.Min(Nl.Align(length), _rest.Length);
        _rest = _rest[advance..];
        return true;
    }
}

/// <summary>Decoders for attribute payloads.</summary>
internal static class NlValue
{
    public static byte U8(ReadOnlySpan<byte> v) => v.Length >= 1 ? v[0] : (byte)0;

    public static ushort U16(ReadOnlySpan<byte> v) => v.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(v) : (ushort)0;

    public static uint U32(ReadOnlySpan<byte> v) => v.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(v) : 0;

    public static int S32(ReadOnlySpan<byte> v) => unchecked((int)U32(v));

    /// <summary>A string up to its first NUL (or the whole payload if it has none).</summary>
    public static string String(ReadOnlySpan<byte> v)
    {
        var nul = v.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? v[..nul] : v);
    }

    public static IPAddress? Address(ReadOnlySpan<byte> v) => v.Length is 4 or 16 ? new IPAddress(v) : null;

    public static PhysicalAddress Mac(ReadOnlySpan<byte> v) => new(v.ToArray());
}

/// <summary>One message from a netlink receive buffer.</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Sequence { get; }

    public uint PortId { get; }

    /// <summary>Everything after the 16-byte netlink header.</summary>
    public ReadOnlySpan<byte> Payload { get; }
}

/// <summary>Splits a receive buffer into messages.</summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkMessageReader(ReadOnlySpan<byte> buffer) => _rest = buffer;

    public bool TryRead(out NetlinkMessage message)
    {
        if (_rest.Length < Nl.HeaderSize)
        {
            message = default;
            return false;
        }

        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        if (length < Nl.HeaderSize || length > _rest.Length)
        {
            message = default;
            _rest = default;
            return false;
        }

        message = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(_rest[12..]),
            _rest[Nl.HeaderSize..length]);
        _rest = _rest[Math.Min(Nl.Align(length), _rest.Length)..];
        return true;
    }
}
