using System.Buffers.Binary;
using Terway.NodeAgent.Tc;

namespace Terway.NodeAgent.Netlink;

/// <summary>
/// rtnetlink operations (links, addresses, routes, rules, neighbours; tc through
/// <see cref="Tc"/>) over one <see cref="NetlinkSocket"/>, in the namespace the socket
/// was opened in. Thread-safe: each request holds the socket's lock.
/// </summary>
internal sealed partial class RtNetlink : IDisposable
{
    private TrafficControl? _tc;

    public RtNetlink(NetlinkSocket socket) => Socket = socket;

    public NetlinkSocket Socket { get; }

    /// <summary>tc qdiscs and filters over the same socket.</summary>
    public TrafficControl Tc => _tc ??= new TrafficControl(Socket);

    /// <summary>Opens a client in the calling thread's namespace.</summary>
    public static RtNetlink Open() => new(NetlinkSocket.Open());

    public void Dispose() => Socket.Dispose();

    /// <summary>Starts an RTM_*LINK message with its ifinfomsg header.</summary>
    private static void WriteIfInfo(NetlinkMessageWriter w, ushort type, ushort flags, int index, uint ifFlags = 0, uint ifChange = 0, byte family = 0)
    {
        w.Begin(type, flags);
        var h = w.Reserve(Ifla.IfInfoMsgSize);
        h[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], ifFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], ifChange);
    }
}
