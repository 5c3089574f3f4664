namespace Terway.Crds.Conditions;

/// <summary>
/// Condition types written to <c>status.conditions</c> of PodNetworking, PodENI and the Node
/// CR. <see cref="Ready"/>, <see cref="Reconciling"/> and <see cref="Stalled"/> follow kstatus,
/// so Flux and Argo CD (with a Lua check) read them without custom code.
/// </summary>
public static class ConditionTypes
{
    /// <summary>The object is fully reconciled and usable (PodNetworking: matchable; PodENI: bound; Node: pool synced).</summary>
    public const string Ready = "Ready";

    /// <summary>kstatus "abnormal-true": the controller is working towards the desired state.</summary>
    public const string Reconciling = "Reconciling";

    /// <summary>kstatus "abnormal-true": progress stopped on an error retrying will not fix (bad spec, missing cloud resource, quota).</summary>
    public const string Stalled = "Stalled";

    /// <summary>Node CR: the node's trunk ENI exists and is attached (only on trunk-enabled nodes).</summary>
    public const string TrunkReady = "TrunkReady";
}

/// <summary>Values of a condition's <c>status</c>.</summary>
public static class ConditionStatuses
{
    /// <summary>The condition holds.</summary>
    public const string True = "True";

    /// <summary>The condition does not hold.</summary>
    public const string False = "False";

    /// <summary>Not known yet.</summary>
    public const string Unknown = "Unknown";
}

/// <summary>
/// Typed reasons (CamelCase, as the condition schema requires). Success reasons go with
/// Ready=True; progress reasons with Reconciling=True; failure reasons with Stalled=True, or
/// with Reconciling=True when a retry can fix them (<see cref="Throttled"/>, <see cref="CloudApiError"/>).
/// </summary>
public static class ConditionReasons
{
    // Success.

    /// <summary>PodNetworking: every vSwitch was resolved to a zone.</summary>
    public const string VSwitchesResolved = "VSwitchesResolved";

    /// <summary>PodENI: every ENI is attached (phase Bind).</summary>
    public const string Bound = "Bound";

    /// <summary>PodENI: fixed-IP ENI detached and kept for the pod's return (phase Unbind).</summary>
    public const string Unbound = "Unbound";

    /// <summary>Node CR: the IP pool matches the cloud and the pool settings.</summary>
    public const string PoolSynced = "PoolSynced";

    /// <summary>Node CR: the trunk ENI is attached.</summary>
    public const string TrunkAttached = "TrunkAttached";

    /// <summary>Node CR: metadata and capacity are recorded (a node without a trunk ENI: exclusive ENI mode, or no trunk support).</summary>
    public const string NodeSynced = "NodeSynced";

    // Progress.

    /// <summary>Generic: work is in progress.</summary>
    public const string Progressing = "Progressing";

    /// <summary>Waiting for something outside this object (the pod to be scheduled, the node agent to fill the Node CR spec).</summary>
    public const string Pending = "Pending";

    /// <summary>PodENI: ENIs are being created or attached (phase Initial or Binding).</summary>
    public const string Binding = "Binding";

    /// <summary>PodENI: ENIs are being detached (phase Detaching).</summary>
    public const string Detaching = "Detaching";

    /// <summary>PodENI: ENIs are being released (phase Deleting).</summary>
    public const string Deleting = "Deleting";

    /// <summary>Node CR: the node is going away and its ENIs are being released.</summary>
    public const string Releasing = "Releasing";

    // Failure.

    /// <summary>A vSwitch in the spec does not exist in the region/VPC.</summary>
    public const string VSwitchNotFound = "VSwitchNotFound";

    /// <summary>A security group in the spec does not exist.</summary>
    public const string SecurityGroupNotFound = "SecurityGroupNotFound";

    /// <summary>The vSwitch has no free IPs (InvalidVSwitchId.IpNotEnough).</summary>
    public const string InsufficientIP = "InsufficientIP";

    /// <summary>A cloud quota (ENIs per instance, IPs per ENI, member ENIs) is used up.</summary>
    public const string QuotaExceeded = "QuotaExceeded";

    /// <summary>The cloud API throttled the operator; it retries with backoff.</summary>
    public const string Throttled = "Throttled";

    /// <summary>The cloud API refused the operator's credentials or permissions.</summary>
    public const string Forbidden = "Forbidden";

    /// <summary>Another cloud API error; it is retried.</summary>
    public const string CloudApiError = "CloudApiError";

    /// <summary>A trunk pod's node has no attached trunk ENI (no <c>k8s.aliyun.com/trunk-on</c> annotation).</summary>
    public const string TrunkNotReady = "TrunkNotReady";

    /// <summary>The pod's node is in a different zone than the fixed-IP ENI.</summary>
    public const string ZoneMismatch = "ZoneMismatch";

    /// <summary>The node lacks the labels or providerID needed to find its instance.</summary>
    public const string NodeMetadataMissing = "NodeMetadataMissing";

    /// <summary>The spec or the configuration is invalid (Terway's ConfigError).</summary>
    public const string InvalidSpec = "InvalidSpec";
}

/// <summary>The core Node condition Terway sets for shared-ENI IP capacity.</summary>
public static class CoreNodeConditions
{
    /// <summary>Condition type on core Node objects.</summary>
    public const string SufficientIP = "SufficientIP";

    /// <summary>Reason when IPs are available (status True).</summary>
    public const string SufficientIPReason = "SufficientIP";

    /// <summary>Reason when the node cannot get more IPs (status False).</summary>
    public const string InsufficientIPReason = "InsufficientIP";
}
