using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;

namespace Terway.Sandbox.KubeApi.Controllers;

/// <summary>What a fresh cluster contains: the system namespaces and the bootstrap RBAC policy.</summary>
internal static class Bootstrap
{
    public static async Task SeedAsync(ResourceOperations ops, TimeProvider time, CancellationToken ct)
    {
        var ctx = new OpContext { User = UserInfo.System, Now = time.GetUtcNow(), FieldValidation = "Strict" };
        var ns = ops.Registry.Find("", "v1", "namespaces")!;
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            await CreateAsync(ops, ns, "", "{\"metadata\":{\"name\":\"" + name + "\"}}", ctx, ct).ConfigureAwait(false);
        }

        var cr = ops.Registry.Find("rbac.authorization.k8s.io", "v1", "clusterroles")!;
        var crb = ops.Registry.Find("rbac.authorization.k8s.io", "v1", "clusterrolebindings")!;
        const string Labels = """
            "labels":{"kubernetes.io/bootstrapping":"rbac-defaults"},"annotations":{"rbac.authorization.kubernetes.io/autoupdate":"true"}
            """;
        await CreateAsync(ops, cr, "", """{"metadata":{"name":"cluster-admin",@L},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["*"],"verbs":["*"]}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, cr, "", """{"metadata":{"name":"system:discovery",@L},"rules":[{"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/livez","/openapi","/openapi/*","/readyz","/version","/version/"],"verbs":["get"]}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, cr, "", """{"metadata":{"name":"system:basic-user",@L},"rules":[{"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"],"verbs":["create"]},{"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"],"verbs":["create"]}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, cr, "", """{"metadata":{"name":"system:public-info-viewer",@L},"rules":[{"nonResourceURLs":["/healthz","/livez","/readyz","/version","/version/"],"verbs":["get"]}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, cr, "", """{"metadata":{"name":"view",@L},"rules":[{"apiGroups":["","apps","coordination.k8s.io","events.k8s.io"],"resources":["pods","pods/status","nodes","namespaces","configmaps","serviceaccounts","events","leases","deployments","statefulsets"],"verbs":["get","list","watch"]}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, crb, "", """{"metadata":{"name":"cluster-admin",@L},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:masters"}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, crb, "", """{"metadata":{"name":"system:discovery",@L},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:discovery"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:authenticated"}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, crb, "", """{"metadata":{"name":"system:basic-user",@L},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:basic-user"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:authenticated"}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
        await CreateAsync(ops, crb, "", """{"metadata":{"name":"system:public-info-viewer",@L},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:public-info-viewer"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:authenticated"},{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:unauthenticated"}]}""".Replace("@L", Labels, StringComparison.Ordinal), ctx, ct).ConfigureAwait(false);
    }

    private static async Task CreateAsync(ResourceOperations ops, ResourceType rt, string ns, string json, OpContext ctx, CancellationToken ct)
    {
        try
        {
            await ops.CreateAsync(rt, ns, (JsonObject)JsonNode.Parse(json)!, ctx, ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code == 409)
        {
            // Already present (state kept across a restart).
        }
    }
}
