using System.Text.Json;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Release;

/// <summary>
/// Records a DEL the agent could not take (down, or not answering within the deadline) as a file in
/// the pending-release directory, durably (write, fsync, rename, fsync the directory), so DEL can
/// succeed without the agent. One file per (containerID, ifname): repeated DELs overwrite it.
/// </summary>
internal static class PendingReleaseStore
{
    /// <summary>Writes the record and returns its path.</summary>
    public static string Write(string directory, PendingRelease record)
    {
        var path = Path.Combine(directory, PendingRelease.FileNameFor(record.ContainerId, record.IfName));
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, AgentJsonContext.Default.PendingRelease);
        DurableFile.Write(path, bytes);
        return path;
    }
}
