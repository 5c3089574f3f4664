using Terway.Crds.Names;

namespace Terway.Operator.Webhooks;

/// <summary>
/// Everything the admission webhooks and their certificate management need. The operator fills it from its
/// configuration file (Terway's <c>ctrl-config.yaml</c> keys in brackets) and <c>eni-config</c>; tests and the
/// sandbox set it directly.
/// </summary>
public sealed record WebhookOptions
{
    /// <summary>Address the HTTPS listener binds to. <c>0.0.0.0</c> (all IPv4) by default; <c>127.0.0.1</c> in tests.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>HTTPS port [<c>webhookPort</c>]; 0 picks a free port (tests).</summary>
    public int Port { get; init; } = InstallNames.WebhookPort;

    /// <summary>Namespace of the webhook Service and of the certificate Secret [<c>controllerNamespace</c>].</summary>
    public string Namespace { get; init; } = InstallNames.Namespace;

    /// <summary>Name of the Service in front of the webhook port; the serving certificate is issued for it.</summary>
    public string ServiceName { get; init; } = InstallNames.WebhookService;

    /// <summary>Cluster DNS domain [<c>clusterDomain</c>], for the <c>&lt;service&gt;.&lt;ns&gt;.svc.&lt;domain&gt;</c> name.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Secret holding the CA and the serving certificate; created by the first replica that needs it.</summary>
    public string CertificateSecretName { get; init; } = InstallNames.WebhookCertSecret;

    /// <summary>
    /// Extra subject alternative names for the serving certificate: DNS names, or IP literals which become IP
    /// SANs (<c>127.0.0.1</c> when the API server reaches the webhook on loopback, as in the sandbox).
    /// </summary>
    public IReadOnlyList<string> ExtraSubjectAlternativeNames { get; init; } = [];

    /// <summary>MutatingWebhookConfiguration whose webhooks get the CA bundle; null or empty skips it.</summary>
    public string? MutatingWebhookConfigurationName { get; init; } = InstallNames.WebhookConfiguration;

    /// <summary>ValidatingWebhookConfiguration whose webhooks get the CA bundle; null or empty skips it.</summary>
    public string? ValidatingWebhookConfigurationName { get; init; } = InstallNames.WebhookConfiguration;

    /// <summary>Lifetime of a generated CA. Terway uses 100 years; the CA is rotated only near its end.</summary>
    public TimeSpan CaValidity { get; init; } = TimeSpan.FromDays(36500);

    /// <summary>Lifetime of a serving certificate. Long, like Terway's, but finite so renewal is exercised.</summary>
    public TimeSpan ServingCertificateValidity { get; init; } = TimeSpan.FromDays(3650);

    /// <summary>
    /// A certificate is renewed once this fraction of its lifetime has passed (2/3: a 10-year serving
    /// certificate is renewed with more than three years left).
    /// </summary>
    public double RenewAtLifetimeFraction { get; init; } = 2.0 / 3.0;

    /// <summary>
    /// How often each replica re-reads the Secret (picking up a certificate another replica renewed, or
    /// recreating a deleted Secret), checks renewal and re-checks the webhook configurations' caBundle.
    /// </summary>
    public TimeSpan CertificateSyncInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Trunking is on [<c>enableTrunk</c>]: pods whose networks use eniType Default (or Trunk) request
    /// <c>aliyun/member-eni</c>; otherwise <c>aliyun/eni</c>.
    /// </summary>
    public bool EnableTrunk { get; init; } = true;

    /// <summary>
    /// Inject the ENI extended resource into the pod's first container [<c>enableWebhookInjectResource</c>].
    /// When false, a PodNetworking without selectors must use eniType Default (Terway's rule).
    /// </summary>
    public bool EnableWebhookInjectResource { get; init; } = true;

    /// <summary>Owner kinds whose pods keep their names, besides StatefulSet [<c>customStatefulWorkloadKinds</c>].</summary>
    public IReadOnlyList<string> CustomStatefulWorkloadKinds { get; init; } = [];

    /// <summary>
    /// Cluster default vSwitch IDs (eni-config <c>vswitches</c>, all zones, sorted): fill empty
    /// <c>vSwitchOptions</c> of new PodNetworkings and of a pod's <c>eth0</c> network.
    /// </summary>
    public IReadOnlyList<string> DefaultVSwitchIds { get; init; } = [];

    /// <summary>
    /// Cluster default security group IDs (eni-config <c>security_group</c> ∪ <c>security_groups</c>): fill empty
    /// <c>securityGroupIDs</c> of new PodNetworkings and of a pod's <c>eth0</c> network.
    /// </summary>
    public IReadOnlyList<string> DefaultSecurityGroupIds { get; init; } = [];

    /// <summary>
    /// Give every pod that matches no PodNetworking a default <c>eth0</c> network from the cluster defaults
    /// (Terway's controlplane <c>ipamType: crd</c>, where every pod gets its own ENI). Off by default: leave it
    /// off with centralized IPAM, where shared-ENI pods must not be turned into PodENI pods.
    /// </summary>
    public bool DefaultEniForUnmatchedPods { get; init; }

    /// <summary>
    /// The cluster's VPC [<c>vpcID</c>]. When set and an <see cref="PodNetworkings.IVSwitchLookup"/> is
    /// available, a PodNetworking naming a vSwitch of another VPC is rejected.
    /// </summary>
    public string? VpcId { get; init; }

    /// <summary>Longest time the validating webhook waits for the optional cloud vSwitch lookup before allowing with a warning.</summary>
    public TimeSpan CloudLookupTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the listener waits for its informer caches before giving up on start.</summary>
    public TimeSpan CacheSyncTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
