using System.Text.Json.Nodes;
using Terway.Crds.Yaml;

namespace Terway.Crds.Tests.Support;

/// <summary>One request an RBAC policy is asked about.</summary>
internal sealed record Access(string Verb, string Group, string Resource, string? Namespace = null, string? Name = null)
{
    public override string ToString() =>
        $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource}{(Name is null ? "" : "/" + Name)}{(Namespace is null ? "" : " in " + Namespace)}";
}

/// <summary>
/// A small RBAC authorizer over parsed manifests: ServiceAccounts, (Cluster)Roles and
/// (Cluster)RoleBindings, evaluated the way the API server does (rules union, RoleBindings
/// limited to their namespace, resourceNames never matching unnamed requests such as create).
/// </summary>
internal sealed class RbacPolicy
{
    private RbacPolicy(IReadOnlyList<JsonObject> objects) => Objects = objects;

    public IReadOnlyList<JsonObject> Objects { get; }

    public static RbacPolicy Load(string directory) =>
        From(Directory.GetFiles(directory, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Select(File.ReadAllText));

    public static RbacPolicy From(IEnumerable<string> yamlTexts) =>
        new([.. yamlTexts.SelectMany(YamlJson.ParseAll).Select(n => n.AsObject())]);

    /// <summary>A deep copy with <paramref name="change"/> applied, for negative tests.</summary>
    public RbacPolicy With(Action<IReadOnlyList<JsonObject>> change)
    {
        var copy = Objects.Select(o => o.DeepClone().AsObject()).ToList();
        change(copy);
        return new RbacPolicy(copy);
    }

    public JsonObject Find(string kind, string name) =>
        Objects.Single(o => Kind(o) == kind && Name(o) == name);

    public bool Allows(string serviceAccount, Access access, string serviceAccountNamespace = "kube-system")
    {
        foreach (var binding in Objects.Where(o => Kind(o) is "ClusterRoleBinding" or "RoleBinding"))
        {
            var bound = binding["subjects"]?.AsArray().Any(s =>
                s?["kind"]?.GetValue<string>() == "ServiceAccount"
                && s["name"]?.GetValue<string>() == serviceAccount
                && s["namespace"]?.GetValue<string>() == serviceAccountNamespace) ?? false;
            if (!bound)
            {
                continue;
            }

            var bindingNamespace = Kind(binding) == "RoleBinding" ? Namespace(binding) : null;
            if (bindingNamespace is not null && bindingNamespace != access.Namespace)
            {
                continue;
            }

            var roleKind = binding["roleRef"]!["kind"]!.GetValue<string>();
            var roleName = binding["roleRef"]!["name"]!.GetValue<string>();
            var role = Objects.FirstOrDefault(o => Kind(o) == roleKind && Name(o) == roleName && (roleKind == "ClusterRole" || Namespace(o) == bindingNamespace));
            if (role?["rules"]?.AsArray().Any(r => RuleAllows(r!.AsObject(), access)) == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Wildcards anywhere in any rule.</summary>
    public List<string> Wildcards()
    {
        var found = new List<string>();
        foreach (var role in Objects.Where(o => Kind(o) is "ClusterRole" or "Role"))
        {
            foreach (var rule in role["rules"]?.AsArray() ?? [])
            {
                foreach (var field in new[] { "verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs" })
                {
                    if (Strings(rule![field]).Any(v => v.Contains('*', StringComparison.Ordinal)))
                    {
                        found.Add($"{Kind(role)} {Name(role)}: '*' in {field}");
                    }
                }
            }

            if (role.ContainsKey("aggregationRule"))
            {
                found.Add($"{Kind(role)} {Name(role)}: aggregationRule grants whatever other roles grant");
            }
        }

        return found;
    }

    /// <summary>Bindings whose role or service accounts do not exist in the manifests.</summary>
    public List<string> DanglingBindings()
    {
        var problems = new List<string>();
        foreach (var binding in Objects.Where(o => Kind(o) is "ClusterRoleBinding" or "RoleBinding"))
        {
            var roleKind = binding["roleRef"]?["kind"]?.GetValue<string>();
            var roleName = binding["roleRef"]?["name"]?.GetValue<string>();
            var bindingNamespace = Namespace(binding);
            var roleExists = Objects.Any(o => Kind(o) == roleKind && Name(o) == roleName
                && (roleKind == "ClusterRole" || (Kind(binding) == "RoleBinding" && Namespace(o) == bindingNamespace)));
            if (!roleExists)
            {
                problems.Add($"{Kind(binding)} {Name(binding)}: {roleKind} {roleName} not found{(roleKind == "Role" ? " in " + bindingNamespace : "")}");
            }

            var subjects = binding["subjects"]?.AsArray() ?? [];
            if (subjects.Count == 0)
            {
                problems.Add($"{Kind(binding)} {Name(binding)}: no subjects");
            }

            foreach (var subject in subjects)
            {
                var kind = subject?["kind"]?.GetValue<string>();
                var name = subject?["name"]?.GetValue<string>();
                var ns = subject?["namespace"]?.GetValue<string>();
                if (kind != "ServiceAccount" || !Objects.Any(o => Kind(o) == "ServiceAccount" && Name(o) == name && Namespace(o) == ns))
                {
                    problems.Add($"{Kind(binding)} {Name(binding)}: subject {kind} {ns}/{name} is not a ServiceAccount defined here");
                }
            }
        }

        return problems;
    }

    public static string? Kind(JsonObject o) => o["kind"]?.GetValue<string>();

    public static string? Name(JsonObject o) => o["metadata"]?["name"]?.GetValue<string>();

    public static string? Namespace(JsonObject o) => o["metadata"]?["namespace"]?.GetValue<string>();

    private static bool RuleAllows(JsonObject rule, Access access)
    {
        var names = Strings(rule["resourceNames"]).ToList();
        return Strings(rule["verbs"]).Any(v => v == "*" || v == access.Verb)
            && Strings(rule["apiGroups"]).Any(g => g == "*" || g == access.Group)
            && Strings(rule["resources"]).Any(r => r == "*" || r == access.Resource)
            && (names.Count == 0 || (access.Name is not null && names.Contains(access.Name)));
    }

    private static IEnumerable<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(v => v!.GetValue<string>()) : [];
}
