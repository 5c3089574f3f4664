using System.Text.Json.Nodes;
using Terway.Crds.Names;
using Terway.Crds.Tests.Support;

namespace Terway.Crds.Tests.Manifests;

[TestFixture]
public sealed class RbacTests
{
    private const string Ns = InstallNames.Namespace;
    private const string Group = "network.alibabacloud.com";
    private static readonly RbacPolicy Policy = RbacPolicy.Load(RepoPaths.Config("rbac"));

    private static readonly string[] WriteVerbs = ["create", "update", "patch", "delete", "deletecollection"];
    private static readonly string[] AllVerbs = ["get", "list", "watch", .. WriteVerbs];

    /// <summary>What the operator's controllers and webhooks do against the API.</summary>
    private static readonly Access[] OperatorNeeds =
    [
        new("get", "", "pods", "default", "p"), new("list", "", "pods"), new("watch", "", "pods"), new("patch", "", "pods", "default", "p"),
        new("get", "", "nodes", null, "n"), new("list", "", "nodes"), new("watch", "", "nodes"), new("patch", "", "nodes", null, "n"),
        new("patch", "", "nodes/status", null, "n"), new("update", "", "nodes/finalizers", null, "n"),
        new("get", "", "namespaces", null, "default"), new("list", "", "namespaces"), new("watch", "", "namespaces"),
        new("create", "", "events", "default"), new("patch", "", "events", "default", "e"),
        new("create", "events.k8s.io", "events", "default"), new("patch", "events.k8s.io", "events", "default", "e"),
        new("get", Group, "podnetworkings", null, "pn"), new("list", Group, "podnetworkings"), new("watch", Group, "podnetworkings"),
        new("update", Group, "podnetworkings/status", null, "pn"), new("patch", Group, "podnetworkings/status", null, "pn"),
        new("get", Group, "podenis", "default", "p"), new("list", Group, "podenis"), new("watch", Group, "podenis"),
        new("create", Group, "podenis", "default"), new("update", Group, "podenis", "default", "p"), new("patch", Group, "podenis", "default", "p"),
        new("delete", Group, "podenis", "default", "p"),
        new("update", Group, "podenis/status", "default", "p"), new("patch", Group, "podenis/status", "default", "p"),
        new("create", Group, "nodes"), new("get", Group, "nodes", null, "n"), new("list", Group, "nodes"), new("watch", Group, "nodes"),
        new("update", Group, "nodes", null, "n"), new("patch", Group, "nodes", null, "n"), new("delete", Group, "nodes", null, "n"),
        new("update", Group, "nodes/status", null, "n"), new("patch", Group, "nodes/status", null, "n"),
        new("get", "apiextensions.k8s.io", "customresourcedefinitions", null, "podenis.network.alibabacloud.com"),
        new("list", "apiextensions.k8s.io", "customresourcedefinitions"), new("watch", "apiextensions.k8s.io", "customresourcedefinitions"),
        new("get", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null, InstallNames.WebhookConfiguration),
        new("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null, InstallNames.WebhookConfiguration),
        new("update", "admissionregistration.k8s.io", "validatingwebhookconfigurations", null, InstallNames.WebhookConfiguration),
        new("get", "", "secrets", Ns, InstallNames.WebhookCertSecret), new("update", "", "secrets", Ns, InstallNames.WebhookCertSecret),
        new("patch", "", "secrets", Ns, InstallNames.WebhookCertSecret), new("create", "", "secrets", Ns),
        new("get", "", "configmaps", Ns, InstallNames.EniConfigMap), new("watch", "", "configmaps", Ns, InstallNames.EniConfigMap),
        new("get", "coordination.k8s.io", "leases", Ns, InstallNames.LeaderElectionLease),
        new("create", "coordination.k8s.io", "leases", Ns),
        new("update", "coordination.k8s.io", "leases", Ns, InstallNames.LeaderElectionLease),
    ];

    private static readonly Access[] OperatorMustNot =
    [
        new("list", "", "secrets", Ns), new("watch", "", "secrets", Ns), new("get", "", "secrets", Ns, "other"),
        new("get", "", "secrets", "default", InstallNames.WebhookCertSecret), new("create", "", "secrets", "default"),
        new("update", Group, "podnetworkings", null, "pn"), new("delete", Group, "podnetworkings", null, "pn"),
        new("create", "apiextensions.k8s.io", "customresourcedefinitions"),
        new("patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null, "someone-elses"),
        new("update", "coordination.k8s.io", "leases", Ns, "other-lease"),
        new("get", "", "configmaps", Ns, "other"),
        new("delete", "", "pods", "default", "p"),
    ];

    /// <summary>What the node agent does: CNI lookups, pod-ips patch, PodENI reads, its Node CR spec.</summary>
    private static readonly Access[] AgentNeeds =
    [
        new("get", "", "pods", "default", "p"), new("list", "", "pods"), new("watch", "", "pods"), new("patch", "", "pods", "default", "p"),
        new("get", "", "nodes", null, "n"), new("list", "", "nodes"), new("watch", "", "nodes"),
        new("get", Group, "podenis", "default", "p"), new("list", Group, "podenis"), new("watch", Group, "podenis"),
        new("get", Group, "nodes", null, "n"), new("list", Group, "nodes"), new("watch", Group, "nodes"),
        new("patch", Group, "nodes", null, "n"), new("update", Group, "nodes", null, "n"),
        new("create", "", "events", "default"), new("patch", "", "events", "default", "e"),
        new("create", "events.k8s.io", "events", "default"),
        new("get", "", "configmaps", Ns, InstallNames.EniConfigMap), new("watch", "", "configmaps", Ns),
    ];

    private static readonly Access[] AgentMustNot =
    [
        new("patch", "", "nodes", null, "n"), new("patch", "", "nodes/status", null, "n"),
        new("create", Group, "podenis", "default"), new("patch", Group, "podenis", "default", "p"), new("update", Group, "podenis/status", "default", "p"),
        new("create", Group, "nodes"), new("delete", Group, "nodes", null, "n"), new("patch", Group, "nodes/status", null, "n"),
        new("get", "", "configmaps", "default", "c"),
        new("create", "coordination.k8s.io", "leases", Ns),
        new("delete", "", "pods", "default", "p"),
    ];

    [Test]
    public void Roles_NoWildcardAnywhere() => Assert.That(Policy.Wildcards(), Is.Empty);

    [Test]
    public void Bindings_ReferenceExistingRolesAndServiceAccounts() => Assert.That(Policy.DanglingBindings(), Is.Empty);

    [Test]
    public void Operator_CanDoWhatTheControllersNeed() =>
        Assert.That(Missing(Policy, InstallNames.Operator, OperatorNeeds), Is.Empty);

    [Test]
    public void Operator_CannotGoBeyondIt() =>
        Assert.That(Granted(Policy, InstallNames.Operator, OperatorMustNot), Is.Empty);

    [Test]
    public void Agent_CanDoWhatTheDatapathNeeds() =>
        Assert.That(Missing(Policy, InstallNames.NodeAgent, AgentNeeds), Is.Empty);

    [Test]
    public void Agent_CannotGoBeyondIt() =>
        Assert.That(Granted(Policy, InstallNames.NodeAgent, AgentMustNot), Is.Empty);

    [Test]
    public void Agent_CannotWritePodNetworkings() =>
        Assert.That(AgentPodNetworkingWrites(Policy), Is.Empty);

    [Test]
    public void Agent_CannotTouchSecrets() =>
        Assert.That(AgentSecretAccess(Policy), Is.Empty);

    // Each check above must be able to fail: break the real manifests and watch it report.

    [Test]
    public void Wildcards_InjectedVerb_Reported()
    {
        var broken = Policy.With(o => Rules(o, "ClusterRole", InstallNames.Operator)[0]!["verbs"]!.AsArray().Add("*"));

        Assert.That(broken.Wildcards(), Has.Some.Contains("'*' in verbs"));
    }

    [Test]
    public void Wildcards_InjectedApiGroupAndResource_Reported()
    {
        var broken = Policy.With(o => Rules(o, "ClusterRole", InstallNames.NodeAgent).Add(JsonNode.Parse("""{"apiGroups":["*"],"resources":["*"],"verbs":["get"]}""")));

        Assert.That(broken.Wildcards(), Has.Some.Contains("apiGroups").And.Some.Contains("resources"));
    }

    [Test]
    public void DanglingBindings_RenamedRoleRef_Reported()
    {
        var broken = Policy.With(o => o.Single(x => RbacPolicy.Kind(x) == "RoleBinding" && RbacPolicy.Name(x) == "terway-operator-leader-election")["roleRef"]!["name"] = "missing-role");

        Assert.That(broken.DanglingBindings(), Has.Some.Contains("missing-role"));
    }

    [Test]
    public void DanglingBindings_UnknownServiceAccount_Reported()
    {
        var broken = Policy.With(o => o.Single(x => RbacPolicy.Kind(x) == "ClusterRoleBinding" && RbacPolicy.Name(x) == InstallNames.NodeAgent)["subjects"]![0]!["namespace"] = "default");

        Assert.That(broken.DanglingBindings(), Has.Some.Contains("default/terway-nodeagent"));
    }

    [Test]
    public void Missing_OperatorLosesPodEniCreate_Reported()
    {
        var broken = Policy.With(o =>
        {
            var rule = Rules(o, "ClusterRole", InstallNames.Operator).Single(r => r!["resources"]![0]!.GetValue<string>() == "podenis");
            rule!["verbs"] = new JsonArray("get", "list", "watch", "update", "patch", "delete");
        });

        Assert.That(Missing(broken, InstallNames.Operator, OperatorNeeds), Has.Some.Contains("create network.alibabacloud.com/podenis"));
    }

    [Test]
    public void Granted_OperatorSecretsRuleWithoutNames_Reported()
    {
        var broken = Policy.With(o => Rules(o, "Role", InstallNames.Operator)[0]!.AsObject().Remove("resourceNames"));

        Assert.That(Granted(broken, InstallNames.Operator, OperatorMustNot), Has.Some.Contains("get core/secrets/other"));
    }

    [Test]
    public void AgentPodNetworkingWrites_GrantedPatch_Reported()
    {
        var broken = Policy.With(o => Rules(o, "ClusterRole", InstallNames.NodeAgent).Add(JsonNode.Parse("""{"apiGroups":["network.alibabacloud.com"],"resources":["podnetworkings"],"verbs":["get","patch"]}""")));

        Assert.That(AgentPodNetworkingWrites(broken), Has.Some.Contains("patch network.alibabacloud.com/podnetworkings"));
    }

    [Test]
    public void AgentSecretAccess_GrantedGetInNamespace_Reported()
    {
        var broken = Policy.With(o => Rules(o, "Role", InstallNames.NodeAgent).Add(JsonNode.Parse("""{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}""")));

        Assert.That(AgentSecretAccess(broken), Has.Some.Contains("get core/secrets"));
    }

    [Test]
    public void Allows_RoleBinding_DoesNotReachOtherNamespaces()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Policy.Allows(InstallNames.NodeAgent, new("get", "", "configmaps", Ns, "x")), Is.True);
            Assert.That(Policy.Allows(InstallNames.NodeAgent, new("get", "", "configmaps", "default", "x")), Is.False);
        });
    }

    [Test]
    public void NamedResources_UseTheInstallNameConstants()
    {
        var webhookRule = Rules(Policy.Objects, "ClusterRole", InstallNames.Operator).Single(r => r!["apiGroups"]![0]!.GetValue<string>() == "admissionregistration.k8s.io");
        var leaseRule = Rules(Policy.Objects, "Role", "terway-operator-leader-election")[0];
        var secretRule = Rules(Policy.Objects, "Role", InstallNames.Operator)[0];

        Assert.Multiple(() =>
        {
            Assert.That(webhookRule!["resourceNames"]!.ToJsonString(), Is.EqualTo($"[\"{InstallNames.WebhookConfiguration}\"]"));
            Assert.That(leaseRule!["resourceNames"]!.ToJsonString(), Is.EqualTo($"[\"{InstallNames.LeaderElectionLease}\"]"));
            Assert.That(secretRule!["resourceNames"]!.ToJsonString(), Is.EqualTo($"[\"{InstallNames.WebhookCertSecret}\"]"));
        });
    }

    private static JsonArray Rules(IReadOnlyList<JsonObject> objects, string kind, string name) =>
        objects.Single(o => RbacPolicy.Kind(o) == kind && RbacPolicy.Name(o) == name)["rules"]!.AsArray();

    private static List<string> Missing(RbacPolicy policy, string serviceAccount, IEnumerable<Access> needs) =>
        [.. needs.Where(a => !policy.Allows(serviceAccount, a)).Select(a => a.ToString())];

    private static List<string> Granted(RbacPolicy policy, string serviceAccount, IEnumerable<Access> forbidden) =>
        [.. forbidden.Where(a => policy.Allows(serviceAccount, a)).Select(a => a.ToString())];

    private static List<string> AgentPodNetworkingWrites(RbacPolicy policy) =>
        Granted(policy, InstallNames.NodeAgent,
            from verb in WriteVerbs
            from resource in new[] { "podnetworkings", "podnetworkings/status" }
            from name in new string?[] { null, "test-networking" }
            select new Access(verb, Group, resource, null, name));

    private static List<string> AgentSecretAccess(RbacPolicy policy) =>
        Granted(policy, InstallNames.NodeAgent,
            from verb in AllVerbs
            from ns in new[] { Ns, "default" }
            from name in new string?[] { null, InstallNames.WebhookCertSecret, InstallNames.OperatorCredentialSecret }
            select new Access(verb, "", "secrets", ns, name));
}
