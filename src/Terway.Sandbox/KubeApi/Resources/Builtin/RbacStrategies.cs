using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>Roles and ClusterRoles: policy rule validation.</summary>
internal sealed class RoleStrategy(bool clusterScoped) : KindStrategy
{
    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var rules = JsonUtil.Arr(obj, "rules") ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            ValidateRule(rules[i] as JsonObject ?? new JsonObject(), !clusterScoped, $"rules[{i}]", errs);
        }
    }

    internal static void ValidateRule(JsonObject rule, bool namespaced, string path, List<FieldError> errs)
    {
        int Count(string f) => (JsonUtil.Arr(rule, f) ?? []).Count;
        if (Count("verbs") == 0)
        {
            errs.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
        }

        if (Count("nonResourceURLs") > 0)
        {
            if (namespaced)
            {
                errs.Add(FieldError.Invalid(path + ".nonResourceURLs", rule["nonResourceURLs"], "namespaced rules cannot apply to non-resource URLs"));
            }

            if (Count("apiGroups") > 0 || Count("resources") > 0 || Count("resourceNames") > 0)
            {
                errs.Add(FieldError.Invalid(path + ".nonResourceURLs", rule["nonResourceURLs"], "rules cannot apply to both regular resources and non-resource URLs"));
            }

            return;
        }

        if (Count("apiGroups") == 0)
        {
            errs.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
        }

        if (Count("resources") == 0)
        {
            errs.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
        }
    }

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Created At", "date", TableConverter.CreationDescription)],
        (o, _) => [JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o["metadata"], "creationTimestamp")]);
}

/// <summary>RoleBindings and ClusterRoleBindings: roleRef and subject validation; roleRef is immutable.</summary>
internal sealed class BindingStrategy(bool clusterScoped) : KindStrategy
{
    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var roleRef = obj["roleRef"] as JsonObject ?? new JsonObject();
        var apiGroup = JsonUtil.Str(roleRef, "apiGroup") ?? "";
        if (apiGroup != "rbac.authorization.k8s.io")
        {
            errs.Add(FieldError.NotSupported("roleRef.apiGroup", apiGroup, ["\"rbac.authorization.k8s.io\""]));
        }

        var kind = JsonUtil.Str(roleRef, "kind") ?? "";
        if (clusterScoped ? kind != "ClusterRole" : kind is not ("Role" or "ClusterRole"))
        {
            errs.Add(FieldError.NotSupported("roleRef.kind", kind, clusterScoped ? ["\"ClusterRole\""] : ["\"Role\"", "\"ClusterRole\""]));
        }

        var name = JsonUtil.Str(roleRef, "name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required("roleRef.name"));
        }

        var subjects = JsonUtil.Arr(obj, "subjects") ?? [];
        for (var i = 0; i < subjects.Count; i++)
        {
            var s = subjects[i] as JsonObject ?? new JsonObject();
            var path = $"subjects[{i}]";
            var sk = JsonUtil.Str(s, "kind") ?? "";
            var sn = JsonUtil.Str(s, "name") ?? "";
            if (sn.Length == 0)
            {
                errs.Add(FieldError.Required(path + ".name"));
            }

            switch (sk)
            {
                case "ServiceAccount":
                    if (!string.IsNullOrEmpty(JsonUtil.Str(s, "apiGroup")))
                    {
                        errs.Add(FieldError.NotSupported(path + ".apiGroup", JsonUtil.Str(s, "apiGroup"), ["\"\""]));
                    }

                    if (clusterScoped && string.IsNullOrEmpty(JsonUtil.Str(s, "namespace")))
                    {
                        errs.Add(FieldError.Required(path + ".namespace"));
                    }

                    break;
                case "User" or "Group":
                    if (JsonUtil.Str(s, "apiGroup") != "rbac.authorization.k8s.io")
                    {
                        errs.Add(FieldError.NotSupported(path + ".apiGroup", JsonUtil.Str(s, "apiGroup") ?? "", ["\"rbac.authorization.k8s.io\""]));
                    }

                    break;
                default:
                    errs.Add(FieldError.NotSupported(path + ".kind", sk, ["\"ServiceAccount\"", "\"User\"", "\"Group\""]));
                    break;
            }
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        if (!JsonUtil.DeepEquals(obj["roleRef"], old["roleRef"]))
        {
            errs.Add(FieldError.Invalid("roleRef", obj["roleRef"], "cannot change roleRef"));
        }
    }

    public override TableLayout Table { get; } = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Role", "string", "Role bound by this binding"),
            TableConverter.AgeColumn,
            new TableColumn("Users", "string", "Users in the binding", 1),
            new TableColumn("Groups", "string", "Groups in the binding", 1),
            new TableColumn("ServiceAccounts", "string", "ServiceAccounts in the binding", 1),
        ],
        (o, now) =>
        {
            var subjects = (JsonUtil.Arr(o, "subjects") ?? []).OfType<JsonObject>().ToList();
            string Of(string kind) => string.Join(", ", subjects.Where(s => JsonUtil.Str(s, "kind") == kind)
                .Select(s => kind == "ServiceAccount" ? JsonUtil.Str(s, "namespace") + "/" + JsonUtil.Str(s, "name") : JsonUtil.Str(s, "name")));
            return
            [
                JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o["roleRef"], "kind") + "/" + JsonUtil.Str(o["roleRef"], "name"),
                TableConverter.Age(o, now), Of("User"), Of("Group"), Of("ServiceAccount"),
            ];
        });
}
