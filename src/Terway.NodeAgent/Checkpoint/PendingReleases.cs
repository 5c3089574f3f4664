using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.CniShim.Protocol;

namespace Terway.NodeAgent.Checkpoint;

/// <summary>One DEL the plugin recorded while the agent was unavailable.</summary>
/// <param name="Path">The record's file.</param>
/// <param name="Record">Its content.</param>
internal sealed record PendingReleaseFile(string Path, PendingRelease Record);

/// <summary>Reads and removes the plugin's pending-release records (see the plugin's PendingReleaseStore).</summary>
internal sealed partial class PendingReleases(string directory, bool fsync, ILogger logger)
{
    public string Directory => directory;

    /// <summary>Every readable record; unreadable ones are deleted (a torn write after power loss) and logged.</summary>
    public IReadOnlyList<PendingReleaseFile> List()
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }

        var files = new List<PendingReleaseFile>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "del-*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentJsonContext.Default.PendingRelease);
                if (record is null || record.ContainerId.Length == 0 || record.IfName.Length == 0)
                {
                    throw new JsonException("empty record");
                }

                files.Add(new PendingReleaseFile(path, record));
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                LogUnreadable(path, e.Message);
                TryDelete(path);
            }
        }

        return files;
    }

    /// <summary>The record for (containerID, ifname), if the plugin wrote one.</summary>
    public PendingReleaseFile? Find(string containerId, string ifName)
    {
        var path = System.IO.Path.Combine(directory, PendingRelease.FileNameFor(containerId, ifName));
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentJsonContext.Default.PendingRelease);
            return record is null ? null : new PendingReleaseFile(path, record);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            LogUnreadable(path, e.Message);
            TryDelete(path);
            return null;
        }
    }

    public void Remove(PendingReleaseFile file) => DurableFile.Delete(file.Path, fsync);

    public int Count() => System.IO.Directory.Exists(directory) ? System.IO.Directory.EnumerateFiles(directory, "del-*.json").Count() : 0;

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            LogUnreadable(path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "pending release {Path} is unreadable and was removed: {Error}")]
    private partial void LogUnreadable(string path, string error);
}
