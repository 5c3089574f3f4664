using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using static Terway.NodeAgent.Bpf.BpfRegister;

namespace Terway.NodeAgent.Bpf;

/// <summary>
/// The tc programs of the trunk datapath's tc variant, emitted instruction by instruction.
/// They run on the trunk ENI's clsact hooks, one program per pod, in direct-action mode:
/// a program returns TC_ACT_UNSPEC for traffic that is not its pod's, so the next pod's
/// program gets to look at it.
/// </summary>
internal static class VlanPrograms
{
    // struct __sk_buff offsets (uapi/linux/bpf.h)
    private const short SkbProtocol = 16;
    private const short SkbVlanPresent = 20;
    private const short SkbVlanTci = 24;

    private const int EthernetHeader = 14;
    private const int ProtocolIPv4 = 0x0008; // htons(ETH_P_IP) as the 16-bit load sees it
    private const int ProtocolIPv6 = 0xDD86; // htons(ETH_P_IPV6)
    private const int Vlan8021QBigEndian = 0x0081; // htons(ETH_P_8021Q)

    /// <summary>
    /// Egress: if the frame is IPv4/IPv6 from <paramref name="podAddress"/> and untagged,
    /// push VLAN <paramref name="vlanId"/> and send it; a failed push drops the frame
    /// (the pod's traffic never leaves untagged); anything else is not this program's.
    /// </summary>
    public static byte[] EgressPushVlan(IPAddress podAddress, ushort vlanId)
    {
        ValidateVlan(vlanId);
        var asm = new BpfAssembler();
        var pass = asm.DefineLabel();
        var drop = asm.DefineLabel();
        var v4 = podAddress.AddressFamily == AddressFamily.InterNetwork;

        asm.MovReg(R6, R1);
        asm.Load(BpfSize.Word, R2, R6, SkbProtocol);
        asm.JumpIf(BpfJump.NotEqual, R2, v4 ? ProtocolIPv4 : ProtocolIPv6, pass);
        asm.Load(BpfSize.Word, R2, R6, SkbVlanPresent);
        asm.JumpIf(BpfJump.NotEqual, R2, 0, pass);
        EmitCompareAddress(asm, v4 ? EthernetHeader + 12 : EthernetHeader + 8, podAddress, pass);

        asm.MovReg(R1, R6);
        asm.MovImm(R2, Vlan8021QBigEndian);
        asm.MovImm(R3, vlanId);
        asm.Call(BpfHelper.SkbVlanPush);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, drop);
        asm.Return(Netlink.Tca.TC_ACT_OK);

        asm.Mark(drop);
        asm.Return(Netlink.Tca.TC_ACT_SHOT);
        asm.Mark(pass);
        asm.Return(Netlink.Tca.TC_ACT_UNSPEC);
        return asm.Encode();
    }

    /// <summary>
    /// Ingress: a frame addressed to one of <paramref name="podAddresses"/> is accepted only
    /// if it carries VLAN <paramref name="vlanId"/>: the tag is popped and the frame goes on to
    /// the host stack, which routes it to the pod's host link. Frames for the pod without the
    /// tag, or with another VLAN, are dropped. Everything else is not this program's.
    /// </summary>
    public static byte[] IngressPopVlan(IReadOnlyList<IPAddress> podAddresses, ushort vlanId)
    {
        ValidateVlan(vlanId);
        var v4 = podAddresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        var v6 = podAddresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        if (v4 is null && v6 is null)
        {
            throw new ArgumentException("at least one pod address is needed", nameof(podAddresses));
        }

        var asm = new BpfAssembler();
        var pass = asm.DefineLabel();
        var drop = asm.DefineLabel();
        var mine = asm.DefineLabel();
        var isV4 = asm.DefineLabel();
        var isV6 = asm.DefineLabel();

        asm.MovReg(R6, R1);
        asm.Load(BpfSize.Word, R2, R6, SkbProtocol);
        asm.JumpIf(BpfJump.Equal, R2, ProtocolIPv4, isV4);
        asm.JumpIf(BpfJump.Equal, R2, ProtocolIPv6, isV6);
        asm.Jump(pass);

        asm.Mark(isV4);
        if (v4 is not null)
        {
            EmitCompareAddress(asm, EthernetHeader + 16, v4, pass);
            asm.Jump(mine);
        }
        else
        {
            asm.Jump(pass);
        }

        asm.Mark(isV6);
        if (v6 is not null)
        {
            EmitCompareAddress(asm, EthernetHeader + 24, v6, pass);
        }
        else
        {
            asm.Jump(pass);
        }

        asm.Mark(mine);
        asm.Load(BpfSize.Word, R2, R6, SkbVlanPresent);
        asm.JumpIf(BpfJump.Equal, R2, 0, drop);
        asm.Load(BpfSize.Word, R2, R6, SkbVlanTci);
        asm.AndImm(R2, 0x0FFF);
        asm.JumpIf(BpfJump.NotEqual, R2, vlanId, drop);
        asm.MovReg(R1, R6);
        asm.Call(BpfHelper.SkbVlanPop);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, drop);
        asm.Return(Netlink.Tca.TC_ACT_OK);

        asm.Mark(drop);
        asm.Return(Netlink.Tca.TC_ACT_SHOT);
        asm.Mark(pass);
        asm.Return(Netlink.Tca.TC_ACT_UNSPEC);
        return asm.Encode();
    }

    /// <summary>
    /// Copies the 4 or 16 address bytes at <paramref name="offset"/> of the frame to the stack
    /// with bpf_skb_load_bytes and jumps to <paramref name="mismatch"/> unless they equal
    /// <paramref name="address"/>. Uses R1-R4 and the 16 bytes below the frame pointer.
    /// </summary>
    internal static void EmitCompareAddress(BpfAssembler asm, int offset, IPAddress address, BpfLabel mismatch)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        asm.MovReg(R1, R6);
        asm.MovImm(R2, offset);
        asm.MovReg(R3, R10);
        asm.AddImm(R3, -16);
        asm.MovImm(R4, length);
        asm.Call(BpfHelper.SkbLoadBytes);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, mismatch);
        if (length == 4)
        {
            asm.Load(BpfSize.Word, R2, R10, -16);
            asm.LoadImm64(R3, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            asm.JumpIf(BpfJump.NotEqual, R2, R3, mismatch);
            return;
        }

        for (var half = 0; half < 2; half++)
        {
            asm.Load(BpfSize.DoubleWord, R2, R10, (short)(-16 + (8 * half)));
            asm.LoadImm64(R3, BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * half)..]));
            asm.JumpIf(BpfJump.NotEqual, R2, R3, mismatch);
        }
    }

    private static void ValidateVlan(ushort vlanId)
    {
        if (vlanId is 0 or > 4094)
        {
            throw new ArgumentOutOfRangeException(nameof(vlanId), vlanId, "VLAN id must be 1..4094");
        }
    }
}
