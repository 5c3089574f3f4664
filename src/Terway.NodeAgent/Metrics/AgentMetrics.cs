using System.Diagnostics.Metrics;

namespace Terway.NodeAgent.Metrics;

/// <summary>
/// The agent's instruments, on the same meter as the controller runtime's, so the health server's
/// <c>/metrics</c> exports both. Names follow Terway's daemon where it has one.
/// </summary>
internal sealed class AgentMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Histogram<double> _rpcLatency;
    private readonly Counter<long> _recovered;
    private readonly Histogram<double> _addPhases;

    public AgentMetrics(string meterName, Func<IEnumerable<Measurement<long>>> attachments, Func<long> pendingReleases)
    {
        _meter = new Meter(meterName);
        _rpcLatency = _meter.CreateHistogram<double>("terway_rpc_latency", description: "CNI call latency in milliseconds, by Terway RPC name (AllocIP, ReleaseIP, GetIPInfo, Status, GC) and error.");
        _addPhases = _meter.CreateHistogram<double>("terway_cni_add_phase_latency", description: "Time spent in each phase of a successful ADD in milliseconds: lock, pod, allocation, intent, datapath, commit.");
        _recovered = _meter.CreateCounter<long>("terway_cni_recovered_total", description: "Attachments rolled back or released at start-up or from pending-release records, by action.");
        _meter.CreateObservableGauge("terway_cni_attachments", attachments, description: "Attachments in the checkpoint, by mode and state.");
        _meter.CreateObservableGauge("terway_cni_pending_releases", pendingReleases, description: "DELs recorded by the plugin while the agent was unavailable and not yet applied.");
    }

    /// <summary>Terway's RPC name for a CNI command (dashboards built for Terway keep working).</summary>
    public static string RpcName(string command) => command switch
    {
        "ADD" => "AllocIP",
        "DEL" => "ReleaseIP",
        "CHECK" => "GetIPInfo",
        "STATUS" => "Status",
        "GC" => "GC",
        _ => command,
    };

    public void RecordCall(string command, double milliseconds, bool error) =>
        _rpcLatency.Record(milliseconds, new KeyValuePair<string, object?>("rpc_api", RpcName(command)), new KeyValuePair<string, object?>("error", error ? "true" : "false"));

    public void RecordAddPhase(string phase, double milliseconds) =>
        _addPhases.Record(milliseconds, new KeyValuePair<string, object?>("phase", phase));

    public void Recovered(string action, int count = 1) =>
        _recovered.Add(count, new KeyValuePair<string, object?>("action", action));

    public void Dispose() => _meter.Dispose();
}
