using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Terway.NodeAgent.Netlink;

internal sealed partial class RtNetlink
{
    private static readonly NetlinkParser<AddressInfo> AddressParser = ParseAddress;

    /// <summary>
    /// Adds (or, with <paramref name="replace"/>, updates) an address on a link. <paramref name="flags"/>
    /// are IFA_F_* flags, e.g. <see cref="Ifa.F_NODAD"/> or <see cref="Ifa.F_NOPREFIXROUTE"/>.
    /// </summary>
    public void AddAddress(int index, IPAddress address, int prefixLength, byte scope = Scope.Universe, uint flags = 0, bool replace = true)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            BuildAddress(w, Rtm.NEWADDR, (ushort)(Nl.NLM_F_CREATE | (replace ? Nl.NLM_F_REPLACE : Nl.NLM_F_EXCL)), index, address, prefixLength, scope, flags);
            Socket.Execute($"{address}/{prefixLength} dev #{index}");
        }
    }

    /// <summary>Removes an address; returns false if it was not there.</summary>
    public bool DeleteAddress(int index, IPAddress address, int prefixLength)
    {
        try
        {
            lock (Socket.Sync)
            {
                var w = Socket.Writer;
                BuildAddress(w, Rtm.DELADDR, 0, index, address, prefixLength, Scope.Universe, 0);
                Socket.Execute($"{address}/{prefixLength} dev #{index}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound || e.Errno == Interop.Errno.EADDRNOTAVAIL)
        {
            return false;
        }
    }

    /// <summary>Addresses of one link (or of all links when <paramref name="index"/> is 0).</summary>
    public List<AddressInfo> ListAddresses(int index = 0, AddressFamily family = AddressFamily.Unspecified)
    {
        List<AddressInfo> all;
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            w.Begin(Rtm.GETADDR, Nl.NLM_F_DUMP);
            var h = w.Reserve(Ifa.IfAddrMsgSize);
            h[0] = FamilyByte(family);
            BinaryPrimitives.WriteInt32LittleEndian(h[4..], index); // strict checking filters by ifindex in the kernel
            all = Socket.Dump("dump", AddressParser);
        }

        if (index != 0)
        {
            all.RemoveAll(a => a.Index != index);
        }

        return all;
    }

    internal static void BuildAddress(NetlinkMessageWriter w, ushort type, ushort flags, int index, IPAddress address, int prefixLength, byte scope, uint addressFlags)
    {
        w.Begin(type, flags);
        var h = w.Reserve(Ifa.IfAddrMsgSize);
        h[0] = FamilyByte(address.AddressFamily);
        h[1] = (byte)prefixLength;
        h[2] = (byte)(addressFlags & 0xFF);
        h[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        w.Address(Ifa.LOCAL, address);
        w.Address(Ifa.ADDRESS, address);
        if (addressFlags > 0xFF)
        {
            w.U32(Ifa.FLAGS, addressFlags);
        }
    }

    internal static byte FamilyByte(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => Interop.LibC.AF_INET,
        AddressFamily.InterNetworkV6 => Interop.LibC.AF_INET6,
        _ => Interop.LibC.AF_UNSPEC,
    };

    internal static AddressFamily FamilyOf(byte family) => family switch
    {
        Interop.LibC.AF_INET => AddressFamily.InterNetwork,
        Interop.LibC.AF_INET6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    private static bool ParseAddress(in NetlinkMessage message, out AddressInfo address)
    {
        address = null!;
        if (message.Type != Rtm.NEWADDR || message.Payload.Length < Ifa.IfAddrMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        uint flags = p[2];
        IPAddress? local = null, peer = null;
        var attributes = new NetlinkAttributeReader(p[Ifa.IfAddrMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Ifa.LOCAL: local = NlValue.Address(value); break;
                case Ifa.ADDRESS: peer = NlValue.Address(value); break;
                case Ifa.FLAGS: flags = NlValue.U32(value); break;
            }
        }

        var ip = local ?? peer;
        if (ip is null)
        {
            return false;
        }

        address = new AddressInfo
        {
            Index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]),
            Address = ip,
            PrefixLength = p[1],
            Scope = p[3],
            Flags = flags,
        };
        return true;
    }
}
