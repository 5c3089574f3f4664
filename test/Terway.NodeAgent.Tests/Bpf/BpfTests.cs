using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Bpf;
using Terway.NodeAgent.Interop;
using Terway.NodeAgent.Tests.Netns;
using static Terway.NodeAgent.Bpf.BpfRegister;

namespace Terway.NodeAgent.Tests.Bpf;

[TestFixture]
public sealed class BpfTests
{
    private const int Unspec = -1;
    private const int Ok = 0;
    private const int Shot = 2;

    private static readonly IPAddress PodV4 = IPAddress.Parse("10.200.1.10");
    private static readonly IPAddress PodV6 = IPAddress.Parse("fd00:200::10");
    private static readonly IPAddress Other = IPAddress.Parse("10.200.1.11");

    [Test]
    public void Assembler_Encoding_MatchesKernelInstructionLayout()
    {
        var asm = new BpfAssembler();
        var done = asm.DefineLabel();
        asm.MovReg(R6, R1);                                // bf 16 00 00 00000000
        asm.LoadImm64(R3, 0x1122334455667788);             // 18 03 .. 88776655 / 00 00 .. 44332211
        asm.Load(BpfSize.Word, R2, R6, 16);                // 61 62 10 00 00000000
        asm.JumpIf(BpfJump.NotEqual, R2, 8, done);         // 55 02 01 00 08000000 (skips one)
        asm.Call(BpfHelper.SkbVlanPush);                   // 85 00 00 00 12000000
        asm.Mark(done);
        asm.Return(-1);                                    // b7 00 00 00 ffffffff; 95 ...
        var bytes = asm.Encode();

        Assert.That(Convert.ToHexStringLower(bytes), Is.EqualTo(
            "bf16000000000000" +
            "1803000088776655" + "0000000044332211" +
            "6162100000000000" +
            "5502010008000000" +
            "8500000012000000" +
            "b7000000ffffffff" +
            "9500000000000000"));
    }

    [Test]
    public void Assembler_UnplacedLabel_Throws()
    {
        var asm = new BpfAssembler();
        asm.Jump(asm.DefineLabel());
        Assert.Throws<InvalidOperationException>(() => asm.Encode());
    }

    [Test]
    public void Load_InvalidProgram_ErrorCarriesVerifierLog()
    {
        Root.Require();
        var asm = new BpfAssembler();
        asm.Load(BpfSize.Word, R0, R2, 0); // R2 is uninitialised: the verifier must refuse
        asm.Exit();
        var e = Assert.Throws<SystemCallException>(() => BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, asm.Encode(), "bad"))!;
        Assert.That(e.ErrnoName, Is.EqualTo("EACCES"));
        Assert.That(e.Message, Does.Contain("R2 !read_ok"));
    }

    [TestCase("v4 from pod", "v4", "10.200.1.10", Ok)]
    [TestCase("v4 from another address", "v4", "10.200.1.11", Unspec)]
    [TestCase("arp", "arp", "10.200.1.10", Unspec)]
    public void EgressPushVlan_V4Program_ClassifiesBySourceAddress(string what, string kind, string source, int verdict)
    {
        Root.Require();
        using var program = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.EgressPushVlan(PodV4, 101), "push");
        var frame = kind == "arp" ? Arp() : IPv4(IPAddress.Parse(source), Other);
        Assert.That(TestRun(program, frame), Is.EqualTo(verdict), what);
    }

    [TestCase("fd00:200::10", Ok)]
    [TestCase("fd00:200::11", Unspec)]
    public void EgressPushVlan_V6Program_ClassifiesBySourceAddress(string source, int verdict)
    {
        Root.Require();
        using var program = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.EgressPushVlan(PodV6, 101), "push6");
        Assert.That(TestRun(program, IPv6(IPAddress.Parse(source), IPAddress.Parse("fd00:200::1"))), Is.EqualTo(verdict));
    }

    [TestCase("untagged v4 to the pod", "10.200.1.10", false, Shot)]
    [TestCase("untagged v4 to another address", "10.200.1.11", false, Unspec)]
    [TestCase("untagged v6 to the pod", "fd00:200::10", true, Shot)]
    [TestCase("untagged v6 elsewhere", "fd00:200::99", true, Unspec)]
    public void IngressPopVlan_UntaggedFrames_DroppedOnlyWhenForThePod(string what, string destination, bool v6, int verdict)
    {
        Root.Require();
        using var program = BpfProgram.Load(BpfProgram.ProgramTypeSchedCls, VlanPrograms.IngressPopVlan([PodV4, PodV6], 101), "pop");
        var frame = v6 ? IPv6(IPAddress.Parse("fd00:200::1"), IPAddress.Parse(destination)) : IPv4(Other, IPAddress.Parse(destination));
        Assert.That(TestRun(program, frame), Is.EqualTo(verdict), what);
    }

    [Test]
    public void VlanPrograms_InvalidVlanId_Rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VlanPrograms.EgressPushVlan(PodV4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VlanPrograms.IngressPopVlan([PodV4], 4095));
        Assert.Throws<ArgumentException>(() => VlanPrograms.IngressPopVlan([], 5));
    }

    /// <summary>bpf(BPF_PROG_TEST_RUN): runs the program once on <paramref name="frame"/> and returns its verdict.</summary>
    private static unsafe int TestRun(BpfProgram program, byte[] frame)
    {
        const int commandTestRun = 10;
        var output = new byte[512];
        Span<byte> attr = stackalloc byte[80];
        attr.Clear();
        fixed (byte* input = frame)
        fixed (byte* o = output)
        fixed (byte* a = attr)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)program.Fd);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[12..], (uint)output.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], (ulong)input);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[24..], (ulong)o);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[32..], 1);
            if (LibC.Syscall3(LibC.SysBpf, commandTestRun, a, 80) < 0)
            {
                throw new SystemCallException("bpf(BPF_PROG_TEST_RUN)", LibC.LastErrno);
            }

            return BinaryPrimitives.ReadInt32LittleEndian(attr[4..]);
        }
    }

    private static byte[] IPv4(IPAddress source, IPAddress destination) =>
        Terway.Sandbox.Fabric.PacketSocket.UdpFrame(PhysicalAddress.Parse("EE-FF-FF-FF-FF-FF"), PhysicalAddress.Parse("02-16-3E-00-00-01"), null, source, destination, 53, "x"u8);

    private static byte[] IPv6(IPAddress source, IPAddress destination)
    {
        var frame = new byte[14 + 40 + 8];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x86DD);
        frame[14] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), 8);
        frame[20] = 17;
        frame[21] = 64;
        source.GetAddressBytes().CopyTo(frame, 22);
        destination.GetAddressBytes().CopyTo(frame, 38);
        return frame;
    }

    private static byte[] Arp()
    {
        var frame = new byte[14 + 28];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0806);
        return frame;
    }
}
