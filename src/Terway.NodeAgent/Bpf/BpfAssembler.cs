using System.Buffers.Binary;

namespace Terway.NodeAgent.Bpf;

/// <summary>eBPF registers. R1-R5 carry helper arguments, R0 the result, R6-R9 survive calls, R10 is the frame pointer.</summary>
internal enum BpfRegister : byte
{
    R0,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
}

/// <summary>Memory access widths.</summary>
internal enum BpfSize : byte
{
    Word = 0x00,
    Half = 0x08,
    Byte = 0x10,
    DoubleWord = 0x18,
}

/// <summary>Conditional jump operations.</summary>
internal enum BpfJump : byte
{
    Equal = 0x10,
    Greater = 0x20,
    GreaterOrEqual = 0x30,
    BitsSet = 0x40,
    NotEqual = 0x50,
}

/// <summary>Kernel helper functions (enum bpf_func_id) the programs call.</summary>
internal enum BpfHelper
{
    SkbStoreBytes = 9,
    SkbVlanPush = 18,
    SkbVlanPop = 19,
    Redirect = 23,
    SkbLoadBytes = 26,
}

/// <summary>A forward or backward jump target.</summary>
internal readonly record struct BpfLabel(int Id);

/// <summary>
/// A tiny eBPF assembler: emits 8-byte instructions (code, dst|src&lt;&lt;4, off, imm) and
/// resolves labels, enough for the short tc programs the datapaths load.
/// </summary>
internal sealed class BpfAssembler
{
    private const byte ClassLd = 0x00;
    private const byte ClassLdx = 0x01;
    private const byte ClassSt = 0x02;
    private const byte ClassStx = 0x03;
    private const byte ClassJmp = 0x05;
    private const byte ClassAlu64 = 0x07;
    private const byte ModeImm = 0x00;
    private const byte ModeMem = 0x60;
    private const byte SourceK = 0x00;
    private const byte SourceX = 0x08;
    private const byte OpAdd = 0x00;
    private const byte OpAnd = 0x50;
    private const byte OpMov = 0xB0;
    private const byte OpJa = 0x00;
    private const byte OpCall = 0x80;
    private const byte OpExit = 0x90;

    private readonly List<(byte Code, byte Registers, short Offset, int Immediate)> _instructions = [];
    private readonly List<int> _labelPositions = [];
    private readonly List<(int Instruction, BpfLabel Target)> _fixups = [];

    public int Count => _instructions.Count;

    public BpfLabel DefineLabel()
    {
        _labelPositions.Add(-1);
        return new BpfLabel(_labelPositions.Count - 1);
    }

    /// <summary>Places <paramref name="label"/> at the next instruction.</summary>
    public void Mark(BpfLabel label) => _labelPositions[label.Id] = _instructions.Count;

    public void MovImm(BpfRegister dst, int imm) => Emit(ClassAlu64 | OpMov | SourceK, dst, 0, 0, imm);

    public void MovReg(BpfRegister dst, BpfRegister src) => Emit(ClassAlu64 | OpMov | SourceX, dst, src, 0, 0);

    public void AddImm(BpfRegister dst, int imm) => Emit(ClassAlu64 | OpAdd | SourceK, dst, 0, 0, imm);

    public void AndImm(BpfRegister dst, int imm) => Emit(ClassAlu64 | OpAnd | SourceK, dst, 0, 0, imm);

    /// <summary>dst = imm64 (a two-slot instruction).</summary>
    public void LoadImm64(BpfRegister dst, ulong imm)
    {
        Emit(ClassLd | (byte)BpfSize.DoubleWord | ModeImm, dst, 0, 0, unchecked((int)(uint)imm));
        Emit(0, 0, 0, 0, unchecked((int)(uint)(imm >> 32)));
    }

    /// <summary>dst = *(size *)(src + offset).</summary>
    public void Load(BpfSize size, BpfRegister dst, BpfRegister src, short offset) =>
        Emit((byte)(ClassLdx | (byte)size | ModeMem), dst, src, offset, 0);

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public void Store(BpfSize size, BpfRegister dst, short offset, BpfRegister src) =>
        Emit((byte)(ClassStx | (byte)size | ModeMem), dst, src, offset, 0);

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public void StoreImm(BpfSize size, BpfRegister dst, short offset, int imm) =>
        Emit((byte)(ClassSt | (byte)size | ModeMem), dst, 0, offset, imm);

    public void JumpIf(BpfJump op, BpfRegister dst, int imm, BpfLabel target)
    {
        _fixups.Add((_instructions.Count, target));
        Emit((byte)(ClassJmp | (byte)op | SourceK), dst, 0, 0, imm);
    }

    public void JumpIf(BpfJump op, BpfRegister dst, BpfRegister src, BpfLabel target)
    {
        _fixups.Add((_instructions.Count, target));
        Emit((byte)(ClassJmp | (byte)op | SourceX), dst, src, 0, 0);
    }

    public void Jump(BpfLabel target)
    {
        _fixups.Add((_instructions.Count, target));
        Emit(ClassJmp | OpJa, 0, 0, 0, 0);
    }

    public void Call(BpfHelper helper) => Emit(ClassJmp | OpCall, 0, 0, 0, (int)helper);

    public void Exit() => Emit(ClassJmp | OpExit, 0, 0, 0, 0);

    /// <summary>r0 = <paramref name="verdict"/>; exit.</summary>
    public void Return(int verdict)
    {
        MovImm(BpfRegister.R0, verdict);
        Exit();
    }

    /// <summary>The program as the kernel takes it (struct bpf_insn[]).</summary>
    public byte[] Encode()
    {
        var instructions = _instructions.ToArray();
        foreach (var (at, target) in _fixups)
        {
            var position = _labelPositions[target.Id];
            if (position < 0)
            {
                throw new InvalidOperationException($"BPF label {target.Id} was never placed");
            }

            instructions[at].Offset = checked((short)(position - at - 1));
        }

        var bytes = new byte[instructions.Length * 8];
        for (var i = 0; i < instructions.Length; i++)
        {
            var slot = bytes.AsSpan(i * 8, 8);
            slot[0] = instructions[i].Code;
            slot[1] = instructions[i].Registers;
            BinaryPrimitives.WriteInt16LittleEndian(slot[2..], instructions[i].Offset);
            BinaryPrimitives.WriteInt32LittleEndian(slot[4..], instructions[i].Immediate);
        }

        return bytes;
    }

    private void Emit(int code, BpfRegister dst, BpfRegister src, short offset, int imm) =>
        _instructions.Add(((byte)code, (byte)((byte)dst | ((byte)src << 4)), offset, imm));
}
