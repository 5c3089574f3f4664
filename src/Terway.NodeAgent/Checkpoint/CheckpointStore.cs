using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.CniShim.Protocol;

namespace Terway.NodeAgent.Checkpoint;

/// <summary>
/// The agent's checkpoint: one JSON file per attachment in <c>&lt;state_dir&gt;/attachments</c>, each
/// written crash-safely (temporary file, fsync, rename, fsync of the directory; see
/// <see cref="DurableFile"/>), plus an in-memory index. Per-attachment files keep a write at the size
/// of one record, so concurrent ADDs for different pods never rewrite each other's state.
/// </summary>
internal sealed partial class CheckpointStore
{
    private readonly string _directory;
    private readonly bool _fsync;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string, string), AttachmentRecord> _records = new();

    public CheckpointStore(string directory, bool fsync, ILogger logger)
    {
        _directory = directory;
        _fsync = fsync;
        _logger = logger;
    }

    public string Directory => _directory;

    /// <summary>Every record, in no particular order.</summary>
    public IReadOnlyCollection<AttachmentRecord> All => [.. _records.Values];

    public int Count => _records.Count;

    /// <summary>
    /// Reads every record from disk into the index. A file that cannot be parsed (only possible after
    /// power loss hit a write that had not been flushed) is moved aside as <c>.corrupt</c> and logged.
    /// </summary>
    public IReadOnlyCollection<AttachmentRecord> Load()
    {
        DurableFile.EnsureDirectory(_directory);
        _records.Clear();
        foreach (var path in System.IO.Directory.EnumerateFiles(_directory, "*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJsonContext.Default.AttachmentRecord);
                if (record is null || record.ContainerId.Length == 0 || record.IfName.Length == 0)
                {
                    throw new JsonException("empty record");
                }

                _records[record.Key] = record;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                LogCorrupt(path, e.Message);
                File.Move(path, path + ".corrupt", overwrite: true);
            }
        }

        return All;
    }

    public AttachmentRecord? Get(string containerId, string ifName) =>
        _records.TryGetValue((containerId, ifName), out var r) ? r : null;

    /// <summary>Records for a pod (any container), e.g. an older sandbox of the same pod.</summary>
    public IReadOnlyList<AttachmentRecord> ForPod(string podNamespace, string podName, string ifName) =>
        [.. _records.Values.Where(r => r.PodNamespace == podNamespace && r.PodName == podName && r.IfName == ifName)];

    /// <summary>Writes <paramref name="record"/> durably, then indexes it.</summary>
    public void Save(AttachmentRecord record)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, CheckpointJsonContext.Default.AttachmentRecord);
        DurableFile.Write(PathOf(record.ContainerId, record.IfName), bytes, _fsync);
        _records[record.Key] = record;
    }

    /// <summary>Deletes the record durably.</summary>
    public void Remove(string containerId, string ifName)
    {
        DurableFile.Delete(PathOf(containerId, ifName), _fsync);
        _records.TryRemove((containerId, ifName), out _);
    }

    private string PathOf(string containerId, string ifName) =>
        Path.Combine(_directory, $"{containerId}-{Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(ifName))}.json");

    [LoggerMessage(Level = LogLevel.Error, Message = "checkpoint record {Path} is unreadable and was moved aside: {Error}")]
    private partial void LogCorrupt(string path, string error);
}
