using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;
using static Terway.NodeAgent.Bpf.BpfRegister;

namespace Terway.Sandbox.Fabric;

/// <summary>
/// A trunk ENI and the VPC side of its member ENIs: the VPC's VLAN switch. The trunk's far end
/// is a port of the trunk's own vSwitch (untagged traffic). Each member VLAN gets a conduit
/// veth into the member's vSwitch, and the member appears there under its own MAC, as a member
/// ENI does in a VPC: tc programs on the trunk's far end take frames tagged with the member's
/// VLAN, pop the tag, set the source MAC to the member's and send them into the conduit; on the
/// conduit, frames addressed to the member's MAC get the trunk's MAC as destination, the tag
/// pushed, and go back out of the trunk (anything else the bridge floods into the conduit is
/// dropped). Because the member has its own MAC, members may share a vSwitch with each other
/// and with the trunk itself. This kernel has no 802.1Q devices and no VLAN-aware bridge, so
/// the switch is built from cls_bpf programs (emitted here, independently of the datapath's
/// own programs).
/// </summary>
public sealed class FabricTrunk
{
    private const ushort SwitchPriority = 100;
    private const short MacSource = 6;
    private readonly VpcFabric _fabric;

    internal FabricTrunk(VpcFabric fabric, FabricEni eni)
    {
        _fabric = fabric;
        Eni = eni;
        fabric.RouterNetlink.Tc.EnsureClsact(eni.FarEndIndex);
    }

    /// <summary>The trunk ENI as the node sees it.</summary>
    public FabricEni Eni { get; }

    /// <summary>The trunk's port in the router: where frames to and from the node are captured.</summary>
    public string FarEnd => Eni.FarEnd;

    /// <summary>ifindex of <see cref="FarEnd"/> in the router.</summary>
    public int FarEndIndex => Eni.FarEndIndex;

    /// <summary>Attaches a member ENI with VLAN <paramref name="vlanId"/> on <paramref name="memberVSwitch"/>.</summary>
    /// <param name="vlanId">The member's VLAN on the trunk (its DeviceIndex in the cloud).</param>
    /// <param name="memberVSwitch">The member ENI's vSwitch.</param>
    /// <param name="memberMac">The member ENI's MAC; a random one when not given.</param>
    public FabricMember AddMember(ushort vlanId, VSwitch memberVSwitch, PhysicalAddress? memberMac = null)
    {
        if (vlanId is 0 or > 4094)
        {
            throw new ArgumentOutOfRangeException(nameof(vlanId), vlanId, "VLAN id must be 1..4094");
        }

        memberMac ??= RandomMemberMac();
        var nl = _fabric.RouterNetlink;
        var conduit = _fabric.NextLinkName("m");
        var bridgePort = conduit + "b";
        nl.CreateVeth(conduit, bridgePort, new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true });
        var conduitLink = nl.GetLink(conduit)!;
        var port = nl.GetLink(bridgePort)!;
        nl.SetMaster(port.Index, memberVSwitch.BridgeIndex, bridgePort);
        nl.Tc.EnsureClsact(conduitLink.Index);

        using (var pop = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, PopAndRedirect(vlanId, memberMac, conduitLink.Index), "fabric_pop"))
        {
            nl.Tc.ReplaceBpfFilter(FarEndIndex, TcDirection.Ingress, SwitchPriority, EtherType.All, vlanId, pop.Fd, $"fabric-pop-{vlanId}");
        }

        using (var push = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, PushAndRedirect(vlanId, memberMac, Eni.Mac, FarEndIndex), "fabric_push"))
        {
            nl.Tc.ReplaceBpfFilter(conduitLink.Index, TcDirection.Ingress, SwitchPriority, EtherType.All, 1, push.Fd, $"fabric-push-{vlanId}");
        }

        return new FabricMember(vlanId, memberVSwitch, memberMac, conduit, conduitLink.Index);
    }

    /// <summary>Detaches a member: its VLAN is no longer switched and its conduit is deleted.</summary>
    public void RemoveMember(FabricMember member)
    {
        var nl = _fabric.RouterNetlink;
        nl.Tc.DeleteFilter(FarEndIndex, TcDirection.Ingress, SwitchPriority, EtherType.All, member.VlanId, "bpf");
        nl.TryDeleteLink(member.Conduit);
    }

    /// <summary>The member's vSwitch learns that <paramref name="ip"/> lives behind the member ENI (on this trunk).</summary>
    public void AssignMemberIp(FabricMember member, IPAddress ip) =>
        _fabric.AssignPrivateIp(member.VSwitch, ip, member.Mac);

    /// <summary>
    /// if tagged with <paramref name="vlanId"/>: pop, set the source MAC to <paramref name="memberMac"/>,
    /// then send out of <paramref name="targetIndex"/>.
    /// </summary>
    internal static byte[] PopAndRedirect(ushort vlanId, PhysicalAddress memberMac, int targetIndex)
    {
        var asm = new BpfAssembler();
        var pass = asm.DefineLabel();
        var drop = asm.DefineLabel();
        asm.MovReg(R6, R1);
        asm.Load(BpfSize.Word, R2, R6, 20); // vlan_present
        asm.JumpIf(BpfJump.Equal, R2, 0, pass);
        asm.Load(BpfSize.Word, R2, R6, 24); // vlan_tci
        asm.AndImm(R2, 0x0FFF);
        asm.JumpIf(BpfJump.NotEqual, R2, vlanId, pass);
        asm.MovReg(R1, R6);
        asm.Call(BpfHelper.SkbVlanPop);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, drop);
        EmitStoreMac(asm, MacSource, memberMac, drop);
        asm.MovImm(R1, targetIndex);
        asm.MovImm(R2, 0);
        asm.Call(BpfHelper.Redirect);
        asm.Exit();
        asm.Mark(drop);
        asm.Return(Tca.TC_ACT_SHOT);
        asm.Mark(pass);
        asm.Return(Tca.TC_ACT_UNSPEC);
        return asm.Encode();
    }

    /// <summary>
    /// A frame addressed to <paramref name="memberMac"/>: destination set to <paramref name="trunkMac"/>,
    /// <paramref name="vlanId"/> pushed, sent out of <paramref name="targetIndex"/>. Anything else is dropped.
    /// </summary>
    internal static byte[] PushAndRedirect(ushort vlanId, PhysicalAddress memberMac, PhysicalAddress trunkMac, int targetIndex)
    {
        var asm = new BpfAssembler();
        var drop = asm.DefineLabel();
        asm.MovReg(R6, R1);
        EmitCompareDestinationMac(asm, memberMac, drop);
        EmitStoreMac(asm, 0, trunkMac, drop);
        asm.MovReg(R1, R6);
        asm.MovImm(R2, 0x0081); // htons(ETH_P_8021Q)
        asm.MovImm(R3, vlanId);
        asm.Call(BpfHelper.SkbVlanPush);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, drop);
        asm.MovImm(R1, targetIndex);
        asm.MovImm(R2, 0);
        asm.Call(BpfHelper.Redirect);
        asm.Exit();
        asm.Mark(drop);
        asm.Return(Tca.TC_ACT_SHOT);
        return asm.Encode();
    }

    /// <summary>Writes <paramref name="mac"/> at <paramref name="offset"/> of the frame (bpf_skb_store_bytes from the stack).</summary>
    private static void EmitStoreMac(BpfAssembler asm, short offset, PhysicalAddress mac, BpfLabel failed)
    {
        var bytes = mac.GetAddressBytes();
        asm.StoreImm(BpfSize.Word, R10, -8, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        asm.StoreImm(BpfSize.Half, R10, -4, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        asm.MovReg(R1, R6);
        asm.MovImm(R2, offset);
        asm.MovReg(R3, R10);
        asm.AddImm(R3, -8);
        asm.MovImm(R4, 6);
        asm.MovImm(R5, 0);
        asm.Call(BpfHelper.SkbStoreBytes);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, failed);
    }

    /// <summary>Jumps to <paramref name="mismatch"/> unless the frame's destination MAC is <paramref name="mac"/>.</summary>
    private static void EmitCompareDestinationMac(BpfAssembler asm, PhysicalAddress mac, BpfLabel mismatch)
    {
        var bytes = mac.GetAddressBytes();
        asm.MovReg(R1, R6);
        asm.MovImm(R2, 0);
        asm.MovReg(R3, R10);
        asm.AddImm(R3, -16);
        asm.MovImm(R4, 6);
        asm.Call(BpfHelper.SkbLoadBytes);
        asm.JumpIf(BpfJump.NotEqual, R0, 0, mismatch);
        asm.Load(BpfSize.Word, R2, R10, -16);
        asm.LoadImm64(R3, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        asm.JumpIf(BpfJump.NotEqual, R2, R3, mismatch);
        asm.Load(BpfSize.Half, R2, R10, -12);
        asm.JumpIf(BpfJump.NotEqual, R2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)), mismatch);
    }

    private static PhysicalAddress RandomMemberMac()
    {
        var bytes = new byte[6];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0x02;
        bytes[1] = 0x16;
        bytes[2] = 0x3f;
        return new PhysicalAddress(bytes);
    }
}

/// <summary>A member ENI of a trunk, as the VPC's VLAN switch knows it.</summary>
/// <param name="VlanId">The VLAN the trunk carries it on.</param>
/// <param name="VSwitch">The member's vSwitch.</param>
/// <param name="Mac">The member's MAC on its vSwitch.</param>
/// <param name="Conduit">Name of its conduit link in the router.</param>
/// <param name="ConduitIndex">ifindex of the conduit.</param>
public sealed record FabricMember(ushort VlanId, VSwitch VSwitch, PhysicalAddress Mac, string Conduit, int ConduitIndex);
