using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.Tests.KubeApi;

/// <summary>The RBAC authorizer's view of the store.</summary>
[TestFixture]
public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Operator = new("system:serviceaccount:kube-system:terway-operator", ["system:serviceaccounts", "system:authenticated"]);

    private static readonly AuthzAttributes GetCertSecret = new("get", true, "", "secrets", "", "kube-system", "terway-operator-webhook-cert",
        "/api/v1/namespaces/kube-system/secrets/terway-operator-webhook-cert");

    [Test]
    public void Authorize_RoleAndBindingCommitted_AllowedByTheVeryNextRequest()
    {
        var store = new ObjectStore(64);
        var authorizer = new RbacAuthorizer(store);
        // The cache is built (and clean) before the RBAC objects exist, as when a request arrives first.
        Assert.That(authorizer.Authorize(Operator, GetCertSecret), Is.False);

        for (var i = 0; i < 50; i++)
        {
            lock (store.Gate)
            {
                Commit(store, "rbac.authorization.k8s.io/roles", "kube-system", $"r{i}", $$"""
                    {"rules":[{"apiGroups":[""],"resources":["secrets"],"resourceNames":["terway-operator-webhook-cert"],"verbs":["get"]}]}
                    """);
                Commit(store, "rbac.authorization.k8s.io/rolebindings", "kube-system", $"b{i}", $$"""
                    {"roleRef":{"kind":"Role","name":"r{{i}}"},"subjects":[{"kind":"ServiceAccount","name":"terway-operator","namespace":"kube-system"}]}
                    """);
            }

            // No waiting: the write has returned, so the next request must see it.
            Assert.That(authorizer.Authorize(Operator, GetCertSecret), Is.True, $"round {i}");

            lock (store.Gate)
            {
                Delete(store, "rbac.authorization.k8s.io/rolebindings", "kube-system", $"b{i}");
            }

            Assert.That(authorizer.Authorize(Operator, GetCertSecret), Is.False, $"round {i}: the binding is gone");
        }
    }

    [Test]
    public async Task Authorize_ConcurrentFirstRequestsAfterRbacWrites_NoneSeesTheOldRules()
    {
        for (var round = 0; round < 200; round++)
        {
            var store = new ObjectStore(64);
            var authorizer = new RbacAuthorizer(store);
            Assert.That(authorizer.Authorize(Operator, GetCertSecret), Is.False);
            lock (store.Gate)
            {
                // Many objects, so rebuilding the cache takes a while: the window a concurrent request must not slip through.
                for (var i = 0; i < 200; i++)
                {
                    Commit(store, "rbac.authorization.k8s.io/clusterroles", "", $"other{i}", """{"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}""");
                }

                Commit(store, "rbac.authorization.k8s.io/roles", "kube-system", "r", """
                    {"rules":[{"apiGroups":[""],"resources":["secrets"],"resourceNames":["terway-operator-webhook-cert"],"verbs":["get"]}]}
                    """);
                Commit(store, "rbac.authorization.k8s.io/rolebindings", "kube-system", "b", """
                    {"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"terway-operator","namespace":"kube-system"}]}
                    """);
            }

            // The operator's start: several requests at once, the first ones since the RBAC objects were written.
            using var go = new ManualResetEventSlim();
            var requests = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                go.Wait();
                return authorizer.Authorize(Operator, GetCertSecret);
            })).ToList();
            go.Set();
            var answers = await Task.WhenAll(requests);
            Assert.That(answers, Is.All.True, $"round {round}");
        }
    }

    private static void Commit(ObjectStore store, string storageKey, string ns, string name, string json)
    {
        var obj = JsonNode.Parse(json)!.AsObject();
        obj["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns };
        var stored = new StoredObject(ns, name, store.NextRevision(), Encoding.UTF8.GetBytes(obj.ToJsonString()), Guid.NewGuid().ToString(),
            new Dictionary<string, string>(), new Dictionary<string, string>(), []);
        store.Commit(storageKey, WatchEventType.Added, stored, null);
    }

    private static void Delete(ObjectStore store, string storageKey, string ns, string name)
    {
        store.Table(storageKey).TryGet(StoredObject.MakeKey(ns, name), out var current);
        var gone = new StoredObject(ns, name, store.NextRevision(), current.Utf8, current.Uid, current.Labels, current.Fields, current.OwnerUids);
        store.Commit(storageKey, WatchEventType.Deleted, gone, current);
    }
}
