using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class AuthTests : EmulatorFixture
{
    [Test]
    public async Task NoToken_Unauthorized401()
    {
        using var anon = CreateHttpClient(null);
        var r = await SendAsync(anon, HttpMethod.Get, "/api/v1/namespaces");
        AssertStatus(r, 401, "Unauthorized", "Unauthorized");
    }

    [Test]
    public async Task UnknownToken_Unauthorized401()
    {
        using var bad = CreateHttpClient("not-a-token");
        AssertStatus(await SendAsync(bad, HttpMethod.Get, "/version"), 401, "Unauthorized");
    }

    [Test]
    public async Task ServiceAccountToken_WithoutRbac_Forbidden403WithRealMessage()
    {
        var ns = await NewNamespaceAsync("auth");
        await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"sa"}}""");
        using var sa = CreateHttpClient(Emulator.IssueServiceAccountToken(ns, "sa"));
        var r = await SendAsync(sa, HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/x");
        AssertStatus(r, 403, "Forbidden", $"pods \"x\" is forbidden: User \"system:serviceaccount:{ns}:sa\" cannot get resource \"pods\" in API group \"\" in the namespace \"{ns}\"");
        var nodes = await SendAsync(sa, HttpMethod.Get, "/api/v1/nodes");
        AssertStatus(nodes, 403, "Forbidden", $"nodes is forbidden: User \"system:serviceaccount:{ns}:sa\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
        Assert.That((await SendAsync(sa, HttpMethod.Get, "/apis")).Status, Is.EqualTo(HttpStatusCode.OK), "discovery is open to authenticated users");
    }

    [Test]
    public async Task RoleBinding_GrantsOnlyWhatTheRoleSays()
    {
        var ns = await NewNamespaceAsync("auth");
        await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"op"}}""");
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """
            {"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list","watch","create"]},
              {"apiGroups":[""],"resources":["pods/status"],"verbs":["patch"]},{"apiGroups":["coordination.k8s.io"],"resources":["leases"],"resourceNames":["leader"],"verbs":["get","update"]}]}
            """);
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
            {"metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"op","namespace":"{{{ns}}}"}]}
            """);
        using var http = CreateHttpClient(Emulator.IssueServiceAccountToken(ns, "op"));
        Assert.That((await SendAsync(http, HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"c"}}""")).Status, Is.EqualTo(HttpStatusCode.Created));
        AssertStatus(await SendAsync(http, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/c"), 403, "Forbidden");
        AssertStatus(await SendAsync(http, HttpMethod.Get, $"/api/v1/namespaces/default/configmaps"), 403, "Forbidden");
        var sub = await SendAsync(http, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p", "{}", "application/merge-patch+json");
        AssertStatus(sub, 403, "Forbidden");
        var statusPatch = await SendAsync(http, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p/status", "{}", "application/merge-patch+json");
        AssertStatus(statusPatch, 404, "NotFound", "pods \"p\" not found");
        AssertStatus(await SendAsync(http, HttpMethod.Get, $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/other"), 403, "Forbidden");
        AssertStatus(await SendAsync(http, HttpMethod.Get, $"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/leader"), 404, "NotFound");
    }

    [Test]
    public async Task RoleBinding_JustWritten_ConcurrentRequestsAreAllAllowed()
    {
        // A request racing the cache rebuild after an RBAC write used the previous bindings (the dirty flag was
        // cleared before the rebuild finished) and was denied although the new binding allows it.
        var denied = new List<string>();
        for (var round = 0; round < 15; round++)
        {
            var ns = await NewNamespaceAsync("race");
            await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"op"}}""");
            await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["secrets"],"resourceNames":["cert"],"verbs":["get"]}]}""");
            await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""
                {"metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"op","namespace":"{{{ns}}}"}]}
                """);
            using var http = CreateHttpClient(Emulator.IssueServiceAccountToken(ns, "op"));
            var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(() => SendAsync(http, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/cert"))));
            denied.AddRange(answers.Where(a => a.Status != HttpStatusCode.NotFound).Select(a => $"{ns}: {(int)a.Status}"));
        }

        Assert.That(denied, Is.Empty, "every request is allowed by the binding written before it (the secret does not exist: 404)");
    }

    [Test]
    public async Task ClusterRoleBinding_ToGroup_GrantsClusterWide()
    {
        await PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles", """{"metadata":{"name":"node-reader"},"rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["list"]},{"nonResourceURLs":["/metrics"],"verbs":["get"]}]}""");
        await PostAsync("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", """{"metadata":{"name":"node-reader"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"node-reader"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"readers"}]}""");
        using var http = CreateHttpClient(Emulator.IssueUserToken("alice", "readers"));
        Assert.That((await SendAsync(http, HttpMethod.Get, "/api/v1/nodes")).Status, Is.EqualTo(HttpStatusCode.OK));
        using var other = CreateHttpClient(Emulator.IssueUserToken("bob"));
        AssertStatus(await SendAsync(other, HttpMethod.Get, "/api/v1/nodes"), 403, "Forbidden");
        AssertStatus(await SendAsync(other, HttpMethod.Get, "/metrics"), 403, "Forbidden", "forbidden: User \"bob\" cannot get path \"/metrics\"");
    }

    [Test]
    public async Task ServiceAccountToken_StopsWorkingWhenServiceAccountDeleted()
    {
        var ns = await NewNamespaceAsync("auth");
        await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"tmp"}}""");
        using var http = CreateHttpClient(Emulator.IssueServiceAccountToken(ns, "tmp"));
        Assert.That((await SendAsync(http, HttpMethod.Get, "/version")).Status, Is.EqualTo(HttpStatusCode.OK));
        await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/serviceaccounts/tmp");
        AssertStatus(await SendAsync(http, HttpMethod.Get, "/version"), 401, "Unauthorized");
    }

    [Test]
    public async Task TokenRequest_IssuesWorkingToken()
    {
        var ns = await NewNamespaceAsync("auth");
        await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"tr"}}""");
        var tr = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600 } }, "tr", ns);
        Assert.That(tr.Status.Token, Is.Not.Empty);
        using var sa = new Kubernetes(Emulator.CreateClientConfiguration(tr.Status.Token));
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => sa.CoreV1.ListNamespacedPodAsync(ns));
        Assert.That(ex!.Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var review = await sa.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "list", Resource = "pods", NamespaceProperty = ns } },
        });
        Assert.That(review.Status.Allowed, Is.False);
    }

    [Test]
    public async Task SelfSubjectRulesReview_ListsBoundRules()
    {
        var ns = await NewNamespaceAsync("auth");
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}]}""");
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", """{"metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"carol"}]}""");
        using var http = CreateHttpClient(Emulator.IssueUserToken("carol"));
        var r = await SendAsync(http, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", $$$"""{"spec":{"namespace":"{{{ns}}}"}}""");
        Assert.That(r.Json["status"]!["resourceRules"]!.AsArray().Any(x => x!["resources"]!.AsArray().Any(y => (string?)y == "secrets")), Is.True, r.Text);
    }

    [Test]
    public async Task Rbac_InvalidRole_Rejected()
    {
        var r = await PostAsync("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", """{"metadata":{"name":"bad"},"rules":[{"apiGroups":[""],"resources":["pods"]}]}""");
        AssertStatus(r, 422, "Invalid", "Role.rbac.authorization.k8s.io \"bad\" is invalid: rules[0].verbs: Required value: verbs must contain at least one value");
    }

    [Test]
    public async Task Impersonation_RequiresPermission()
    {
        using var bob = CreateHttpClient(Emulator.IssueUserToken("bob"));
        using var req = new HttpRequestMessage(HttpMethod.Get, "/version");
        req.Headers.Add("Impersonate-User", "admin");
        using var resp = await bob.SendAsync(req);
        Assert.That(resp.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
