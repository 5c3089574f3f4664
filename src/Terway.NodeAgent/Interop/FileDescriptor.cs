using Microsoft.Win32.SafeHandles;

namespace Terway.NodeAgent.Interop;

/// <summary>An owned Linux file descriptor, closed on dispose.</summary>
internal sealed class FileDescriptor : SafeHandleMinusOneIsInvalid
{
    public FileDescriptor(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The descriptor number; valid while this object is alive and not disposed.</summary>
    public int Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
