using Terway.NodeAgent.Interop;

namespace Terway.NodeAgent.Netlink;

/// <summary>
/// A kernel request that failed: carries the operation (e.g. "RTM_NEWLINK veth cali1234"),
/// the kernel errno and, when the kernel sent one, its extended-ack message.
/// </summary>
public sealed class NetlinkException : IOException
{
    /// <summary>Creates the exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base(Format(operation, errno, kernelMessage))
    {
        Operation = operation;
        Errno = errno;
        KernelMessage = kernelMessage;
    }

    /// <summary>What was asked of the kernel, e.g. "RTM_NEWLINK veth cali1234".</summary>
    public string Operation { get; }

    /// <summary>The positive errno the kernel returned.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name, e.g. "EEXIST".</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);

    /// <summary>The kernel's extended-ack text, if any.</summary>
    public string? KernelMessage { get; }

    /// <summary>The object already exists (EEXIST).</summary>
    public bool IsExists => Errno == Interop.Errno.EEXIST;

    /// <summary>The object (or the device it refers to) does not exist (ENOENT, ENODEV, ESRCH).</summary>
    public bool IsNotFound => Errno is Interop.Errno.ENOENT or Interop.Errno.ENODEV or Interop.Errno.ESRCH;

    private static string Format(string operation, int errno, string? kernelMessage) =>
        kernelMessage is { Length: > 0 }
            ? $"{operation} failed: {Interop.Errno.Describe(errno)}: {kernelMessage}"
            : $"{operation} failed: {Interop.Errno.Describe(errno)}";
}
