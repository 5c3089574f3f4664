using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Netns;

namespace Terway.Sandbox.Fabric;

/// <summary>A frame seen by a packet socket, with the VLAN tag the kernel reported out of band.</summary>
/// <param name="Data">The frame (Ethernet header onwards; an offloaded tag is not in it).</param>
/// <param name="VlanId">The VLAN id from PACKET_AUXDATA, or null if the frame was untagged.</param>
public sealed record CapturedFrame(byte[] Data, ushort? VlanId)
{
    /// <summary>The frame's ethertype (the inner one when the tag was offloaded).</summary>
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(Data.AsSpan(12));

    /// <summary>IPv4 source address, if this is an IPv4 frame.</summary>
    public System.Net.IPAddress? IPv4Source => EtherType == 0x0800 && Data.Length >= 34 ? new System.Net.IPAddress(Data.AsSpan(26, 4)) : null;

    /// <summary>IPv4 destination address, if this is an IPv4 frame.</summary>
    public System.Net.IPAddress? IPv4Destination => EtherType == 0x0800 && Data.Length >= 34 ? new System.Net.IPAddress(Data.AsSpan(30, 4)) : null;
}

/// <summary>
/// An AF_PACKET socket bound to one interface. With PACKET_AUXDATA the kernel reports the VLAN
/// tag of each frame (on a veth the tag travels as metadata, not in the frame bytes).
/// </summary>
public sealed class PacketSocket : IDisposable
{
    private const int SolPacket = 263;
    private const int PacketAuxData = 8;
    private const ushort EthPAll = 0x0003;
    private const uint TpStatusVlanValid = 1 << 4;

    private readonly FileDescriptor _fd;
    private readonly int _ifindex;

    private PacketSocket(FileDescriptor fd, int ifindex)
    {
        _fd = fd;
        _ifindex = ifindex;
    }

    /// <summary>Opens a socket on <paramref name="ifindex"/> inside the namespace at <paramref name="path"/>.</summary>
    public static async Task<PacketSocket> OpenAsync(string path, int ifindex)
    {
        using var ns = NetworkNamespace.Open(path);
        return await ns.RunAsync(() => OpenHere(ifindex));
    }

    private static unsafe PacketSocket OpenHere(int ifindex)
    {
        {
            var fd = LibC.Socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, BinaryPrimitives.ReverseEndianness(EthPAll));
            if (fd < 0)
            {
                throw new SystemCallException("socket(AF_PACKET)", LibC.LastErrno);
            }

            var handle = new FileDescriptor(fd);
            var one = 1;
            if (LibC.SetSockOpt(fd, SolPacket, PacketAuxData, &one, sizeof(int)) != 0)
            {
                throw new SystemCallException("setsockopt(PACKET_AUXDATA)", LibC.LastErrno);
            }

            Span<byte> address = stackalloc byte[20]; // struct sockaddr_ll
            address.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(address, LibC.AF_PACKET);
            BinaryPrimitives.WriteUInt16BigEndian(address[2..], EthPAll);
            BinaryPrimitives.WriteInt32LittleEndian(address[4..], ifindex);
            fixed (byte* a = address)
            {
                if (LibC.Bind(fd, a, 20) != 0)
                {
                    throw new SystemCallException("bind(AF_PACKET)", LibC.LastErrno);
                }
            }

            return new PacketSocket(handle, ifindex);
        }
    }

    /// <summary>The next frame, or null when none arrives before the deadline.</summary>
    public unsafe CapturedFrame? Receive(TimeSpan timeout)
    {
        var pollFd = new LibC.PollFd { Fd = _fd.Value, Events = LibC.POLLIN };
        var ready = LibC.Poll(&pollFd, 1, (int)timeout.TotalMilliseconds);
        if (ready <= 0)
        {
            return null;
        }

        var buffer = new byte[65536];
        var control = new byte[256];
        fixed (byte* b = buffer)
        fixed (byte* c = control)
        {
            var iov = new LibC.IoVec { Base = b, Length = (nuint)buffer.Length };
            var message = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = c, ControlLength = (nuint)control.Length };
            var n = LibC.RecvMsg(_fd.Value, &message, 0);
            if (n < 0)
            {
                throw new SystemCallException("recvmsg(AF_PACKET)", LibC.LastErrno);
            }

            return new CapturedFrame(buffer.AsSpan(0, (int)n).ToArray(), ParseVlan(control.AsSpan(0, (int)message.ControlLength)));
        }
    }

    /// <summary>Receives until <paramref name="until"/> is satisfied or the deadline passes; returns every frame seen.</summary>
    public List<CapturedFrame> ReceiveUntil(Func<List<CapturedFrame>, bool> until, TimeSpan timeout)
    {
        var frames = new List<CapturedFrame>();
        var deadline = DateTime.UtcNow + timeout;
        while (!until(frames))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            var frame = Receive(left);
            if (frame is not null)
            {
                frames.Add(frame);
            }
        }

        return frames;
    }

    /// <summary>Sends a raw frame out of the bound interface (an 802.1Q header in it is sent as is).</summary>
    public unsafe void Send(ReadOnlySpan<byte> frame)
    {
        Span<byte> address = stackalloc byte[20];
        address.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(address, LibC.AF_PACKET);
        BinaryPrimitives.WriteUInt16BigEndian(address[2..], EthPAll);
        BinaryPrimitives.WriteInt32LittleEndian(address[4..], _ifindex);
        fixed (byte* f = frame)
        fixed (byte* a = address)
        {
            if (LibC.SendTo(_fd.Value, f, (nuint)frame.Length, 0, a, 20) < 0)
            {
                throw new SystemCallException("sendto(AF_PACKET)", LibC.LastErrno);
            }
        }
    }

    /// <summary>Closes the socket.</summary>
    public void Dispose() => _fd.Dispose();

    private static ushort? ParseVlan(ReadOnlySpan<byte> control)
    {
        // struct cmsghdr { size_t len; int level; int type; } then struct tpacket_auxdata
        // { u32 status, len, snaplen; u16 mac, net, vlan_tci, vlan_tpid; }.
        var offset = 0;
        while (offset + 16 <= control.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control[offset..]);
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 8)..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[(offset + 12)..]);
            if (length < 16)
            {
                return null;
            }

            if (level == SolPacket && type == PacketAuxData && offset + 16 + 20 <= control.Length)
            {
                var aux = control[(offset + 16)..];
                var status = BinaryPrimitives.ReadUInt32LittleEndian(aux);
                var tci = BinaryPrimitives.ReadUInt16LittleEndian(aux[16..]);
                return (status & TpStatusVlanValid) != 0 ? (ushort)(tci & 0x0FFF) : null;
            }

            offset += (length + 7) & ~7;
        }

        return null;
    }

    /// <summary>Builds an Ethernet/IPv4/UDP frame, optionally with an 802.1Q header in the bytes.</summary>
    public static byte[] UdpFrame(System.Net.NetworkInformation.PhysicalAddress destinationMac, System.Net.NetworkInformation.PhysicalAddress sourceMac, ushort? vlanId, System.Net.IPAddress source, System.Net.IPAddress destination, ushort port, ReadOnlySpan<byte> payload)
    {
        var tag = vlanId is null ? 0 : 4;
        var frame = new byte[14 + tag + 20 + 8 + payload.Length];
        destinationMac.GetAddressBytes().CopyTo(frame, 0);
        sourceMac.GetAddressBytes().CopyTo(frame, 6);
        var at = 12;
        if (vlanId is { } vid)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at + 2), vid);
            at += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), 0x0800);
        var ip = frame.AsSpan(at + 2, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
        ip[8] = 64;
        ip[9] = 17;
        source.GetAddressBytes().CopyTo(ip[12..]);
        destination.GetAddressBytes().CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Probes.InternetChecksum(ip));
        var udp = frame.AsSpan(at + 22, 8 + payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], port);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]); // UDP checksum 0: none, allowed for IPv4
        return frame;
    }
}
