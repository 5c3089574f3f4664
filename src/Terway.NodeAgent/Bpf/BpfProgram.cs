using System.Buffers.Binary;
using System.Text;
using Terway.NodeAgent.Interop;

namespace Terway.NodeAgent.Bpf;

/// <summary>A program loaded into the kernel; the descriptor can be closed once tc holds it.</summary>
internal sealed unsafe class BpfProgram : IDisposable
{
    public const int ProgramTypeSchedCls = 3;
    private const int CommandProgramLoad = 5;
    private const int AttributeSize = 72; // union bpf_attr up to expected_attach_type
    private const string License = "Dual BSD/GPL";

    private readonly FileDescriptor _fd;

    private BpfProgram(FileDescriptor fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    public int Fd => _fd.Value;

    public string Name { get; }

    /// <summary>
    /// Loads <paramref name="instructions"/> with bpf(BPF_PROG_LOAD); a rejected program's verifier
    /// log is in the error. <paramref name="name"/> is kernel-visible, up to 15 characters of [A-Za-z0-9_.].
    /// </summary>
    public static BpfProgram Load(int programType, ReadOnlySpan<byte> instructions, string name)
    {
        var fd = TryLoad(programType, instructions, name, logLevel: 0, out var errno, out _);
        if (fd < 0)
        {
            // Load again with the verifier log switched on, only to explain the failure.
            TryLoad(programType, instructions, name, logLevel: 1, out _, out var log);
            throw new SystemCallException($"bpf(BPF_PROG_LOAD {name})", errno, log);
        }

        return new BpfProgram(new FileDescriptor(fd), name);
    }

    public void Dispose() => _fd.Dispose();

    private static int TryLoad(int programType, ReadOnlySpan<byte> instructions, string name, int logLevel, out int errno, out string? log)
    {
        Span<byte> attr = stackalloc byte[AttributeSize];
        attr.Clear();
        Span<byte> license = stackalloc byte[License.Length + 1];
        license.Clear();
        Encoding.ASCII.GetBytes(License, license);
        var logBuffer = logLevel > 0 ? new byte[64 * 1024] : null;
        fixed (byte* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* logPtr = logBuffer)
        fixed (byte* a = attr)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(attr, (uint)programType);
            BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], (uint)(instructions.Length / 8));
            BinaryPrimitives.WriteUInt64LittleEndian(attr[8..], (ulong)insns);
            BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], (ulong)lic);
            if (logBuffer is not null)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(attr[24..], (uint)logLevel);
                BinaryPrimitives.WriteUInt32LittleEndian(attr[28..], (uint)logBuffer.Length);
                BinaryPrimitives.WriteUInt64LittleEndian(attr[32..], (ulong)logPtr);
            }

            var nameBytes = Encoding.ASCII.GetBytes(name);
            nameBytes.AsSpan(0, Math.Min(nameBytes.Length, 15)).CopyTo(attr[48..]);

            var fd = LibC.Syscall3(LibC.SysBpf, CommandProgramLoad, a, AttributeSize);
            errno = fd < 0 ? LibC.LastErrno : 0;
            log = logBuffer is null ? null : Encoding.ASCII.GetString(logBuffer.AsSpan(0, Math.Max(0, logBuffer.AsSpan().IndexOf((byte)0)))).Trim();
            return (int)fd;
        }
    }
}
