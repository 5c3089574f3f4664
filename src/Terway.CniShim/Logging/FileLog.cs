using System.Globalization;
using System.Text;

namespace Terway.CniShim.Logging;

/// <summary>
/// The plugin's log: one line per event appended to a file (stdout belongs to the CNI result, stderr
/// to the runtime). The file is opened on first write; a log that cannot be written is skipped,
/// because logging must never fail a CNI call.
/// </summary>
internal sealed class FileLog : IDisposable
{
    private readonly string? _path;
    private readonly int _level;
    private FileStream? _stream;
    private bool _broken;

    private FileLog(string? path, int level)
    {
        _path = path;
        _level = level;
    }

    /// <summary>A log that writes nothing.</summary>
    public static FileLog None { get; } = new(null, int.MaxValue);

    /// <summary>A log at <paramref name="path"/> keeping lines at <paramref name="level"/> and above.</summary>
    public static FileLog Open(string path, string level) =>
        string.IsNullOrEmpty(path) || level == "none" ? None : new FileLog(path, Rank(level));

    /// <summary>Context prefixed to every line (command, container, interface, pod).</summary>
    public string Context { get; set; } = "";

    public void Debug(string message) => Write(0, "DEBUG", message);

    public void Info(string message) => Write(1, "INFO", message);

    public void Error(string message) => Write(2, "ERROR", message);

    public void Dispose() => _stream?.Dispose();

    private static int Rank(string level) => level switch
    {
        "debug" => 0,
        "info" => 1,
        _ => 2,
    };

    private void Write(int rank, string label, string message)
    {
        if (rank < _level || _path is null || _broken)
        {
            return;
        }

        try
        {
            if (_stream is null)
            {
                var directory = Path.GetDirectoryName(_path);
                if (!string.IsNullOrEmpty(directory))
                {
                    Directory.CreateDirectory(directory);
                }

                _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            }

            // One write per line: O_APPEND keeps concurrent plugin processes' lines whole.
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.ffffffZ} {label} pid={Environment.ProcessId} {Context}{message}\n");
            _stream.Write(Encoding.UTF8.GetBytes(line));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full /var/log must not fail pod networking; stop trying for this call.
            _broken = true;
        }
    }
}
