using System.Buffers.Binary;
using System.Net.NetworkInformation;

namespace Terway.NodeAgent.Netlink;

internal sealed partial class RtNetlink
{
    private static readonly NetlinkParser<LinkInfo> LinkParser = ParseLink;

    /// <summary>
    /// Creates a veth pair; each end may have an MTU/MAC and live in another namespace. The
    /// kernel can bring only the first end up while creating the pair (the peer is not yet
    /// connected then), so an "up" peer is brought up by a second request, which needs the
    /// peer to be in this socket's namespace.
    /// </summary>
    public void CreateVeth(string name, string peerName, NewLinkOptions? options = null, NewLinkOptions? peerOptions = null)
    {
        options ??= NewLinkOptions.Default;
        peerOptions ??= NewLinkOptions.Default;
        if (peerOptions.Up && (peerOptions.NamespaceFd is not null || peerOptions.NamespacePid is not null))
        {
            throw new ArgumentException("a veth peer created in another namespace cannot be brought up from here; create the other end first", nameof(peerOptions));
        }

        lock (Socket.Sync)
        {
            BuildVeth(Socket.Writer, name, peerName, options, peerOptions);
            Socket.Execute($"veth {name} peer {peerName}");
        }

        if (peerOptions.Up)
        {
            var created = GetLink(peerName) ?? throw new NetlinkException($"RTM_GETLINK {peerName}", Interop.Errno.ENODEV);
            SetUp(created.Index, true, peerName);
        }
    }

    /// <summary>Creates an 802.1Q VLAN sub-interface of <paramref name="parentIndex"/>.</summary>
    public void CreateVlan(string name, int parentIndex, ushort vlanId, NewLinkOptions? options = null)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            BuildVlan(w, name, parentIndex, vlanId, options ?? NewLinkOptions.Default);
            Socket.Execute($"vlan {name} id {vlanId}");
        }
    }

    /// <summary>Creates an ipvlan child of <paramref name="parentIndex"/>.</summary>
    public void CreateIpvlan(string name, int parentIndex, IpvlanMode mode, NewLinkOptions? options = null)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            BuildIpvlan(w, name, parentIndex, mode, options ?? NewLinkOptions.Default);
            Socket.Execute($"ipvlan {name}");
        }
    }

    /// <summary>Creates a macvlan child of <paramref name="parentIndex"/>.</summary>
    public void CreateMacvlan(string name, int parentIndex, MacvlanMode mode, NewLinkOptions? options = null)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            BuildMacvlan(w, name, parentIndex, mode, options ?? NewLinkOptions.Default);
            Socket.Execute($"macvlan {name}");
        }
    }

    /// <summary>Creates a Linux bridge.</summary>
    public void CreateBridge(string name, NewLinkOptions? options = null)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            BeginNewLink(w, name, 0, options ?? NewLinkOptions.Default);
            var info = w.BeginNested(Ifla.LINKINFO);
            w.StringNoTerminator(Ifla.INFO_KIND, "bridge");
            w.EndNested(info);
            Socket.Execute($"bridge {name}");
        }
    }

    // The builders are separate from sending so golden tests can compare them with iproute2.
    internal static void BuildVeth(NetlinkMessageWriter w, string name, string peerName, NewLinkOptions options, NewLinkOptions peerOptions)
    {
        BeginNewLink(w, name, parentIndex: 0, options);
        var info = w.BeginNested(Ifla.LINKINFO);
        w.StringNoTerminator(Ifla.INFO_KIND, "veth");
        var data = w.BeginNested(Ifla.INFO_DATA);
        var peer = w.BeginNested(Ifla.VETH_INFO_PEER);
        WriteIfInfoBody(w, peerOptions with { Up = false });
        w.String(Ifla.IFNAME, peerName);
        WriteLinkOptions(w, peerOptions);
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(info);
    }

    internal static void BuildVlan(NetlinkMessageWriter w, string name, int parentIndex, ushort vlanId, NewLinkOptions options)
    {
        BeginNewLink(w, name, parentIndex, options);
        var info = w.BeginNested(Ifla.LINKINFO);
        w.StringNoTerminator(Ifla.INFO_KIND, "vlan");
        var data = w.BeginNested(Ifla.INFO_DATA);
        w.U16(Ifla.VLAN_ID, vlanId);
        w.EndNested(data);
        w.EndNested(info);
    }

    internal static void BuildIpvlan(NetlinkMessageWriter w, string name, int parentIndex, IpvlanMode mode, NewLinkOptions options)
    {
        BeginNewLink(w, name, parentIndex, options);
        var info = w.BeginNested(Ifla.LINKINFO);
        w.StringNoTerminator(Ifla.INFO_KIND, "ipvlan");
        var data = w.BeginNested(Ifla.INFO_DATA);
        w.U16(Ifla.IPVLAN_MODE, (ushort)mode);
        w.U16(Ifla.IPVLAN_FLAGS, 0); // bridge (neither private nor vepa), as iproute2 sends it
        w.EndNested(data);
        w.EndNested(info);
    }

    internal static void BuildMacvlan(NetlinkMessageWriter w, string name, int parentIndex, MacvlanMode mode, NewLinkOptions options)
    {
        BeginNewLink(w, name, parentIndex, options);
        var info = w.BeginNested(Ifla.LINKINFO);
        w.StringNoTerminator(Ifla.INFO_KIND, "macvlan");
        var data = w.BeginNested(Ifla.INFO_DATA);
        w.U32(Ifla.MACVLAN_MODE, (uint)mode);
        w.EndNested(data);
        w.EndNested(info);
    }

    /// <summary>Deletes a link by index; with a veth this removes both ends.</summary>
    public void DeleteLink(int index, string? name = null)
    {
        lock (Socket.Sync)
        {
            WriteIfInfo(Socket.Writer, Rtm.DELLINK, 0, index);
            Socket.Execute(name ?? $"#{index}");
        }
    }

    /// <summary>Deletes a link by name; returns false if there was none.</summary>
    public bool TryDeleteLink(string name)
    {
        try
        {
            lock (Socket.Sync)
            {
                var w = Socket.Writer;
                WriteIfInfo(w, Rtm.DELLINK, 0, 0);
                w.String(Ifla.IFNAME, name);
                Socket.Execute(name);
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the link in one RTM_NEWLINK request.</summary>
    public void ChangeLink(int index, LinkChange change, string? name = null)
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            uint flags = 0, mask = 0;
            if (change.Up is { } up)
            {
                mask |= Ifla.IFF_UP;
                flags |= up ? Ifla.IFF_UP : 0;
            }

            if (change.NoArp is { } noArp)
            {
                mask |= Ifla.IFF_NOARP;
                flags |= noArp ? Ifla.IFF_NOARP : 0;
            }

            WriteIfInfo(w, Rtm.NEWLINK, 0, index, flags, mask);
            if (change.Name is not null)
            {
                w.String(Ifla.IFNAME, change.Name);
            }

            if (change.Mtu is { } mtu)
            {
                w.U32(Ifla.MTU, (uint)mtu);
            }

            if (change.Mac is not null)
            {
                w.Mac(Ifla.ADDRESS, change.Mac);
            }

            if (change.Alias is not null)
            {
                w.Attribute(Ifla.IFALIAS, System.Text.Encoding.UTF8.GetBytes(change.Alias));
            }

            if (change.MasterIndex is { } master)
            {
                w.U32(Ifla.MASTER, (uint)master);
            }

            if (change.NamespaceFd is { } fd)
            {
                w.U32(Ifla.NET_NS_FD, (uint)fd);
            }

            if (change.NamespacePid is { } pid)
            {
                w.U32(Ifla.NET_NS_PID, (uint)pid);
            }

            Socket.Execute($"set {name ?? $"#{index}"}");
        }
    }

    public void SetUp(int index, bool up, string? name = null) => ChangeLink(index, new LinkChange { Up = up }, name);

    public void SetMtu(int index, int mtu, string? name = null) => ChangeLink(index, new LinkChange { Mtu = mtu }, name);

    public void SetMac(int index, PhysicalAddress mac, string? name = null) => ChangeLink(index, new LinkChange { Mac = mac }, name);

    /// <summary>Renames a link; the kernel requires it to be down.</summary>
    public void Rename(int index, string newName) => ChangeLink(index, new LinkChange { Name = newName }, newName);

    /// <summary>Moves a link to the namespace whose descriptor is <paramref name="namespaceFd"/>.</summary>
    public void MoveToNamespace(int index, int namespaceFd, string? name = null) =>
        ChangeLink(index, new LinkChange { NamespaceFd = namespaceFd }, name);

    public void SetMaster(int index, int masterIndex, string? name = null) =>
        ChangeLink(index, new LinkChange { MasterIndex = masterIndex }, name);

    /// <summary>The link called <paramref name="name"/>, or null.</summary>
    public LinkInfo? GetLink(string name)
    {
        var found = new List<LinkInfo>(1);
        try
        {
            lock (Socket.Sync)
            {
                var w = Socket.Writer;
                WriteIfInfo(w, Rtm.GETLINK, 0, 0);
                w.U32(Ifla.EXT_MASK, Ifla.RTEXT_FILTER_VF | Ifla.RTEXT_FILTER_SKIP_STATS);
                w.String(Ifla.IFNAME, name);
                Socket.Query(name, LinkParser, found);
            }
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return null;
        }

        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>The link with ifindex <paramref name="index"/>, or null.</summary>
    public LinkInfo? GetLink(int index)
    {
        var found = new List<LinkInfo>(1);
        try
        {
            lock (Socket.Sync)
            {
                var w = Socket.Writer;
                WriteIfInfo(w, Rtm.GETLINK, 0, index);
                w.U32(Ifla.EXT_MASK, Ifla.RTEXT_FILTER_VF | Ifla.RTEXT_FILTER_SKIP_STATS);
                Socket.Query($"#{index}", LinkParser, found);
            }
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return null;
        }

        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Every link in the namespace.</summary>
    public List<LinkInfo> ListLinks()
    {
        lock (Socket.Sync)
        {
            var w = Socket.Writer;
            WriteIfInfo(w, Rtm.GETLINK, Nl.NLM_F_DUMP, 0);
            w.U32(Ifla.EXT_MASK, Ifla.RTEXT_FILTER_VF | Ifla.RTEXT_FILTER_SKIP_STATS);
            return Socket.Dump("dump", LinkParser);
        }
    }

    /// <summary>Links whose MAC is <paramref name="mac"/>.</summary>
    public List<LinkInfo> FindLinksByMac(PhysicalAddress mac) =>
        ListLinks().Where(l => l.Mac is not null && l.Mac.Equals(mac)).ToList();

    private static void BeginNewLink(NetlinkMessageWriter w, string name, int parentIndex, NewLinkOptions options)
    {
        w.Begin(Rtm.NEWLINK, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL);
        WriteIfInfoBody(w, options);
        if (parentIndex != 0)
        {
            w.U32(Ifla.LINK, (uint)parentIndex);
        }

        w.String(Ifla.IFNAME, name);
        WriteLinkOptions(w, options);
    }

    private static void WriteIfInfoBody(NetlinkMessageWriter w, NewLinkOptions options)
    {
        var h = w.Reserve(Ifla.IfInfoMsgSize);
        uint flags = 0, change = 0;
        if (options.Up)
        {
            flags |= Ifla.IFF_UP;
            change |= Ifla.IFF_UP;
        }

        if (options.NoArp)
        {
            flags |= Ifla.IFF_NOARP;
            change |= Ifla.IFF_NOARP;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], change);
    }

    private static void WriteLinkOptions(NetlinkMessageWriter w, NewLinkOptions options)
    {
        if (options.Mtu is { } mtu)
        {
            w.U32(Ifla.MTU, (uint)mtu);
        }

        if (options.Mac is not null)
        {
            w.Mac(Ifla.ADDRESS, options.Mac);
        }

        if (options.NamespaceFd is { } fd)
        {
            w.U32(Ifla.NET_NS_FD, (uint)fd);
        }

        if (options.NamespacePid is { } pid)
        {
            w.U32(Ifla.NET_NS_PID, (uint)pid);
        }
    }

    internal static bool ParseLink(in NetlinkMessage message, out LinkInfo link)
    {
        link = null!;
        if (message.Type != Rtm.NEWLINK || message.Payload.Length < Ifla.IfInfoMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        var index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        string? name = null, kind = null, alias = null;
        int mtu = 0, parent = 0, master = 0;
        int? netnsId = null;
        PhysicalAddress? mac = null;
        ushort? vlanId = null;
        IpvlanMode? ipvlanMode = null;
        MacvlanMode? macvlanMode = null;
        var attributes = new NetlinkAttributeReader(p[Ifla.IfInfoMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            switch (type)
            {
                case Ifla.IFNAME: name = NlValue.String(value); break;
                case Ifla.MTU: mtu = (int)NlValue.U32(value); break;
                case Ifla.ADDRESS: mac = NlValue.Mac(value); break;
                case Ifla.LINK: parent = NlValue.S32(value); break;
                case Ifla.MASTER: master = NlValue.S32(value); break;
                case Ifla.LINK_NETNSID: netnsId = NlValue.S32(value); break;
                case Ifla.IFALIAS: alias = NlValue.String(value); break;
                case Ifla.LINKINFO:
                    var info = new NetlinkAttributeReader(value);
                    var data = ReadOnlySpan<byte>.Empty;
                    while (info.TryRead(out var infoType, out var infoValue))
                    {
                        if (infoType == Ifla.INFO_KIND)
                        {
                            kind = NlValue.String(infoValue);
                        }
                        else if (infoType == Ifla.INFO_DATA)
                        {
                            data = infoValue;
                        }
                    }

                    var dataReader = new NetlinkAttributeReader(data);
                    while (dataReader.TryRead(out var dataType, out var dataValue))
                    {
                        switch (kind)
                        {
                            case "vlan" when dataType == Ifla.VLAN_ID: vlanId = NlValue.U16(dataValue); break;
                            case "ipvlan" when dataType == Ifla.IPVLAN_MODE: ipvlanMode = (IpvlanMode)NlValue.U16(dataValue); break;
                            case "macvlan" when dataType == Ifla.MACVLAN_MODE: macvlanMode = (MacvlanMode)NlValue.U32(dataValue); break;
                        }
                    }

                    break;
            }
        }

        if (name is null)
        {
            return false;
        }

        link = new LinkInfo
        {
            Index = index,
            Name = name,
            Flags = flags,
            Mtu = mtu,
            Mac = mac,
            Kind = kind,
            ParentIndex = parent,
            ParentNetnsId = netnsId,
            MasterIndex = master,
            Alias = alias,
            VlanId = vlanId,
            IpvlanMode = ipvlanMode,
            MacvlanMode = macvlanMode,
        };
        return true;
    }
}
