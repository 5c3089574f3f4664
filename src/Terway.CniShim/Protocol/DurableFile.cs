using System.Runtime.InteropServices;

// Compiled into both the CNI plugin (pending-release records) and the node agent (checkpoint).
namespace Terway.CniShim.Protocol;

/// <summary>
/// Crash-safe file replacement: write a temporary file in the same directory, fsync it, rename it
/// over the target, fsync the directory. A reader sees either the old content or the new, never a
/// torn file, and after the call returns the new content survives power loss.
/// </summary>
internal static partial class DurableFile
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> durably; creates the directory (0700) if needed.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content, bool sync = true)
    {
        var directory = Path.GetDirectoryName(path) ?? ".";
        EnsureDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: sync);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (sync)
        {
            SyncDirectory(directory);
        }
    }

    /// <summary>Deletes <paramref name="path"/> (if present) and makes the deletion durable.</summary>
    public static void Delete(string path, bool sync = true)
    {
        if (!File.Exists(path))
        {
            return;
        }

        File.Delete(path);
        if (sync)
        {
            SyncDirectory(Path.GetDirectoryName(path) ?? ".");
        }
    }

    /// <summary>Creates <paramref name="directory"/> with mode 0700 when it does not exist.</summary>
    public static void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>fsync(2) on a directory, so renames and deletions in it are on disk.</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = Open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            throw new IOException($"open {directory}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync {directory}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temporary file is ignored by every reader (dot-prefixed, .tmp).
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
