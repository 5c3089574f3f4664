namespace Terway.Crds.Names;

/// <summary>Finalizers on Terway objects.</summary>
public static class Finalizers
{
    /// <summary>PodENI: the operator releases or detaches the ENIs before the PodENI goes.</summary>
    public const string PodEni = NetworkGroup.Name + "/pod-eni";

    /// <summary>PodENI: the pre-group finalizer older Terway versions wrote; still honoured and removed.</summary>
    public const string LegacyPodEni = "pod-eni";

    /// <summary>Node CR: the operator releases the node's ENIs before the Node CR goes.</summary>
    public const string NodeController = NetworkGroup.Name + "/node-controller";
}
