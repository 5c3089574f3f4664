using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Terway.NodeAgent.Netlink;

internal sealed partial class RtNetlink
{
    private static readonly NetlinkParser<NeighbourInfo> NeighbourParser = ParseNeighbour;

    /// <summary>Adds or replaces a permanent neighbour entry (idempotent).</summary>
    public void ReplacePermanentNeighbour(int index, IPAddress address, PhysicalAddress mac)
    {
        lock (Socket.Sync)
        {
            BuildNeighbour(Socket.Writer, Rtm.NEWNEIGH, Nl.NLM_F_CREATE | Nl.NLM_F_REPLACE, index, address, mac, Nda.NUD_PERMANENT);
            Socket.Execute($"{address} lladdr {mac} dev #{index}");
        }
    }

    /// <summary>Deletes a neighbour entry; returns false if there was none.</summary>
    public bool DeleteNeighbour(int index, IPAddress address)
    {
        try
        {
            lock (Socket.Sync)
            {
                BuildNeighbour(Socket.Writer, Rtm.DELNEIGH, 0, index, address, null, 0);
                Socket.Execute($"{address} dev #{index}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Neighbour entries of one link (0 = all links).</summary>
    public List<NeighbourInfo> ListNeighbours(int index = 0, AddressFamily family = AddressFamily.Unspecified)
    {
        List<NeighbourInfo> all;
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            w.Begin(Rtm.GETNEIGH, Nl.NLM_F_DUMP);
            var h = w.Reserve(Nda.NdMsgSize);
            h[0] = FamilyByte(family);
            if (index != 0)
            {
                // The dump header must stay zero; the kernel filters by the NDA_IFINDEX attribute.
                w.U32(Nda.IFINDEX, (uint)index);
            }

            all = Socket.Dump("dump", NeighbourParser);
        }

        if (index != 0)
        {
            all.RemoveAll(n => n.Index != index);
        }

        return all;
    }

    internal static void BuildNeighbour(NetlinkMessageWriter w, ushort type, ushort flags, int index, IPAddress address, PhysicalAddress? mac, ushort state)
    {
        w.Begin(type, flags);
        var h = w.Reserve(Nda.NdMsgSize);
        h[0] = FamilyByte(address.AddressFamily);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], state);
        w.Address(Nda.DST, address);
        if (mac is not null)
        {
            w.Mac(Nda.LLADDR, mac);
        }
    }

    private static bool ParseNeighbour(in NetlinkMessage message, out NeighbourInfo neighbour)
    {
        neighbour = null!;
        if (message.Type != Rtm.NEWNEIGH || message.Payload.Length < Nda.NdMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        IPAddress? address = null;
        PhysicalAddress? mac = null;
        var attributes = new NetlinkAttributeReader(p[Nda.NdMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Nda.DST: address = NlValue.Address(value); break;
                case Nda.LLADDR: mac = NlValue.Mac(value); break;
            }
        }

        if (address is null)
        {
            return false;
        }

        neighbour = new NeighbourInfo
        {
            Index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]),
            Address = address,
            Mac = mac,
            State = BinaryPrimitives.ReadUInt16LittleEndian(p[8..]),
        };
        return true;
    }
}
