using System.Globalization;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.DatapathBench;

/// <summary>Percentiles and the printed table.</summary>
internal static class Report
{
    public const string Header =
        "| mode | pods | setup p50 / p99 (library) | setup p50 / p99 (ip/tc) | setup ratio p50 | teardown p50 / p99 (library) | teardown p50 / p99 (ip/tc) | teardown ratio p50 |\n" +
        "|---|---|---|---|---|---|---|---|";

    public static string Row(DatapathMode mode, int pods, Timings library, Timings? tools)
    {
        string Pair(List<double> v) => $"{Percentile(v, 50):F2} / {Percentile(v, 99):F2} ms";
        string Ratio(List<double> ours, List<double>? theirs) =>
            theirs is null ? "n/a" : $"{Percentile(theirs, 50) / Percentile(ours, 50):F1}x";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {mode} | {pods} | {Pair(library.Setup)} | {(tools is null ? "n/a" : Pair(tools.Setup))} | {Ratio(library.Setup, tools?.Setup)} " +
            $"| {Pair(library.Teardown)} | {(tools is null ? "n/a" : Pair(tools.Teardown))} | {Ratio(library.Teardown, tools?.Teardown)} |");
    }

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
