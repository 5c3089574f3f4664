using Terway.Crds.Names;
using Terway.Crds.V1Beta1;

namespace Terway.Operator.Configuration;

/// <summary>
/// The operator's configuration: Terway's controlplane keys (<c>ctrl-config.yaml</c>) plus the operator's
/// own additions (default vSwitches and security groups, garbage collection, cloud endpoints). Load it from a
/// file with <see cref="OperatorConfigLoader"/>, or build it in code (tests, the sandbox) and call
/// <see cref="Validate"/>.
/// </summary>
public sealed class OperatorOptions
{
    /// <summary><c>controllerNamespace</c>: where the leader lease lives.</summary>
    public string ControllerNamespace { get; set; } = InstallNames.Namespace;

    /// <summary><c>controllerName</c>: the leader lease's name (Terway uses its controller name).</summary>
    public string ControllerName { get; set; } = InstallNames.LeaderElectionLease;

    /// <summary><c>leaderElection</c>: run the controllers on the lease holder only.</summary>
    public bool LeaderElection { get; set; } = true;

    /// <summary><c>leaseDuration</c>.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>renewDeadline</c>.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>retryPeriod</c>.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>healthzBindAddress</c> (<c>host:port</c>): <c>/healthz</c>, <c>/readyz</c>; empty or <c>0</c> disables.</summary>
    public string HealthzBindAddress { get; set; } = "0.0.0.0:" + InstallNames.OperatorHealthPort;

    /// <summary><c>metricsBindAddress</c> (<c>host:port</c>): <c>/metrics</c>; <c>0</c> disables metrics, as in Terway.</summary>
    public string MetricsBindAddress { get; set; } = "0.0.0.0:" + InstallNames.OperatorMetricsPort;

    /// <summary><c>webhookPort</c>: HTTPS port of the admission webhooks (0 picks a free port: tests and the sandbox).</summary>
    public int WebhookPort { get; set; } = InstallNames.WebhookPort;

    /// <summary><c>webhookBindAddress</c> (operator key): IP the webhooks listen on; all IPv4 interfaces by default, as Terway.</summary>
    public string WebhookBindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// <c>webhookExtraSANs</c> (operator key): extra DNS names or IPs for the webhook serving certificate, for an
    /// API server that calls the webhooks by URL rather than through the Service (e.g. <c>127.0.0.1</c>).
    /// </summary>
    public List<string> WebhookExtraSans { get; set; } = [];

    /// <summary><c>disableWebhook</c>: do not serve the admission webhooks (Terway's key).</summary>
    public bool DisableWebhook { get; set; }

    /// <summary><c>certDir</c>: accepted for compatibility; the webhooks keep their certificate in the Secret and in memory.</summary>
    public string CertDir { get; set; } = "/var/run/webhook-cert";

    /// <summary><c>clusterDomain</c>.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary><c>regionID</c> (required).</summary>
    public string RegionId { get; set; } = "";

    /// <summary><c>clusterID</c> (required): the value of the ENI tag <c>ack.aliyun.com</c>.</summary>
    public string ClusterId { get; set; } = "";

    /// <summary><c>vpcID</c> (required): the cluster's VPC; vSwitches outside it are refused.</summary>
    public string VpcId { get; set; } = "";

    /// <summary><c>ipStack</c>: <c>ipv4</c>, <c>dual</c> or <c>ipv6</c>; <c>dual</c> also gives every pod ENI one IPv6 address.</summary>
    public string IpStack { get; set; } = "ipv4";

    /// <summary><c>enableTrunk</c>: trunk ENIs on nodes whose instance type supports them (Terway: unset means true).</summary>
    public bool EnableTrunk { get; set; } = true;

    /// <summary><c>enableWebhookInjectResource</c>: the webhook adds <c>aliyun/member-eni</c> requests to pods.</summary>
    public bool EnableWebhookInjectResource { get; set; } = true;

    /// <summary><c>controllers</c>: which controllers run (<c>name</c>, <c>-name</c>, <c>*</c>), as Terway reads it.</summary>
    public IList<string> Controllers { get; set; } = [];

    /// <summary><c>podENIMaxConcurrent</c>: workers of the PodENI controller (the merged pod, pod-eni and eni controllers).</summary>
    public int PodEniMaxConcurrent { get; set; } = 10;

    /// <summary><c>podMaxConcurrent</c>: accepted for compatibility; the pod controller is merged into the PodENI controller, which uses the larger of the two.</summary>
    public int PodMaxConcurrent { get; set; } = 10;

    /// <summary><c>nodeMaxConcurrent</c>: workers of the node controller.</summary>
    public int NodeMaxConcurrent { get; set; } = 10;

    /// <summary><c>vSwitchCacheTTL</c>: how long a vSwitch's zone, CIDR and free-IP count are reused, and how long a vSwitch that ran out of addresses is skipped.</summary>
    public TimeSpan VSwitchCacheTtl { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary><c>customStatefulWorkloadKinds</c>: owner kinds whose pods keep fixed names (besides StatefulSet).</summary>
    public IList<string> CustomStatefulWorkloadKinds { get; set; } = [];

    /// <summary><c>rateLimit</c>: per-API calls per minute overriding Terway's defaults.</summary>
    public IDictionary<string, int> RateLimit { get; set; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary><c>backoffOverride</c>: Terway's named backoffs (<c>wait_member_eni_status</c>, <c>wait_eni_status</c>, ...).</summary>
    public IDictionary<string, BackoffSpec> BackoffOverride { get; set; } = new Dictionary<string, BackoffSpec>(StringComparer.Ordinal);

    /// <summary><c>vSwitches</c>: default vSwitches per zone (eni-config's <c>vswitches</c>) for trunk ENIs and for pods that ask for an ENI without naming a network.</summary>
    public IDictionary<string, IList<string>> VSwitches { get; set; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    /// <summary><c>securityGroupIDs</c>: default security groups (eni-config's <c>security_groups</c>).</summary>
    public IList<string> SecurityGroupIds { get; set; } = [];

    /// <summary><c>vSwitchSelectionPolicy</c>: how a default vSwitch is picked (<c>ordered</c>, <c>random</c>, <c>most</c>).</summary>
    public string VSwitchSelectionPolicy { get; set; } = VSwitchSelectionPolicies.Most;

    /// <summary><c>resourceGroupID</c>: resource group of the ENIs the operator creates (optional).</summary>
    public string? ResourceGroupId { get; set; }

    /// <summary><c>gcPeriod</c>: how often leaked ENIs are looked for (Terway: 10 min).</summary>
    public TimeSpan GcPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>gcMinAge</c>: an ENI younger than this is never collected (Terway: 10 min).</summary>
    public TimeSpan GcMinAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>gcMaxPerSweep</c>: at most this many detach/delete calls per sweep.</summary>
    public int GcMaxPerSweep { get; set; } = 25;

    /// <summary><c>podLastSeenRefreshPeriod</c>: how often a fixed-IP PodENI's <c>podLastSeen</c> is refreshed while its pod exists (Terway: 1 min).</summary>
    public TimeSpan PodLastSeenRefreshPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>cloud</c>: endpoint and credential settings for the Alibaba Cloud client.</summary>
    public CloudSettings Cloud { get; set; } = new();

    /// <summary>Keys of the file that the operator does not use (reported as warnings by the loader).</summary>
    public IList<string> IgnoredKeys { get; } = [];

    /// <summary>The backoff named <paramref name="name"/>: the override if configured, else Terway's default.</summary>
    public BackoffSpec Backoff(string name) =>
        BackoffOverride.TryGetValue(name, out var spec) ? spec : BackoffSpec.Default(name);

    /// <summary>Whether the controller <paramref name="name"/> runs, by Terway's rules for <see cref="Controllers"/>.</summary>
    public bool IsControllerEnabled(string name) => ControllerSelection.IsEnabled(Controllers, name);

    /// <summary>Checks the options; throws <see cref="OperatorConfigException"/> listing every problem.</summary>
    public void Validate()
    {
        var errors = OperatorConfigValidator.Validate(this);
        if (errors.Count > 0)
        {
            throw new OperatorConfigException(errors);
        }
    }
}

/// <summary>Cloud client settings (the operator's <c>cloud</c> block).</summary>
public sealed class CloudSettings
{
    /// <summary><c>ecsEndpoint</c>: explicit ECS endpoint URI (e.g. the region simulator); else the client's rules.</summary>
    public Uri? EcsEndpoint { get; set; }

    /// <summary><c>vpcEndpoint</c>: explicit VPC endpoint URI.</summary>
    public Uri? VpcEndpoint { get; set; }

    /// <summary><c>endpointType</c>: <c>vpc</c> (default, <c>ecs-vpc.&lt;region&gt;</c>) or <c>public</c>.</summary>
    public string EndpointType { get; set; } = "vpc";

    /// <summary><c>credentialPath</c>: a credentials file (JSON or INI) read by the credentials chain.</summary>
    public string? CredentialPath { get; set; }

    /// <summary><c>ramRoleName</c>: the ECS RAM role to use when credentials come from instance metadata.</summary>
    public string? RamRoleName { get; set; }

    /// <summary><c>attemptTimeout</c>: per HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary><c>callTimeout</c>: per call including retries.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// One of Terway's named backoffs: wait <see cref="InitialDelay"/>, then <see cref="Duration"/> growing by
/// <see cref="Factor"/> per step (with ±<see cref="Jitter"/>), capped at <see cref="Cap"/>; after
/// <see cref="Steps"/> steps the last delay repeats (the operator never gives up, it only stops growing).
/// </summary>
/// <param name="InitialDelay">Wait before the first check.</param>
/// <param name="Duration">The first step.</param>
/// <param name="Factor">Growth per step.</param>
/// <param name="Jitter">Relative jitter (0.5 = up to +50 %).</param>
/// <param name="Steps">Steps that grow.</param>
/// <param name="Cap">Largest delay.</param>
public sealed record BackoffSpec(TimeSpan InitialDelay, TimeSpan Duration, double Factor, double Jitter, int Steps, TimeSpan Cap)
{
    /// <summary>Terway's name for attach/detach waits of ordinary ENIs.</summary>
    public const string WaitEniStatus = "wait_eni_status";

    /// <summary>Terway's name for attach/detach waits of trunk member ENIs.</summary>
    public const string WaitMemberEniStatus = "wait_member_eni_status";

    /// <summary>Waits for a deleted ENI to disappear (Terway: <c>eni_delete_confirm</c>).</summary>
    public const string EniDeleteConfirm = "eni_delete_confirm";

    /// <summary>Retries of ENI release after a failure (Terway: <c>eni_release</c>).</summary>
    public const string EniRelease = "eni_release";

    /// <summary>Delay of step <paramref name="attempt"/> (0 = the initial delay), without jitter.</summary>
    public TimeSpan DelayFor(int attempt)
    {
        if (attempt <= 0)
        {
            return InitialDelay;
        }

        var step = Math.Min(attempt - 1, Math.Max(0, Steps - 1));
        var ticks = Duration.Ticks * Math.Pow(Math.Max(1.0, Factor), step);
        var capped = Math.Min(ticks, Cap.Ticks);
        return TimeSpan.FromTicks((long)capped);
    }

    /// <summary>Terway's default for <paramref name="name"/> (<c>pkg/backoff/backoff.go</c>), or its generic default.</summary>
    public static BackoffSpec Default(string name) => name switch
    {
        WaitEniStatus => new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 1.5, 0.5, 8, TimeSpan.FromSeconds(60)),
        WaitMemberEniStatus => new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 1.5, 0.5, 8, TimeSpan.FromSeconds(30)),
        EniDeleteConfirm => new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 1.5, 0, 4, TimeSpan.FromSeconds(4)),
        EniRelease => new(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4), 2, 0, 8, TimeSpan.FromMinutes(5)),
        _ => new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), 1.5, 0, 6, TimeSpan.FromMinutes(1)),
    };
}
