using Terway.Kube.Events;
using Terway.Kube.Health;
using Terway.Kube.Informers;
using Terway.Kube.LeaderElection;
using Terway.Kube.Metrics;

namespace Terway.Kube.Hosting;

/// <summary>Options of a <see cref="KubeManager"/>.</summary>
public sealed record KubeManagerOptions
{
    /// <summary>Defaults for every informer (the selection is set per informer).</summary>
    public InformerOptions InformerDefaults { get; init; } = new();

    /// <summary>Leader election; null runs every controller on every replica.</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>The event recorder's identity; null disables <see cref="KubeManager.Events"/>.</summary>
    public EventRecorderOptions? Events { get; init; }

    /// <summary>The <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> server; null for none.</summary>
    public HealthServerOptions? HealthServer { get; init; }

    /// <summary>Name of the meter holding the runtime's instruments (unique per manager in one process).</summary>
    public string MeterName { get; init; } = KubeMetrics.DefaultMeterName;

    /// <summary>How long stopping may take before remaining work is abandoned (controller-runtime: 30 s).</summary>
    public TimeSpan GracefulShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay before a controller that failed to start (cache sync timeout) is started again.</summary>
    public TimeSpan ControllerRestartDelay { get; init; } = TimeSpan.FromSeconds(5);
}
