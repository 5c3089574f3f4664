using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>The built-in resources the emulator serves, as the real server's discovery lists them.</summary>
internal static class BuiltinKinds
{
    public const string EventsStorageKey = "/events";

    public static void Register(ResourceRegistry r)
    {
        string[] create = ["create"];
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "namespaces", Singular = "namespace", Kind = "Namespace", Namespaced = false,
            ShortNames = ["ns"], HasStatus = true, NameRule = NameRule.DnsLabel, Strategy = new NamespaceStrategy(), ReturnDeletedObject = true,
            Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
            OtherSubresources = new Dictionary<string, string[]> { ["finalize"] = ["update"] },
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "nodes", Singular = "node", Kind = "Node", Namespaced = false,
            ShortNames = ["no"], HasStatus = true, Strategy = new NodeStrategy(),
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "pods", Singular = "pod", Kind = "Pod", Namespaced = true,
            ShortNames = ["po"], Categories = ["all"], HasStatus = true, Strategy = new PodStrategy(), ReturnDeletedObject = true,
            OtherSubresources = new Dictionary<string, string[]> { ["binding"] = create },
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "events", Singular = "event", Kind = "Event", Namespaced = true,
            ShortNames = ["ev"], StorageKeyOverride = EventsStorageKey, AllowCreateOnUpdate = true, Strategy = new CoreEventStrategy(),
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap", Namespaced = true,
            ShortNames = ["cm"], Strategy = new ConfigMapStrategy(),
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true, Strategy = new SecretStrategy(),
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "services", Singular = "service", Kind = "Service", Namespaced = true,
            ShortNames = ["svc"], Categories = ["all"], HasStatus = true, NameRule = NameRule.DnsLabel, Strategy = new ServiceStrategy(),
            Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Plural = "serviceaccounts", Singular = "serviceaccount", Kind = "ServiceAccount", Namespaced = true,
            ShortNames = ["sa"], Strategy = new ServiceAccountStrategy(),
            OtherSubresources = new Dictionary<string, string[]> { ["token"] = create },
        });
        r.Add(new ResourceType
        {
            Group = "apps", Version = "v1", Plural = "deployments", Singular = "deployment", Kind = "Deployment", Namespaced = true,
            ShortNames = ["deploy"], Categories = ["all"], HasStatus = true, Strategy = new WorkloadStrategy(WorkloadKind.Deployment),
        });
        r.Add(new ResourceType
        {
            Group = "apps", Version = "v1", Plural = "statefulsets", Singular = "statefulset", Kind = "StatefulSet", Namespaced = true,
            ShortNames = ["sts"], Categories = ["all"], HasStatus = true, Strategy = new WorkloadStrategy(WorkloadKind.StatefulSet),
        });
        r.Add(new ResourceType
        {
            Group = "apps", Version = "v1", Plural = "replicasets", Singular = "replicaset", Kind = "ReplicaSet", Namespaced = true,
            ShortNames = ["rs"], Categories = ["all"], HasStatus = true, Strategy = new WorkloadStrategy(WorkloadKind.ReplicaSet),
        });
        r.Add(new ResourceType
        {
            Group = "events.k8s.io", Version = "v1", Plural = "events", Singular = "event", Kind = "Event", Namespaced = true,
            ShortNames = ["ev"], StorageKeyOverride = EventsStorageKey, AllowCreateOnUpdate = true, Strategy = new EventsV1Strategy(),
        });
        r.Add(new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Singular = "lease", Kind = "Lease", Namespaced = true,
            AllowCreateOnUpdate = true, Strategy = new LeaseStrategy(),
        });
        foreach (var (plural, kind, cluster) in new[] { ("roles", "Role", false), ("rolebindings", "RoleBinding", false), ("clusterroles", "ClusterRole", true), ("clusterrolebindings", "ClusterRoleBinding", true) })
        {
            r.Add(new ResourceType
            {
                Group = "rbac.authorization.k8s.io", Version = "v1", Plural = plural, Singular = kind.ToLowerInvariant(), Kind = kind, Namespaced = !cluster,
                NameRule = NameRule.PathSegment, AllowCreateOnUpdate = true,
                Strategy = kind.EndsWith("Binding", StringComparison.Ordinal) ? new BindingStrategy(cluster) : new RoleStrategy(cluster),
            });
        }

        foreach (var (plural, kind, mutating) in new[] { ("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", true), ("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false) })
        {
            r.Add(new ResourceType
            {
                Group = "admissionregistration.k8s.io", Version = "v1", Plural = plural, Singular = kind.ToLowerInvariant(), Kind = kind, Namespaced = false,
                Categories = ["api-extensions"], Strategy = new WebhookConfigStrategy(mutating),
            });
        }

        r.Add(new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Plural = "customresourcedefinitions", Singular = "customresourcedefinition",
            Kind = "CustomResourceDefinition", Namespaced = false, ShortNames = ["crd", "crds"], Categories = ["api-extensions"],
            HasStatus = true, AllowUnconditionalUpdate = false, Strategy = new CrdStrategy(),
        });
        foreach (var (group, plural, kind, ns) in new[]
                 {
                     ("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
                     ("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
                     ("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", false),
                     ("authentication.k8s.io", "tokenreviews", "TokenReview", false),
                     ("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview", false),
                 })
        {
            r.Add(new ResourceType
            {
                Group = group, Version = "v1", Plural = plural, Singular = kind.ToLowerInvariant(), Kind = kind, Namespaced = ns,
                Verbs = create, IsVirtual = true,
            });
        }
    }
}
