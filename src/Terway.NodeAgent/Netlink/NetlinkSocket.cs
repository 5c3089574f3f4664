using System.Buffers.Binary;
using Terway.NodeAgent.Interop;

namespace Terway.NodeAgent.Netlink;

/// <summary>Receives one reply message of a query or dump; returns false to skip it.</summary>
internal delegate bool NetlinkParser<T>(in NetlinkMessage message, out T value);

/// <summary>
/// An AF_NETLINK/NETLINK_ROUTE socket. The socket belongs to the network namespace of
/// the thread that created it and keeps talking to that namespace from any thread, so a
/// socket opened once inside a pod namespace serves every later call for that pod.
/// Requests are serialized by <see cref="Sync"/>: callers build into <see cref="Writer"/>
/// and call <see cref="Execute"/>, <see cref="Query{T}"/> or <see cref="Dump{T}"/> while holding it.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private const int DumpRetries = 5;

    private readonly FileDescriptor _fd;
    private readonly uint _portId;
    // The kernel sizes dump datagrams to the reader's buffer, capped just under 32 KiB.
    private byte[] _receive = new byte[32 * 1024];
    private uint _sequence;

    private NetlinkSocket(FileDescriptor fd, uint portId)
    {
        _fd = fd;
        _portId = portId;
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>Held while a request is built and exchanged.</summary>
    public Lock Sync { get; } = new();

    public NetlinkMessageWriter Writer { get; } = new();

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    public static NetlinkSocket Open()
    {
        var fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, Nl.NETLINK_ROUTE);
        if (fd < 0)
        {
            throw new NetlinkException("socket(AF_NETLINK, NETLINK_ROUTE)", LibC.LastErrno);
        }

        var handle = new FileDescriptor(fd);
        try
        {
            SetOption(fd, Nl.SOL_NETLINK, Nl.NETLINK_EXT_ACK, 1, required: false);
            SetOption(fd, Nl.SOL_NETLINK, Nl.NETLINK_CAP_ACK, 1, required: false);
            SetOption(fd, Nl.SOL_NETLINK, Nl.NETLINK_GET_STRICT_CHK, 1, required: false);
            SetOption(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, 1 << 20, required: false);

            Span<byte> address = stackalloc byte[12];
            address.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(address, LibC.AF_NETLINK);
            fixed (byte* a = address)
            {
                if (LibC.Bind(fd, a, 12) != 0)
                {
                    throw new NetlinkException("bind(AF_NETLINK)", LibC.LastErrno);
                }

                var length = 12u;
                if (LibC.GetSockName(fd, a, &length) != 0)
                {
                    throw new NetlinkException("getsockname(AF_NETLINK)", LibC.LastErrno);
                }
            }

            return new NetlinkSocket(handle, BinaryPrimitives.ReadUInt32LittleEndian(address[4..]));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Sends the request in <see cref="Writer"/> with NLM_F_ACK and waits for the kernel's ack.</summary>
    /// <param name="what">Describes the request for errors, e.g. "veth cali1234"; formatted only if it fails.</param>
    public void Execute(object what)
    {
        var sequence = SendWriter(ackRequested: true);
        ReceiveUntilAck<int>(sequence, what, null, null);
    }

    /// <summary>Sends a get request (with NLM_F_ACK) and collects the replies.</summary>
    public void Query<T>(object what, NetlinkParser<T> parser, List<T> into)
    {
        var sequence = SendWriter(ackRequested: true);
        ReceiveUntilAck(sequence, what, parser, into);
    }

    /// <summary>Sends the dump request in <see cref="Writer"/> and collects every reply until NLMSG_DONE.</summary>
    public List<T> Dump<T>(string what, NetlinkParser<T> parser)
    {
        var results = new List<T>();
        for (var attempt = 1; ; attempt++)
        {
            results.Clear();
            var sequence = SendWriter(ackRequested: false);
            if (ReceiveDump(sequence, what, parser, results) || attempt == DumpRetries)
            {
                // After the last retry an interrupted dump is still returned: the caller's
                // view may be slightly stale, which every caller tolerates by converging again.
                return results;
            }
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void SetOption(int fd, int level, int option, int value, bool required)
    {
        if (LibC.SetSockOpt(fd, level, option, &value, sizeof(int)) != 0 && required)
        {
            throw new NetlinkException($"setsockopt({level}, {option})", LibC.LastErrno);
        }
    }

    private uint SendWriter(bool ackRequested)
    {
        var sequence = unchecked(++_sequence);
        Writer.AddFlags(ackRequested ? (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK) : Nl.NLM_F_REQUEST);
        Writer.Finish(sequence, _portId);
        var data = Writer.Written;
        fixed (byte* p = data)
        {
            while (true)
            {
                var sent = LibC.Send(_fd.Value, p, (nuint)data.Length, 0);
                if (sent >= 0)
                {
                    return sequence;
                }

                var errno = LibC.LastErrno;
                if (errno != Errno.EINTR)
                {
                    throw new NetlinkException($"send {Rtm.Name(Writer.MessageType)}", errno);
                }
            }
        }
    }

    private int Receive()
    {
        while (true)
        {
            nint received;
            fixed (byte* p = _receive)
            {
                received = LibC.Recv(_fd.Value, p, (nuint)_receive.Length, LibC.MSG_TRUNC);
            }

            if (received < 0)
            {
                var errno = LibC.LastErrno;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw new NetlinkException($"recv {Rtm.Name(Writer.MessageType)}", errno);
            }

            if (received > _receive.Length)
            {
                // The datagram was cut; grow so the next one fits and report this one lost.
                _receive = new byte[(int)received * 2];
                throw new NetlinkException($"recv {Rtm.Name(Writer.MessageType)} (reply truncated)", Errno.ENOBUFS);
            }

            return (int)received;
        }
    }

    private void ReceiveUntilAck<T>(uint sequence, object what, NetlinkParser<T>? parser, List<T>? into)
    {
        while (true)
        {
            var length = Receive();
            var reader = new NetlinkMessageReader(_receive.AsSpan(0, length));
            while (reader.TryRead(out var message))
            {
                if (message.Sequence != sequence || message.PortId != _portId)
                {
                    continue; // a late reply to an earlier request
                }

                if (message.Type == Nl.NLMSG_ERROR)
                {
                    var errno = -BinaryPrimitives.ReadInt32LittleEndian(message.Payload);
                    if (errno == 0)
                    {
                        return;
                    }

                    throw Failure(what, errno, message);
                }

                if (message.Type == Nl.NLMSG_DONE)
                {
                    return;
                }

                if (parser is not null && parser(message, out var value))
                {
                    into!.Add(value);
                }
            }
        }
    }

    private bool ReceiveDump<T>(uint sequence, string what, NetlinkParser<T> parser, List<T> into)
    {
        var consistent = true;
        while (true)
        {
            var length = Receive();
            var reader = new NetlinkMessageReader(_receive.AsSpan(0, length));
            while (reader.TryRead(out var message))
            {
                if (message.Sequence != sequence || message.PortId != _portId)
                {
                    continue;
                }

                if ((message.Flags & Nl.NLM_F_DUMP_INTR) != 0)
                {
                    consistent = false;
                }

                switch (message.Type)
                {
                    case Nl.NLMSG_DONE:
                        if (message.Payload.Length >= 4)
                        {
                            var errno = -BinaryPrimitives.ReadInt32LittleEndian(message.Payload);
                            if (errno > 0)
                            {
                                throw Failure(what, errno, message);
                            }
                        }

                        return consistent;
                    case Nl.NLMSG_ERROR:
                        {
                            var errno = -BinaryPrimitives.ReadInt32LittleEndian(message.Payload);
                            if (errno == 0)
                            {
                                return consistent;
                            }

                            throw Failure(what, errno, message);
                        }

                    case Nl.NLMSG_NOOP or Nl.NLMSG_OVERRUN:
                        continue;
                    default:
                        if (parser(message, out var value))
                        {
                            into.Add(value);
                        }

                        break;
                }
            }
        }
    }

    private NetlinkException Failure(object what, int errno, in NetlinkMessage message)
    {
        var operation = $"{Rtm.Name(Writer.MessageType)} {what}".TrimEnd();
        return new NetlinkException(operation, errno, ExtendedAckMessage(message));
    }

    /// <summary>The NLMSGERR_ATTR_MSG text that follows an error, if the kernel sent one.</summary>
    private static string? ExtendedAckMessage(in NetlinkMessage message)
    {
        if ((message.Flags & Nl.NLM_F_ACK_TLVS) == 0 || message.Payload.Length < 4 + Nl.HeaderSize)
        {
            return null;
        }

        var echoedLength = (message.Flags & Nl.NLM_F_CAPPED) != 0
            ? Nl.HeaderSize
            : (int)BinaryPrimitives.ReadUInt32LittleEndian(message.Payload[4..]);
        var offset = 4 + Nl.Align(echoedLength);
        if (offset > message.Payload.Length)
        {
            return null;
        }

        var attributes = new NetlinkAttributeReader(message.Payload[offset..]);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == Nl.NLMSGERR_ATTR_MSG)
            {
                return NlValue.String(value);
            }
        }

        return null;
    }
}
