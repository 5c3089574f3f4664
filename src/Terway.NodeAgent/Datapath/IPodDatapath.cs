namespace Terway.NodeAgent.Datapath;

/// <summary>
/// Wires one pod interface for one mode. Setup is idempotent (a second call converges to the
/// same state), teardown tolerates pieces already gone (including the pod's namespace), and
/// check reports drift without changing anything.
/// </summary>
public interface IPodDatapath
{
    /// <summary>The mode this datapath builds.</summary>
    DatapathMode Mode { get; }

    /// <summary>Builds (or converges) the pod's interface and the host side it needs.</summary>
    /// <exception cref="KernelFeatureMissingException">The kernel cannot build this mode.</exception>
    /// <exception cref="InterfaceExistsException">The interface name is taken by something else.</exception>
    /// <exception cref="DatapathRequestException">The request lacks what this mode needs.</exception>
    /// <exception cref="DatapathException">A kernel request failed (errno and operation in the message).</exception>
    Task<PodInterfaceResult> SetupAsync(PodNetworkRequest request, CancellationToken cancellationToken = default);

    /// <summary>Removes what setup built; missing pieces (or a missing namespace) are not errors.</summary>
    Task TeardownAsync(PodNetworkRequest request, CancellationToken cancellationToken = default);

    /// <summary>Compares the kernel's state with what setup builds; empty when nothing drifted.</summary>
    Task<IReadOnlyList<DatapathDrift>> CheckAsync(PodNetworkRequest request, CancellationToken cancellationToken = default);
}
