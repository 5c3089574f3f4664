using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Tests.Golden;

/// <summary>
/// Renders one rtnetlink request as a canonical attribute tree, for comparing our builders with
/// what iproute2 sends. Sequence number and port id are dropped; values that name a particular
/// interface or descriptor (ifindex, netns fd) are masked; attributes are sorted by type at each
/// level, since the kernel does not care about their order.
/// </summary>
internal static class NetlinkTree
{
    public static string Render(ReadOnlySpan<byte> message)
    {
        var type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(message[6..]);
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
        var body = message[16..length];
        var (headerSize, maskFrom, maskTo) = type switch
        {
            Rtm.NEWLINK or Rtm.DELLINK => (16, 4, 8),
            Rtm.NEWADDR or Rtm.DELADDR => (8, 4, 8),
            Rtm.NEWROUTE or Rtm.DELROUTE => (12, 0, 0),
            Rtm.NEWRULE or Rtm.DELRULE => (12, 0, 0),
            Rtm.NEWNEIGH or Rtm.DELNEIGH => (12, 4, 8),
            Rtm.NEWQDISC or Rtm.DELQDISC or Rtm.NEWTFILTER or Rtm.DELTFILTER => (20, 4, 8),
            _ => throw new ArgumentException($"no schema for message type {type}"),
        };

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Rtm.Name(type)} flags=0x{flags:x}\n");
        sb.Append("  header ").Append(Hex(body[..headerSize], maskFrom, maskTo)).Append('\n');
        Attributes(sb, type, body[headerSize..], [], 1);
        return sb.ToString();
    }

    private static void Attributes(StringBuilder sb, ushort messageType, ReadOnlySpan<byte> data, ushort[] path, int depth, string? kind = null)
    {
        var list = new List<(ushort Type, byte[] Value)>();
        var reader = new NetlinkAttributeReader(data);
        while (reader.TryRead(out var t, out var v))
        {
            list.Add((t, v.ToArray()));
        }

        // Inside IFLA_LINKINFO, the kind decides how IFLA_INFO_DATA's children are shaped.
        if (messageType == Rtm.NEWLINK && path is [Ifla.LINKINFO])
        {
            kind = list.Where(a => a.Type == Ifla.INFO_KIND).Select(a => NlValue.String(a.Value)).FirstOrDefault();
        }

        var indent = new string(' ', 2 * (depth + 1));
        foreach (var (t, v) in list.OrderBy(a => a.Type))
        {
            ushort[] here = [.. path, t];
            switch (Shape(messageType, here, kind))
            {
                case Node.Nested:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{t}:\n");
                    Attributes(sb, messageType, v, here, depth + 1, kind);
                    break;
                case Node.VethPeer:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{t}: header {Hex(v.AsSpan(0, 16), 4, 8)}\n");
                    Attributes(sb, messageType, v.AsSpan(16), here, depth + 1, kind);
                    break;
                case Node.Masked:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{t} = <{v.Length} bytes, masked>\n");
                    break;
                case Node.MirredParms:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{t} = {Hex(v, 24, 28)}\n");
                    break;
                default:
                    sb.Append(indent).Append(CultureInfo.InvariantCulture, $"{t} = {Hex(TrimNul(v), 0, 0)}\n");
                    break;
            }
        }
    }

    private enum Node
    {
        Leaf,
        Nested,
        VethPeer,
        Masked,
        MirredParms,
    }

    private static Node Shape(ushort messageType, ushort[] path, string? kind)
    {
        if (messageType == Rtm.NEWLINK)
        {
            return path switch
            {
                [Ifla.LINK] or [Ifla.NET_NS_FD] => Node.Masked,
                [.., Ifla.VETH_INFO_PEER, Ifla.NET_NS_FD] => Node.Masked,
                [Ifla.LINKINFO] => Node.Nested,
                [Ifla.LINKINFO, Ifla.INFO_DATA] => Node.Nested,
                [Ifla.LINKINFO, Ifla.INFO_DATA, Ifla.VETH_INFO_PEER] when kind == "veth" => Node.VethPeer,
                _ => Node.Leaf,
            };
        }

        if (messageType == Rtm.NEWROUTE)
        {
            return path is [Rta.OIF] ? Node.Masked : Node.Leaf;
        }

        if (messageType == Rtm.NEWTFILTER)
        {
            return path switch
            {
                [Tca.OPTIONS] => Node.Nested,
                [Tca.OPTIONS, Tca.U32_ACT] => Node.Nested,
                [Tca.OPTIONS, Tca.U32_ACT, _] => Node.Nested,
                [Tca.OPTIONS, Tca.U32_ACT, _, Tca.ACT_OPTIONS] => Node.Nested,
                [Tca.OPTIONS, Tca.U32_ACT, _, Tca.ACT_OPTIONS, Tca.MIRRED_PARMS] => Node.MirredParms,
                [Tca.OPTIONS, Tca.BPF_FD] => Node.Masked,
                _ => Node.Leaf,
            };
        }

        return Node.Leaf;
    }

    private static ReadOnlySpan<byte> TrimNul(ReadOnlySpan<byte> v) => v.Length > 0 && v[^1] == 0 && v.IndexOf((byte)0) == v.Length - 1 ? v[..^1] : v;

    private static string Hex(ReadOnlySpan<byte> bytes, int maskFrom, int maskTo)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < bytes.Length; i++)
        {
            sb.Append(i >= maskFrom && i < maskTo ? "**" : bytes[i].ToString("x2", CultureInfo.InvariantCulture));
            if (i + 1 < bytes.Length)
            {
                sb.Append(' ');
            }
        }

        return sb.ToString();
    }
}

/// <summary>Reads the netlink requests out of `strace -e write=all -xx` output.</summary>
internal static class StraceCapture
{
    /// <summary>The last request of <paramref name="messageType"/> the traced program sent.</summary>
    public static byte[] LastRequest(string straceText, ushort messageType)
    {
        byte[]? found = null;
        foreach (var dump in Dumps(straceText))
        {
            var reader = new NetlinkMessageReader(dump);
            var offset = 0;
            while (reader.TryRead(out var message))
            {
                var length = message.Payload.Length + 16;
                if (message.Type == messageType)
                {
                    found = dump.AsSpan(offset, length).ToArray();
                }

                offset += Nl.Align(length);
            }
        }

        return found ?? throw new InvalidDataException($"no {Rtm.Name(messageType)} request in the capture");
    }

    /// <summary>Each syscall's hex dump (lines " | 00000  xx xx ...  ascii |"), as bytes.</summary>
    private static IEnumerable<byte[]> Dumps(string text)
    {
        List<byte>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(" | ", StringComparison.Ordinal))
            {
                continue;
            }

            var offset = line.Substring(3, 5);
            if (offset == "00000")
            {
                if (current is not null)
                {
                    yield return [.. current];
                }

                current = [];
            }

            // Hex columns sit between the offset and the ASCII rendering (fixed width in strace).
            var hex = line.Substring(10, 49);
            foreach (var token in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                current!.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        if (current is not null)
        {
            yield return [.. current];
        }
    }
}
