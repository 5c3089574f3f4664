namespace Terway.NodeAgent.Interop;

/// <summary>A system call (setns, mount, bpf, open ...) that failed, with the operation and the errno.</summary>
public sealed class SystemCallException : IOException
{
    /// <summary>Creates the exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public SystemCallException(string operation, int errno, string? detail = null)
        : base(detail is { Length: > 0 }
            ? $"{operation} failed: {Interop.Errno.Describe(errno)}: {detail}"
            : $"{operation} failed: {Interop.Errno.Describe(errno)}")
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>What was called, e.g. "setns(/var/run/netns/pod1)".</summary>
    public string Operation { get; }

    /// <summary>The positive errno.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name.</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);
}
