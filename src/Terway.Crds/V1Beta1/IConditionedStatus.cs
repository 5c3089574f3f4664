using k8s.Models;

namespace Terway.Crds.V1Beta1;

/// <summary>
/// The status fields this project adds to all three kinds, beyond Terway's own, so that
/// kstatus-based health checks (Flux, Argo CD with a Lua check) can read them.
/// </summary>
public interface IConditionedStatus
{
    /// <summary>kstatus conditions: <c>Ready</c>, and <c>Reconciling</c>/<c>Stalled</c> when they apply.</summary>
    IList<V1Condition>? Conditions { get; set; }

    /// <summary>The <c>metadata.generation</c> the controller last acted on.</summary>
    long? ObservedGeneration { get; set; }
}
