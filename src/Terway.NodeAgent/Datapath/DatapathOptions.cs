using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Terway.NodeAgent.Datapath;

/// <summary>How <see cref="NodeDatapath"/> reaches the node.</summary>
public sealed record DatapathOptions
{
    /// <summary>
    /// The node's network namespace. Null (the default) means the agent's own namespace, as in
    /// a hostNetwork DaemonSet; tests and the sandbox point it at a simulated node's namespace.
    /// </summary>
    public string? HostNetnsPath { get; init; }

    /// <summary>How long setup waits for an ENI to appear (Terway retries 10 × 1 s).</summary>
    public TimeSpan EniWaitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often setup looks for the ENI while waiting.</summary>
    public TimeSpan EniPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for the ENI wait.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where the node's kernel parameters are written (forwarding, rp_filter). Entries under
    /// <c>net/</c> follow the network namespace of the writing thread, so a container whose own
    /// <c>/proc/sys</c> is read-only writes through a host mount such as <c>/host/proc/sys</c>.
    /// </summary>
    public string ProcSysRoot { get; init; } = "/proc/sys";

    /// <summary>Logging.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
