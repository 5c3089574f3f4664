using System.Globalization;

namespace Terway.Sandbox.TrunkBench;

/// <summary>One process's memory and CPU as Linux reports them in <c>/proc/PID/status</c> and <c>/proc/PID/stat</c>.</summary>
internal readonly record struct ProcStats(long RssBytes, long PeakRssBytes, TimeSpan Cpu)
{
    // USER_HZ is 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    public static ProcStats Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
        }

        // Fields after the command name (which may contain spaces, so split after its closing parenthesis):
        // state is field 3; utime and stime are fields 14 and 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
        return new ProcStats(rss, peak, TimeSpan.FromSeconds(ticks / TicksPerSecond));
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
