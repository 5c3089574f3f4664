using System.Net;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Tc;
using static Terway.NodeAgent.Bpf.BpfRegister;

namespace Terway.NodeAgent.Tests.Fabric;

/// <summary>
/// A trunk ENI and the VPC side of its member ENIs. The trunk's far end is a port of the trunk's
/// own vSwitch (untagged traffic). Each member VLAN gets a conduit veth into the member's vSwitch:
/// tc programs on the far end pop the member's tag and send the frame into the conduit, and on the
/// conduit push the tag and send frames back out of the trunk. This kernel has no 802.1Q devices
/// and no VLAN-aware bridge, so the VPC's VLAN switch is built from cls_bpf programs too (emitted
/// here, independently of the datapath's own programs).
/// </summary>
public sealed class FabricTrunk
{
    private const ushort SwitchPriority = 100;
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

    public int FarEndIndex => Eni.FarEndIndex;

    /// <summary>Attaches a member ENI with VLAN <paramref name="vlanId"/> on <paramref name="memberVSwitch"/>.</summary>
    public FabricMember AddMember(ushort vlanId, VSwitch memberVSwitch)
    {
        var nl = _fabric.RouterNetlink;
        var conduit = _fabric.NextLinkName("m");
        var bridgePort = conduit + "b";
        nl.CreateVeth(conduit, bridgePort, new NewLinkOptions { Up = true }, new NewLinkOptions { Up = true });
        var conduitLink = nl.GetLink(conduit)!;
        var port = nl.GetLink(bridgePort)!;
        nl.SetMaster(port.Index, memberVSwitch.BridgeIndex, bridgePort);
        nl.Tc.EnsureClsact(conduitLink.Index);

        using (var pop = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, PopAndRedirect(vlanId, conduitLink.Index), "fabric_pop"))
        {
            nl.Tc.ReplaceBpfFilter(FarEndIndex, TcDirection.Ingress, SwitchPriority, EtherType.All, vlanId, pop.Fd, $"fabric-pop-{vlanId}");
        }

        using (var push = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, PushAndRedirect(vlanId, FarEndIndex), "fabric_push"))
        {
            nl.Tc.ReplaceBpfFilter(conduitLink.Index, TcDirection.Ingress, SwitchPriority, EtherType.All, 1, push.Fd, $"fabric-push-{vlanId}");
        }

        return new FabricMember(vlanId, memberVSwitch);
    }

    /// <summary>The member's vSwitch learns that <paramref name="ip"/> lives behind the trunk ENI's MAC.</summary>
    public void AssignMemberIp(FabricMember member, IPAddress ip) =>
        _fabric.AssignPrivateIp(member.VSwitch, ip, Eni.Mac);

    /// <summary>if tagged with <paramref name="vlanId"/>: pop, then send out of <paramref name="targetIndex"/>.</summary>
    internal static byte[] PopAndRedirect(ushort vlanId, int targetIndex)
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

    /// <summary>Push <paramref name="vlanId"/>, then send out of <paramref name="targetIndex"/>.</summary>
    internal static byte[] PushAndRedirect(ushort vlanId, int targetIndex)
    {
        var asm = new BpfAssembler();
        var drop = asm.DefineLabel();
        asm.MovReg(R6, R1);
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
}

/// <summary>A member ENI of a trunk: its VLAN and vSwitch.</summary>
/// <param name="VlanId">The VLAN the trunk carries it on.</param>
/// <param name="VSwitch">The member's vSwitch.</param>
public sealed record FabricMember(ushort VlanId, VSwitch VSwitch);
