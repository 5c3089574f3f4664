using System.Buffers.Binary;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Tc;

/// <summary>
/// tc over rtnetlink: the clsact qdisc, u32 filters with a mirred action, and cls_bpf
/// filters in direct-action mode. Filters are addressed by (direction, priority, protocol, handle).
/// </summary>
internal sealed class TrafficControl
{
    private static readonly NetlinkParser<QdiscInfo> QdiscParser = ParseQdisc;
    private static readonly NetlinkParser<TcFilterInfo> FilterParser = ParseFilter;

    private readonly NetlinkSocket _socket;

    public TrafficControl(NetlinkSocket socket) => _socket = socket;

    public static uint ParentOf(TcDirection direction) =>
        Tca.MakeHandle(Tca.TC_H_CLSACT, direction == TcDirection.Ingress ? Tca.TC_H_MIN_INGRESS : Tca.TC_H_MIN_EGRESS);

    /// <summary>Adds the clsact qdisc; returns false if the link already has one.</summary>
    public bool EnsureClsact(int index)
    {
        try
        {
            lock (_socket.Sync)
            {
                BuildClsact(_socket.Writer, Rtm.NEWQDISC, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, index);
                _socket.Execute($"clsact dev #{index}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            return false;
        }
    }

    /// <summary>Removes the clsact qdisc and every filter on it; returns false if there was none.</summary>
    public bool DeleteClsact(int index)
    {
        try
        {
            lock (_socket.Sync)
            {
                BuildClsact(_socket.Writer, Rtm.DELQDISC, 0, index);
                _socket.Execute($"clsact dev #{index}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound || e.Errno == Interop.Errno.EINVAL)
        {
            return false;
        }
    }

    public List<QdiscInfo> ListQdiscs(int index = 0)
    {
        List<QdiscInfo> all;
        lock (_socket.Sync)
        {
            var w = _socket.Writer;
            w.Begin(Rtm.GETQDISC, Nl.NLM_F_DUMP);
            var h = w.Reserve(Tca.TcMsgSize);
            BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
            all = _socket.Dump("dump", QdiscParser);
        }

        if (index != 0)
        {
            all.RemoveAll(q => q.Index != index);
        }

        return all;
    }

    /// <summary>Adds a u32 filter matching all <paramref name="keys"/> whose action is <paramref name="action"/>.</summary>
    public void AddU32Filter(int index, TcDirection direction, ushort priority, ushort protocol, IReadOnlyList<U32Key> keys, MirredAction action)
    {
        lock (_socket.Sync)
        {
            BuildU32Filter(_socket.Writer, index, direction, priority, protocol, keys, action);
            _socket.Execute($"u32 dev #{index} prio {priority}");
        }
    }

    /// <summary>
    /// Attaches a loaded SCHED_CLS program as a cls_bpf filter in direct-action mode. An
    /// existing filter with the same handle is replaced, so this is idempotent.
    /// </summary>
    public void ReplaceBpfFilter(int index, TcDirection direction, ushort priority, ushort protocol, uint handle, int programFd, string name)
    {
        lock (_socket.Sync)
        {
            BuildBpfFilter(_socket.Writer, index, direction, priority, protocol, handle, programFd, name);
            _socket.Execute($"bpf {name} dev #{index} prio {priority} handle {handle:x}");
        }
    }

    /// <summary>Deletes one filter; returns false if it was not there.</summary>
    public bool DeleteFilter(int index, TcDirection direction, ushort priority, ushort protocol, uint handle, string kind)
    {
        try
        {
            lock (_socket.Sync)
            {
                var w = _socket.Writer;
                WriteTcMsg(w, Rtm.DELTFILTER, 0, index, handle, ParentOf(direction), FilterInfo(priority, protocol));
                w.String(Tca.KIND, kind);
                _socket.Execute($"{kind} dev #{index} prio {priority} handle {handle:x}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound || e.Errno == Interop.Errno.EINVAL)
        {
            return false;
        }
    }

    /// <summary>Deletes every filter at one priority; returns false if there were none.</summary>
    public bool DeletePriority(int index, TcDirection direction, ushort priority, ushort protocol)
    {
        try
        {
            lock (_socket.Sync)
            {
                WriteTcMsg(_socket.Writer, Rtm.DELTFILTER, 0, index, 0, ParentOf(direction), FilterInfo(priority, protocol));
                _socket.Execute($"dev #{index} prio {priority}");
            }

            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound || e.Errno == Interop.Errno.EINVAL)
        {
            return false;
        }
    }

    /// <summary>Filters on one clsact hook (empty if the link has no clsact).</summary>
    public List<TcFilterInfo> ListFilters(int index, TcDirection direction)
    {
        try
        {
            lock (_socket.Sync)
            {
                WriteTcMsg(_socket.Writer, Rtm.GETTFILTER, Nl.NLM_F_DUMP, index, 0, ParentOf(direction), 0);
                return _socket.Dump($"dev #{index}", FilterParser);
            }
        }
        catch (NetlinkException e) when (e.IsNotFound || e.Errno == Interop.Errno.EINVAL)
        {
            return [];
        }
    }

    internal static void BuildClsact(NetlinkMessageWriter w, ushort type, ushort flags, int index)
    {
        WriteTcMsg(w, type, flags, index, Tca.ClsactHandle, Tca.TC_H_CLSACT, 0);
        w.String(Tca.KIND, "clsact");
    }

    internal static void BuildU32Filter(NetlinkMessageWriter w, int index, TcDirection direction, ushort priority, ushort protocol, IReadOnlyList<U32Key> keys, MirredAction action)
    {
        WriteTcMsg(w, Rtm.NEWTFILTER, Nl.NLM_F_CREATE | Nl.NLM_F_EXCL, index, 0, ParentOf(direction), FilterInfo(priority, protocol));
        w.String(Tca.KIND, "u32");
        var options = w.BeginNested(Tca.OPTIONS);
        var actions = w.BeginNested(Tca.U32_ACT);
        WriteMirred(w, 1, action);
        w.EndNested(actions);

        // struct tc_u32_sel (16 bytes) followed by nkeys struct tc_u32_key (16 bytes each).
        Span<byte> selector = stackalloc byte[16 + (16 * keys.Count)];
        selector.Clear();
        selector[0] = Tca.TC_U32_TERMINAL;
        selector[2] = (byte)keys.Count;
        for (var i = 0; i < keys.Count; i++)
        {
            var k = selector[(16 + (16 * i))..];
            BinaryPrimitives.WriteUInt32BigEndian(k, keys[i].Mask);
            BinaryPrimitives.WriteUInt32BigEndian(k[4..], keys[i].Value);
            BinaryPrimitives.WriteInt32LittleEndian(k[8..], keys[i].Offset);
        }

        w.Attribute(Tca.U32_SEL, selector);
        w.EndNested(options);
    }

    internal static void BuildBpfFilter(NetlinkMessageWriter w, int index, TcDirection direction, ushort priority, ushort protocol, uint handle, int programFd, string name)
    {
        WriteTcMsg(w, Rtm.NEWTFILTER, Nl.NLM_F_CREATE, index, handle, ParentOf(direction), FilterInfo(priority, protocol));
        w.String(Tca.KIND, "bpf");
        var options = w.BeginNested(Tca.OPTIONS);
        w.U32(Tca.BPF_FD, (uint)programFd);
        w.String(Tca.BPF_NAME, name);
        w.U32(Tca.BPF_FLAGS, Tca.TCA_BPF_FLAG_ACT_DIRECT);
        w.EndNested(options);
    }

    private static void WriteMirred(NetlinkMessageWriter w, ushort slot, MirredAction action)
    {
        var entry = w.BeginNested(slot);
        w.String(Tca.ACT_KIND, "mirred");
        var options = w.BeginNested(Tca.ACT_OPTIONS | Nl.NLA_F_NESTED);
        Span<byte> parms = stackalloc byte[Tca.TcMirredSize];
        parms.Clear();
        // tc_gen: index, capab, action, refcnt, bindcnt; then eaction, ifindex.
        var verdict = action.Direction is Tca.TCA_EGRESS_REDIR or Tca.TCA_INGRESS_REDIR ? Tca.TC_ACT_STOLEN : Tca.TC_ACT_PIPE;
        BinaryPrimitives.WriteInt32LittleEndian(parms[8..], verdict);
        BinaryPrimitives.WriteInt32LittleEndian(parms[20..], action.Direction);
        BinaryPrimitives.WriteInt32LittleEndian(parms[24..], action.TargetIndex);
        w.Attribute(Tca.MIRRED_PARMS, parms);
        w.EndNested(options);
        w.EndNested(entry);
    }

    private static uint FilterInfo(ushort priority, ushort protocol) =>
        ((uint)priority << 16) | BinaryPrimitives.ReverseEndianness(protocol);

    private static void WriteTcMsg(NetlinkMessageWriter w, ushort type, ushort flags, int index, uint handle, uint parent, uint info)
    {
        w.Begin(type, flags);
        var h = w.Reserve(Tca.TcMsgSize);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], handle);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], parent);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], info);
    }

    private static bool ParseQdisc(in NetlinkMessage message, out QdiscInfo qdisc)
    {
        qdisc = null!;
        if (message.Type != Rtm.NEWQDISC || message.Payload.Length < Tca.TcMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        string? kind = null;
        var attributes = new NetlinkAttributeReader(p[Tca.TcMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == Tca.KIND)
            {
                kind = NlValue.String(value);
            }
        }

        qdisc = new QdiscInfo(
            BinaryPrimitives.ReadInt32LittleEndian(p[4..]),
            kind ?? "",
            BinaryPrimitives.ReadUInt32LittleEndian(p[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(p[12..]));
        return true;
    }

    private static bool ParseFilter(in NetlinkMessage message, out TcFilterInfo filter)
    {
        filter = null!;
        if (message.Type != Rtm.NEWTFILTER || message.Payload.Length < Tca.TcMsgSize)
        {
            return false;
        }

        var p = message.Payload;
        var handle = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        var info = BinaryPrimitives.ReadUInt32LittleEndian(p[16..]);
        string? kind = null, bpfName = null;
        uint bpfFlags = 0;
        uint? bpfId = null;
        var keys = new List<U32Key>();
        MirredAction? mirred = null;
        var hasSelector = false;
        var options = ReadOnlySpan<byte>.Empty;
        var attributes = new NetlinkAttributeReader(p[Tca.TcMsgSize..]);
        while (attributes.TryRead(out var type, out var value))
        {
            if (type == Tca.KIND)
            {
                kind = NlValue.String(value);
            }
            else if (type == Tca.OPTIONS)
            {
                options = value;
            }
        }

        var optionReader = new NetlinkAttributeReader(options);
        while (optionReader.TryRead(out var type, out var value))
        {
            switch (kind)
            {
                case "bpf":
                    switch (type)
                    {
                        case Tca.BPF_NAME: bpfName = NlValue.String(value); break;
                        case Tca.BPF_FLAGS: bpfFlags = NlValue.U32(value); break;
                        case Tca.BPF_ID: bpfId = NlValue.U32(value); break;
                    }

                    break;
                case "u32" when type == Tca.U32_SEL && value.Length >= 16:
                    hasSelector = true;
                    var count = value[2];
                    for (var i = 0; i < count && 16 + (16 * (i + 1)) <= value.Length; i++)
                    {
                        var k = value[(16 + (16 * i))..];
                        keys.Add(new U32Key(
                            BinaryPrimitives.ReadUInt32BigEndian(k),
                            BinaryPrimitives.ReadUInt32BigEndian(k[4..]),
                            BinaryPrimitives.ReadInt32LittleEndian(k[8..])));
                    }

                    break;
                case "u32" when type == Tca.U32_ACT:
                    mirred = ParseFirstMirred(value);
                    break;
            }
        }

        // Dumps also report each classifier instance (handle 0) and u32 hash tables
        // (no selector); only real filters are returned.
        if (kind is null || handle == 0 || (kind == "u32" && !hasSelector))
        {
            return false;
        }

        filter = new TcFilterInfo
        {
            Index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]),
            Parent = BinaryPrimitives.ReadUInt32LittleEndian(p[12..]),
            Priority = (ushort)(info >> 16),
            Protocol = BinaryPrimitives.ReverseEndianness((ushort)(info & 0xFFFF)),
            Handle = handle,
            Kind = kind,
            BpfName = bpfName,
            BpfFlags = bpfFlags,
            BpfProgramId = bpfId,
            U32Keys = keys,
            Mirred = mirred,
        };
        return true;
    }

    private static MirredAction? ParseFirstMirred(ReadOnlySpan<byte> actions)
    {
        var slots = new NetlinkAttributeReader(actions);
        while (slots.TryRead(out _, out var slot))
        {
            string? kind = null;
            var options = ReadOnlySpan<byte>.Empty;
            var entry = new NetlinkAttributeReader(slot);
            while (entry.TryRead(out var type, out var value))
            {
                if (type == Tca.ACT_KIND)
                {
                    kind = NlValue.String(value);
                }
                else if (type == Tca.ACT_OPTIONS)
                {
                    options = value;
                }
            }

            if (kind != "mirred")
            {
                continue;
            }

            var parms = new NetlinkAttributeReader(options);
            while (parms.TryRead(out var type, out var value))
            {
                if (type == Tca.MIRRED_PARMS && value.Length >= Tca.TcMirredSize)
                {
                    return new MirredAction(
                        BinaryPrimitives.ReadInt32LittleEndian(value[20..]),
                        BinaryPrimitives.ReadInt32LittleEndian(value[24..]));
                }
            }
        }

        return null;
    }
}
