using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace Terway.NodeAgent.Netlink;

/// <summary>
/// Builds one netlink request in a reusable buffer: a 16-byte header, a fixed family
/// header (ifinfomsg, rtmsg, ...) and 4-byte aligned attributes, nested by back-patching
/// lengths. One writer belongs to one socket; it is reset for every request so the hot
/// path allocates nothing once the buffer has grown to its working size.
/// </summary>
internal sealed class NetlinkMessageWriter
{
    private byte[] _buffer;
    private int _length;

    public NetlinkMessageWriter(int initialCapacity = 1024) => _buffer = new byte[initialCapacity];

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Length => _length;

    public ushort MessageType => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(4));

    public ushort MessageFlags => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(6));

    /// <summary>Starts a new message, discarding anything written before.</summary>
    public void Begin(ushort type, ushort flags)
    {
        _length = 0;
        var header = Reserve(Nl.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
    }

    /// <summary>Adds header flags (NLM_F_REQUEST, NLM_F_ACK) to the message being written.</summary>
    public void AddFlags(ushort flags) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(6), (ushort)(MessageFlags | flags));

    /// <summary>Stamps sequence number, port id and total length; call before sending.</summary>
    public void Finish(uint sequence, uint portId = 0)
    {
        var header = _buffer.AsSpan(0, Nl.HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)_length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], portId);
    }

    /// <summary>Reserves a zeroed, 4-byte aligned region (a family header) and returns it to fill.</summary>
    public Span<byte> Reserve(int size)
    {
        var aligned = Nl.Align(size);
        EnsureCapacity(aligned);
        var span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }

    public void Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        var total = 4 + value.Length;
        var span = Reserve(total);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)total);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        value.CopyTo(span[4..]);
    }

    public void U8(ushort type, byte value) => Attribute(type, [value]);

    public void U16(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        Attribute(type, b);
    }

    /// <summary>A 16-bit value in network byte order (e.g. VLAN protocol).</summary>
    public void U16BigEndian(ushort type, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        Attribute(type, b);
    }

    public void U32(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Attribute(type, b);
    }

    public void S32(ushort type, int value) => U32(type, unchecked((uint)value));

    /// <summary>A NUL-terminated string (names: IFLA_IFNAME, TCA_KIND, FRA_IIFNAME ...).</summary>
    public void String(ushort type, string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var span = Reserve(4 + byteCount + 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(4 + byteCount + 1));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        Encoding.UTF8.GetBytes(value, span[4..]);
    }

    /// <summary>A string without terminator, as iproute2 sends IFLA_INFO_KIND.</summary>
    public void StringNoTerminator(ushort type, string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var span = Reserve(4 + byteCount);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(4 + byteCount));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        Encoding.UTF8.GetBytes(value, span[4..]);
    }

    public void Address(ushort type, IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out var written))
        {
            throw new ArgumentException($"cannot encode address {address}", nameof(address));
        }

        Attribute(type, b[..written]);
    }

    public void Mac(ushort type, PhysicalAddress mac)
    {
        Span<byte> b = stackalloc byte[16];
        var bytes = mac.GetAddressBytes();
        bytes.CopyTo(b);
        Attribute(type, b[..bytes.Length]);
    }

    /// <summary>Opens a nested attribute; returns the token to pass to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        var span = Reserve(4);
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
        return start;
    }

    public void EndNested(int token) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(token), (ushort)(_length - token));

    private void EnsureCapacity(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }
}
