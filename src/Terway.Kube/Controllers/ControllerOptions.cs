namespace Terway.Kube.Controllers;

/// <summary>Options of one controller.</summary>
public sealed record ControllerOptions
{
    /// <summary>Workers reconciling different keys in parallel (controller-runtime default: 1).</summary>
    public int MaxConcurrentReconciles { get; init; } = 1;

    /// <summary>A reconcile still running after this long has its token cancelled and counts as a timeout; null for none.</summary>
    public TimeSpan? ReconcileTimeout { get; init; }

    /// <summary>How long to wait for the caches the controller reads before giving up on starting.</summary>
    public TimeSpan CacheSyncTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>True (default) when the controller only runs on the leader.</summary>
    public bool NeedLeaderElection { get; init; } = true;

    /// <summary>How long in-flight reconciles may finish at shutdown before their tokens are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);
}
