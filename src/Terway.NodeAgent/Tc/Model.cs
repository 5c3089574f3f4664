using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Tc;

/// <summary>Which clsact hook a filter hangs on.</summary>
internal enum TcDirection
{
    Ingress,
    Egress,
}

/// <summary>A qdisc as the kernel reports it.</summary>
internal sealed record QdiscInfo(int Index, string Kind, uint Handle, uint Parent);

/// <summary>One 32-bit match of a u32 selector: (packet[offset] &amp; mask) == value, in network byte order.</summary>
internal readonly record struct U32Key(uint Mask, uint Value, int Offset);

/// <summary>A mirred action: redirect or mirror to a device, at its ingress or egress.</summary>
internal sealed record MirredAction(int Direction, int TargetIndex)
{
    public static MirredAction IngressRedirect(int targetIndex) => new(Tca.TCA_INGRESS_REDIR, targetIndex);

    public static MirredAction EgressRedirect(int targetIndex) => new(Tca.TCA_EGRESS_REDIR, targetIndex);
}

/// <summary>A classifier instance as the kernel reports it (u32 and bpf details parsed).</summary>
internal sealed record TcFilterInfo
{
    public required int Index { get; init; }

    public required uint Parent { get; init; }

    public required ushort Priority { get; init; }

    /// <summary>Ethernet protocol in host order (0x0800, 0x86DD, 0x0003 for all).</summary>
    public required ushort Protocol { get; init; }

    public required uint Handle { get; init; }

    public required string Kind { get; init; }

    public string? BpfName { get; init; }

    public uint BpfFlags { get; init; }

    public uint? BpfProgramId { get; init; }

    public IReadOnlyList<U32Key> U32Keys { get; init; } = [];

    public MirredAction? Mirred { get; init; }

    public TcDirection Direction => Parent == Tca.MakeHandle(Tca.TC_H_CLSACT, Tca.TC_H_MIN_INGRESS) ? TcDirection.Ingress : TcDirection.Egress;
}
