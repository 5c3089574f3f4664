using System.Net;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.Tests.KubeApi;

[TestFixture]
public sealed class PatchTests : EmulatorFixture
{
    private async Task<string> PodAsync(string ns, string name = "p")
    {
        var r = await PostAsync($"/api/v1/namespaces/{ns}/pods", SemanticsTests.Pod(name));
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.Created), r.Text);
        return name;
    }

    [Test]
    public async Task JsonPatch_TestOpFails_Invalid422()
    {
        var ns = await NewNamespaceAsync();
        await PodAsync(ns);
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """[{"op":"test","path":"/spec/containers/0/image","value":"other"},{"op":"replace","path":"/spec/containers/0/image","value":"x"}]""", "application/json-patch+json");
        AssertStatus(r, 422, "Invalid");
        Assert.That(r.Text, Does.Contain("testing value /spec/containers/0/image failed"));
    }

    [Test]
    public async Task JsonPatch_AddAndReplace_Applies()
    {
        var ns = await NewNamespaceAsync();
        await PodAsync(ns);
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p",
            """[{"op":"test","path":"/spec/containers/0/image","value":"nginx:1"},{"op":"add","path":"/metadata/labels","value":{"a":"b"}},{"op":"replace","path":"/spec/containers/0/image","value":"nginx:2"}]""", "application/json-patch+json");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
        Assert.That((string?)r.Json["spec"]!["containers"]![0]!["image"], Is.EqualTo("nginx:2"));
        Assert.That((string?)r.Json["metadata"]!["labels"]!["a"], Is.EqualTo("b"));
    }

    [Test]
    public async Task MergePatch_NullRemovesKey()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"m","labels":{"a":"1","b":"2"}},"data":{"x":"1"}}""");
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/m", """{"metadata":{"labels":{"a":null}},"data":{"y":"2"}}""", "application/merge-patch+json");
        Assert.That(r.Json["metadata"]!["labels"]!["a"], Is.Null);
        Assert.That((string?)r.Json["data"]!["x"], Is.EqualTo("1"));
        Assert.That((string?)r.Json["data"]!["y"], Is.EqualTo("2"));
    }

    [Test]
    public async Task MergePatch_WithStaleResourceVersion_Conflict()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"m"},"data":{"x":"1"}}""");
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/m", """{"metadata":{"resourceVersion":"1"},"data":{"y":"2"}}""", "application/merge-patch+json");
        AssertStatus(r, 409, "Conflict");
    }

    [Test]
    public async Task StrategicMergePatch_ContainersAndEnvMergeByName()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", SemanticsTests.Deployment("d"));
        const string Path = "/apis/apps/v1/namespaces/{0}/deployments/d";
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, Path, ns);
        await SendAsync(HttpMethod.Patch, url, """{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"}]}]}}}}""", "application/strategic-merge-patch+json");
        var r = await SendAsync(HttpMethod.Patch, url, """{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:3","env":[{"name":"B","value":"2"}]}]}}}}""", "application/strategic-merge-patch+json");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
        var containers = r.Json["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(containers, Has.Count.EqualTo(1));
            Assert.That((string?)containers[0]!["image"], Is.EqualTo("nginx:3"));
            Assert.That(containers[0]!["env"]!.AsArray().Select(e => (string?)e!["name"]), Is.EqualTo(new[] { "A", "B" }));
            Assert.That((long?)r.Json["metadata"]!["generation"], Is.EqualTo(3));
        });
    }

    [Test]
    public async Task StrategicMergePatch_PodImage_Allowed()
    {
        var ns = await NewNamespaceAsync();
        await PodAsync(ns);
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p", """{"spec":{"containers":[{"name":"c","image":"nginx:3"}]}}""", "application/strategic-merge-patch+json");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
        Assert.That(r.Json["spec"]!["containers"]![0]!["env"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task StrategicMergePatch_DeleteDirective_RemovesListItem()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", SemanticsTests.Deployment("d"));
        var r = await SendAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/d",
            """{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}""", "application/strategic-merge-patch+json");
        Assert.That(r.Json["spec"]!["template"]!["spec"]!["containers"]!.AsArray(), Has.Count.EqualTo(2));
        var d = await SendAsync(HttpMethod.Patch, $"/apis/apps/v1/namespaces/{ns}/deployments/d",
            """{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}""", "application/strategic-merge-patch+json");
        Assert.That(d.Json["spec"]!["template"]!["spec"]!["containers"]!.AsArray(), Has.Count.EqualTo(1), d.Text);
    }

    [Test]
    public async Task StrategicMergePatch_FinalizersMergeAsSet()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"f","finalizers":["a.io/x"]}}""");
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":["b.io/y"]}}""", "application/strategic-merge-patch+json");
        Assert.That(r.Json["metadata"]!["finalizers"]!.AsArray().Select(x => (string?)x), Is.EqualTo(new[] { "a.io/x", "b.io/y" }));
        await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
    }

    [Test]
    public async Task ApplyPatch_Unsupported415()
    {
        var ns = await NewNamespaceAsync();
        await PodAsync(ns);
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p?fieldManager=x", "apiVersion: v1\nkind: Pod\n", "application/apply-patch+yaml");
        AssertStatus(r, 415, "UnsupportedMediaType");
    }

    [Test]
    public async Task Patch_Missing_NotFound()
    {
        var ns = await NewNamespaceAsync();
        var r = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/none", "{}", "application/merge-patch+json");
        AssertStatus(r, 404, "NotFound", "configmaps \"none\" not found");
    }
}

[TestFixture]
public sealed class DeletionTests : EmulatorFixture
{
    [Test]
    public async Task Delete_WithFinalizer_SetsDeletionTimestampUntilLastFinalizerRemoved()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"f","finalizers":["example.com/hold","example.com/two"]}}""");
        var del = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/f");
        Assert.That(del.Status, Is.EqualTo(HttpStatusCode.OK), del.Text);
        Assert.That(del.Json["metadata"]!["deletionTimestamp"], Is.Not.Null);
        Assert.That((long?)del.Json["metadata"]!["deletionGracePeriodSeconds"], Is.EqualTo(0));
        var add = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":["example.com/hold","example.com/two","example.com/new"]}}""", "application/merge-patch+json");
        AssertStatus(add, 422, "Invalid");
        Assert.That(add.Str("message"), Does.Contain("no new finalizers can be added if the object is being deleted"));
        var one = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":["example.com/two"]}}""", "application/merge-patch+json");
        Assert.That(one.Status, Is.EqualTo(HttpStatusCode.OK), one.Text);
        var last = await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/f", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.That(last.Status, Is.EqualTo(HttpStatusCode.OK), last.Text);
        AssertStatus(await GetAsync($"/api/v1/namespaces/{ns}/configmaps/f"), 404, "NotFound");
    }

    [Test]
    public async Task Delete_Immediate_ReturnsSuccessStatusWithDetails()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"x"}}""");
        var r = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/x");
        Assert.That(r.Str("status"), Is.EqualTo("Success"));
        Assert.That((string?)r.Json["details"]!["kind"], Is.EqualTo("configmaps"));
    }

    [Test]
    public async Task Delete_UidPreconditionMismatch_Conflict()
    {
        var ns = await NewNamespaceAsync();
        var created = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"x"}}""")).Json;
        var uid = (string)created["metadata"]!["uid"]!;
        var r = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/x", """{"preconditions":{"uid":"wrong"}}""");
        AssertStatus(r, 409, "Conflict", $"Operation cannot be fulfilled on configmaps \"x\": Precondition failed: UID in precondition: wrong, UID in object meta: {uid}");
        var rv = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/x", """{"preconditions":{"resourceVersion":"1"}}""");
        AssertStatus(rv, 409, "Conflict");
        Assert.That(rv.Str("message"), Does.Contain("Precondition failed: ResourceVersion in precondition: 1"));
    }

    [Test]
    public async Task Delete_BoundPod_IsGracefulUntilForceDeleted()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/pods", SemanticsTests.Pod("p", ",\"nodeName\":\"node-1\""));
        var del = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/p");
        Assert.That((long?)del.Json["metadata"]!["deletionGracePeriodSeconds"], Is.EqualTo(30), del.Text);
        Assert.That((await GetAsync($"/api/v1/namespaces/{ns}/pods/p")).Status, Is.EqualTo(HttpStatusCode.OK));
        var force = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/p?gracePeriodSeconds=0");
        Assert.That(force.Status, Is.EqualTo(HttpStatusCode.OK), force.Text);
        AssertStatus(await GetAsync($"/api/v1/namespaces/{ns}/pods/p"), 404, "NotFound");
    }

    [Test]
    public async Task Delete_UnscheduledPod_IsImmediate()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/pods", SemanticsTests.Pod("p"));
        await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/p");
        AssertStatus(await GetAsync($"/api/v1/namespaces/{ns}/pods/p"), 404, "NotFound");
    }

    [Test]
    public async Task DeleteCollection_WithLabelSelector_DeletesOnlyMatches()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"a","labels":{"k":"v"}}}""");
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"b","labels":{"k":"w"}}}""");
        var r = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps?labelSelector=k%3Dv");
        Assert.That(r.Status, Is.EqualTo(HttpStatusCode.OK), r.Text);
        var list = (await GetAsync($"/api/v1/namespaces/{ns}/configmaps")).Json;
        Assert.That(list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]), Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public async Task DeleteNamespace_Terminates_ThenDrainsContent()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"a"}}""");
        var del = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}");
        Assert.That((string?)del.Json["status"]!["phase"], Is.EqualTo("Terminating"), del.Text);
        var create = await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"late"}}""");
        if ((int)create.Status != 404)
        {
            AssertStatus(create, 403, "Forbidden", $"configmaps \"late\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }

        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}")).Status == HttpStatusCode.NotFound), Is.True);
    }

    [Test]
    public async Task GarbageCollection_Background_DeletesDependentsAfterOwner()
    {
        var ns = await NewNamespaceAsync();
        var owner = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"owner"}}""")).Json;
        var uid = (string)owner["metadata"]!["uid"]!;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", $$$"""{"metadata":{"name":"dep","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{{{uid}}}"}]}}""");
        await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner");
        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}/configmaps/dep")).Status == HttpStatusCode.NotFound), Is.True);
    }

    [Test]
    public async Task GarbageCollection_Foreground_OwnerWaitsForBlockingDependents()
    {
        var ns = await NewNamespaceAsync();
        var owner = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"owner"}}""")).Json;
        var uid = (string)owner["metadata"]!["uid"]!;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", $$$"""{"metadata":{"name":"dep","finalizers":["example.com/slow"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{{{uid}}}","blockOwnerDeletion":true}]}}""");
        var del = await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner", """{"propagationPolicy":"Foreground"}""");
        Assert.That(del.Json["metadata"]!["finalizers"]!.AsArray().Select(f => (string?)f), Does.Contain("foregroundDeletion"));
        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}/configmaps/dep")).Json["metadata"]!["deletionTimestamp"] != null), Is.True);
        Assert.That((await GetAsync($"/api/v1/namespaces/{ns}/configmaps/owner")).Status, Is.EqualTo(HttpStatusCode.OK), "owner waits for the blocking dependent");
        await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/configmaps/dep", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}/configmaps/owner")).Status == HttpStatusCode.NotFound), Is.True);
    }

    [Test]
    public async Task GarbageCollection_Orphan_KeepsDependentsAndDropsReference()
    {
        var ns = await NewNamespaceAsync();
        var owner = (await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"owner"}}""")).Json;
        var uid = (string)owner["metadata"]!["uid"]!;
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", $$$"""{"metadata":{"name":"dep","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":"{{{uid}}}"}]}}""");
        await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/configmaps/owner?propagationPolicy=Orphan");
        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}/configmaps/owner")).Status == HttpStatusCode.NotFound), Is.True);
        var dep = await GetAsync($"/api/v1/namespaces/{ns}/configmaps/dep");
        Assert.That(dep.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(dep.Json["metadata"]!["ownerReferences"] is null || dep.Json["metadata"]!["ownerReferences"]!.AsArray().Count == 0, Is.True, dep.Text);
    }

    [Test]
    public async Task GarbageCollection_OwnerNeverExisted_DependentDeleted()
    {
        var ns = await NewNamespaceAsync();
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"dep","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"ghost","uid":"00000000-0000-0000-0000-000000000001"}]}}""");
        Assert.That(await EventuallyAsync(async () => (await GetAsync($"/api/v1/namespaces/{ns}/configmaps/dep")).Status == HttpStatusCode.NotFound), Is.True);
    }
}
