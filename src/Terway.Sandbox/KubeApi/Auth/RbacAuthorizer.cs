using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Selectors;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Auth;

/// <summary>What a request asks to do, as the RBAC authorizer sees it.</summary>
internal sealed record AuthzAttributes(string Verb, bool IsResourceRequest, string ApiGroup, string Resource, string Subresource, string Namespace, string Name, string Path);

/// <summary>One PolicyRule.</summary>
internal sealed record PolicyRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames, IReadOnlyList<string> NonResourceUrls)
{
    public static PolicyRule FromJson(JsonObject r)
    {
        static List<string> L(JsonNode? n) => (n as JsonArray ?? []).Select(x => JsonUtil.AsString(x) ?? "").ToList();
        return new PolicyRule(L(r["verbs"]), L(r["apiGroups"]), L(r["resources"]), L(r["resourceNames"]), L(r["nonResourceURLs"]));
    }

    public JsonObject ToJson(bool nonResource)
    {
        static JsonArray A(IEnumerable<string> s) => new(s.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        var o = new JsonObject { ["verbs"] = A(Verbs) };
        if (nonResource)
        {
            o["nonResourceURLs"] = A(NonResourceUrls);
        }
        else
        {
            o["apiGroups"] = A(ApiGroups);
            o["resources"] = A(Resources);
            if (ResourceNames.Count > 0)
            {
                o["resourceNames"] = A(ResourceNames);
            }
        }

        return o;
    }

    public bool Allows(AuthzAttributes a)
    {
        if (!Verbs.Contains("*") && !Verbs.Contains(a.Verb))
        {
            return false;
        }

        if (!a.IsResourceRequest)
        {
            return NonResourceUrls.Any(u => u == "*" || u == a.Path || (u.EndsWith('*') && a.Path.StartsWith(u[..^1], StringComparison.Ordinal)));
        }

        if (NonResourceUrls.Count > 0 && Resources.Count == 0)
        {
            return false;
        }

        if (!ApiGroups.Contains("*") && !ApiGroups.Contains(a.ApiGroup))
        {
            return false;
        }

        var combined = a.Subresource.Length == 0 ? a.Resource : a.Resource + "/" + a.Subresource;
        var resourceOk = Resources.Any(r => r == "*" || r == combined || (a.Subresource.Length > 0 && r == "*/" + a.Subresource));
        if (!resourceOk)
        {
            return false;
        }

        return ResourceNames.Count == 0 || (a.Name.Length > 0 && ResourceNames.Contains(a.Name));
    }
}

/// <summary>
/// Authorizes requests by the RBAC objects stored in the emulator, with the real server's
/// semantics (system:masters is always allowed; roles, cluster roles incl. aggregation, bindings
/// to users, groups and service accounts).
/// </summary>
internal sealed class RbacAuthorizer
{
    private readonly ObjectStore _store;
    private readonly object _gate = new();
    private long _version = 1;
    private volatile Rules _rules = Rules.Empty;

    public RbacAuthorizer(ObjectStore store)
    {
        _store = store;
        // Synchronously, under the store's lock, before the write returns: a client that creates a RoleBinding and
        // then uses it must be allowed at once.
        store.OnCommit(ev =>
        {
            if (ev.StorageKey.StartsWith("rbac.authorization.k8s.io/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _version);
            }
        });
    }

    /// <summary>Marks the cache stale (RBAC writes do this themselves, synchronously).</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    /// <summary>
    /// The RBAC objects as of the latest RBAC write. Rebuilt as one immutable snapshot and published at once, so a
    /// request never sees half of a rebuild; a request that finds the snapshot older than the latest write waits for
    /// the rebuild instead of using the old rules (concurrent first requests after RBAC writes were denied).
    /// </summary>
    private Rules Current()
    {
        var rules = _rules;
        if (rules.Version == Interlocked.Read(ref _version))
        {
            return rules;
        }

        lock (_gate)
        {
            List<StoredObject> crbs, rbs, crs, rs;
            long version;
            lock (_store.Gate)
            {
                // Commits bump the version under this lock, so the version and the tables read here agree.
                version = Interlocked.Read(ref _version);
                if (_rules.Version == version)
                {
                    return _rules;
                }

                crbs = _store.Table("rbac.authorization.k8s.io/clusterrolebindings").All().ToList();
                rbs = _store.Table("rbac.authorization.k8s.io/rolebindings").All().ToList();
                crs = _store.Table("rbac.authorization.k8s.io/clusterroles").All().ToList();
                rs = _store.Table("rbac.authorization.k8s.io/roles").All().ToList();
            }

            _rules = new Rules(version,
                [.. crbs.Select(b => ("", b.Parse())).Concat(rbs.Select(b => (b.Namespace, b.Parse())))],
                crs.ToDictionary(c => c.Name, c => c.Parse(), StringComparer.Ordinal),
                rs.ToDictionary(r => r.Key, r => r.Parse(), StringComparer.Ordinal));
            return _rules;
        }
    }

    /// <summary>One consistent view of the bindings, cluster roles and roles, as of RBAC write <paramref name="Version"/>.</summary>
    private sealed record Rules(long Version, List<(string Namespace, JsonObject Binding)> Bindings,
        Dictionary<string, JsonObject> ClusterRoles, Dictionary<string, JsonObject> Roles)
    {
        public static readonly Rules Empty = new(0, [], new(StringComparer.Ordinal), new(StringComparer.Ordinal));
    }

    public bool Authorize(UserInfo user, AuthzAttributes a)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return true;
        }

        foreach (var (_, rule) in RulesFor(user, includeAllNamespaces: false, requestNamespaceOnly: a.Namespace))
        {
            if (rule.Allows(a))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The rules that apply to <paramref name="user"/> in <paramref name="ns"/> (cluster-wide ones included).</summary>
    public List<PolicyRule> RulesIn(UserInfo user, string ns)
    {
        if (user.Groups.Contains("system:masters"))
        {
            return [new PolicyRule(["*"], ["*"], ["*"], [], []), new PolicyRule(["*"], [], [], [], ["*"])];
        }

        return RulesFor(user, false, ns).Select(x => x.Rule).ToList();
    }

    private List<(string Namespace, PolicyRule Rule)> RulesFor(UserInfo user, bool includeAllNamespaces, string requestNamespaceOnly)
    {
        // Evaluated under the gate (the one Current rebuilds under): the snapshot's freshly parsed JsonObjects
        // initialize lazily, which is not safe to do from two threads at once.
        lock (_gate)
        {
            return RulesForLocked(user, includeAllNamespaces, requestNamespaceOnly);
        }
    }

    private List<(string Namespace, PolicyRule Rule)> RulesForLocked(UserInfo user, bool includeAllNamespaces, string requestNamespaceOnly)
    {
        var rules = Current();
        var bindings = rules.Bindings;
        var result = new List<(string, PolicyRule)>();
        foreach (var (bindingNs, b) in bindings)
        {
            if (bindingNs.Length > 0 && bindingNs != requestNamespaceOnly && !includeAllNamespaces)
            {
                continue;
            }

            if (!Applies(b, user, bindingNs))
            {
                continue;
            }

            var roleRef = b["roleRef"] as JsonObject;
            var kind = JsonUtil.Str(roleRef, "kind");
            var name = JsonUtil.Str(roleRef, "name") ?? "";
            var granted = kind == "Role" ? RoleRules(rules, bindingNs + "/" + name) : ClusterRoleRules(rules, name);
            result.AddRange(granted.Select(r => (bindingNs, r)));
        }

        return result;
    }

    private static List<PolicyRule> RoleRules(Rules rules, string key) =>
        rules.Roles.TryGetValue(key, out var role) ? (JsonUtil.Arr(role, "rules") ?? []).OfType<JsonObject>().Select(PolicyRule.FromJson).ToList() : [];

    private static List<PolicyRule> ClusterRoleRules(Rules all, string name)
    {
        if (!all.ClusterRoles.TryGetValue(name, out var cr))
        {
            return [];
        }

        var rules = (JsonUtil.Arr(cr, "rules") ?? []).OfType<JsonObject>().Select(PolicyRule.FromJson).ToList();
        if (cr["aggregationRule"]?["clusterRoleSelectors"] is JsonArray selectors)
        {
            foreach (var other in all.ClusterRoles.Values)
            {
                var labels = (JsonUtil.Obj(other["metadata"], "labels") ?? []).ToDictionary(p => p.Key, p => JsonUtil.AsString(p.Value) ?? "", StringComparer.Ordinal);
                if (selectors.OfType<JsonObject>().Any(s => LabelSelector.FromObject(s) is { } sel && !sel.IsEmpty && sel.Matches(labels)))
                {
                    rules.AddRange((JsonUtil.Arr(other, "rules") ?? []).OfType<JsonObject>().Select(PolicyRule.FromJson));
                }
            }
        }

        return rules;
    }

    private static bool Applies(JsonObject binding, UserInfo user, string bindingNs)
    {
        foreach (var s in (JsonUtil.Arr(binding, "subjects") ?? []).OfType<JsonObject>())
        {
            var kind = JsonUtil.Str(s, "kind");
            var name = JsonUtil.Str(s, "name") ?? "";
            switch (kind)
            {
                case "User" when name == user.Name:
                    return true;
                case "Group" when user.Groups.Contains(name):
                    return true;
                case "ServiceAccount":
                    var saNs = JsonUtil.Str(s, "namespace");
                    if (string.IsNullOrEmpty(saNs))
                    {
                        saNs = bindingNs;
                    }

                    if (user.Name == $"system:serviceaccount:{saNs}:{name}")
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>The real server's denial wording.</summary>
    public static string DenyReason(UserInfo user, AuthzAttributes a)
    {
        if (!a.IsResourceRequest)
        {
            return $"User \"{user.Name}\" cannot {a.Verb} path \"{a.Path}\"";
        }

        var resource = a.Subresource.Length == 0 ? a.Resource : a.Resource + "/" + a.Subresource;
        var scope = a.Namespace.Length == 0 ? "at the cluster scope" : $"in the namespace \"{a.Namespace}\"";
        return $"User \"{user.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" {scope}";
    }
}
