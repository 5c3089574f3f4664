namespace Terway.Crds.Names;

/// <summary>
/// Names of the objects the manifests in <c>config/</c> install; the operator and the node
/// agent look them up by these names. A test checks the manifests use exactly these.
/// </summary>
public static class InstallNames
{
    /// <summary>Namespace everything is installed in.</summary>
    public const string Namespace = "kube-system";

    /// <summary>Operator Deployment, ServiceAccount, ClusterRole and Role name.</summary>
    public const string Operator = "terway-operator";

    /// <summary>Node agent DaemonSet, ServiceAccount, ClusterRole and Role name.</summary>
    public const string NodeAgent = "terway-nodeagent";

    /// <summary>
    /// Leader-election Lease. Same name as Terway's controlplane lease on purpose: while a Terway
    /// controlplane still runs, the two never act on the cloud at once.
    /// </summary>
    public const string LeaderElectionLease = "terway-controlplane";

    /// <summary>
    /// Mutating and validating webhook configurations. Same name as Terway's, so installing this
    /// replaces Terway's webhooks instead of running both (pods would be mutated twice).
    /// </summary>
    public const string WebhookConfiguration = "terway-controlplane";

    /// <summary>Name of the pod-mutating webhook entry.</summary>
    public const string MutatingWebhook = "terway.mutating.k8s.io";

    /// <summary>Name of the PodNetworking-validating webhook entry.</summary>
    public const string ValidatingWebhook = "terway.validate.k8s.io";

    /// <summary>HTTP path of the mutating webhook.</summary>
    public const string MutatingPath = "/mutating";

    /// <summary>HTTP path of the validating webhook.</summary>
    public const string ValidatingPath = "/validate";

    /// <summary>Port the operator serves webhooks on (HTTPS).</summary>
    public const int WebhookPort = 4443;

    /// <summary>Service in front of the webhook port.</summary>
    public const string WebhookService = "terway-operator-webhook";

    /// <summary>Secret holding the webhook CA and serving certificate; the operator creates and fills it.</summary>
    public const string WebhookCertSecret = "terway-operator-webhook-cert";

    /// <summary>Port of the operator's /healthz and /readyz (host network, so chosen to avoid common ports).</summary>
    public const int OperatorHealthPort = 9440;

    /// <summary>Port of the operator's Prometheus /metrics.</summary>
    public const int OperatorMetricsPort = 9441;

    /// <summary>ConfigMap with the operator's configuration file.</summary>
    public const string OperatorConfigMap = "terway-operator-config";

    /// <summary>Key of the configuration file in <see cref="OperatorConfigMap"/> (Terway's file name).</summary>
    public const string OperatorConfigKey = "ctrl-config.yaml";

    /// <summary>Path the operator's configuration file is mounted at (Terway's path).</summary>
    public const string OperatorConfigPath = "/etc/config/ctrl-config.yaml";

    /// <summary>Optional Secret with the operator's Alibaba Cloud credentials, mounted at /etc/credential.</summary>
    public const string OperatorCredentialSecret = "terway-operator-credential";

    /// <summary>Terway's ConfigMap with eni_conf (vSwitches, security groups, pool settings).</summary>
    public const string EniConfigMap = "eni-config";

    /// <summary>ConfigMap holding the CNI conflist the node agent installs.</summary>
    public const string CniConfigMap = "terway-nodeagent-cni";

    /// <summary>File name of the conflist on the host.</summary>
    public const string CniConfListName = "10-terway.conflist";

    /// <summary>Host directory of the node agent's unix socket.</summary>
    public const string AgentRunDirectory = "/var/run/terway";

    /// <summary>Host directory of the node agent's checkpoint.</summary>
    public const string AgentStateDirectory = "/var/lib/terway";
}
