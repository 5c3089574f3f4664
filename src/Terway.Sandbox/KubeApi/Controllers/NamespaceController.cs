using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Storage;

namespace Terway.Sandbox.KubeApi.Controllers;

/// <summary>
/// The namespace and service-account controllers' parts that matter to clients: every new
/// namespace gets its <c>default</c> ServiceAccount; a deleted namespace is emptied, then finalized.
/// </summary>
internal sealed class NamespaceController(ResourceOperations ops, TimeProvider time, ILogger log) : EventLoop(ops.Store, log)
{
    private const string NamespaceKey = "/namespaces";
    private readonly HashSet<string> _terminating = new(StringComparer.Ordinal);

    private ResourceType NsType => ops.Registry.Find("", "v1", "namespaces")!;

    private OpContext System(string sub = "") => new() { User = UserInfo.System, Now = time.GetUtcNow(), SubResource = sub, FieldValidation = "Ignore" };

    protected override async Task HandleAsync(StoreEvent ev, CancellationToken ct)
    {
        if (ev.StorageKey == NamespaceKey)
        {
            if (ev.Type == WatchEventType.Deleted)
            {
                _terminating.Remove(ev.Object.Name);
                return;
            }

            var ns = ev.Object.Parse();
            if (ns["metadata"]?["deletionTimestamp"] != null)
            {
                _terminating.Add(ev.Object.Name);
                await DrainAsync(ev.Object.Name, ct).ConfigureAwait(false);
            }
            else if (ev.Type == WatchEventType.Added)
            {
                await EnsureDefaultServiceAccountAsync(ev.Object.Name, ct).ConfigureAwait(false);
            }
        }
        else if (ev.Type == WatchEventType.Deleted && ev.Object.Namespace.Length > 0 && _terminating.Contains(ev.Object.Namespace))
        {
            await DrainAsync(ev.Object.Namespace, ct).ConfigureAwait(false);
        }
        else if (ev.Type == WatchEventType.Deleted && ev.StorageKey == "/serviceaccounts" && ev.Object.Name == "default" && !_terminating.Contains(ev.Object.Namespace))
        {
            // The service-account controller recreates a deleted default ServiceAccount.
            await EnsureDefaultServiceAccountAsync(ev.Object.Namespace, ct).ConfigureAwait(false);
        }
    }

    private async Task EnsureDefaultServiceAccountAsync(string ns, CancellationToken ct)
    {
        var sa = ops.Registry.Find("", "v1", "serviceaccounts")!;
        if (ops.TryGetStored(sa, ns, "default") != null)
        {
            return;
        }

        try
        {
            await ops.CreateAsync(sa, ns, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }, System(), ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code is 409 or 403 or 404)
        {
            // Created concurrently, or the namespace is already going away.
        }
    }

    private async Task DrainAsync(string ns, CancellationToken ct)
    {
        var remaining = 0;
        foreach (var rt in ops.Registry.All.Where(r => r.Namespaced && !r.IsVirtual && (r.Custom == null || r.Custom.Storage)).GroupBy(r => r.StorageKey).Select(g => g.First()))
        {
            List<StoredObject> objs;
            lock (ops.Store.Gate)
            {
                objs = ops.Store.Table(rt.StorageKey).Range(ns, null).ToList();
            }

            remaining += objs.Count;
            foreach (var o in objs)
            {
                var parsed = o.Parse();
                if (parsed["metadata"]?["deletionTimestamp"] != null)
                {
                    continue;
                }

                try
                {
                    await ops.DeleteAsync(rt, ns, o.Name, new DeleteOptions { GracePeriodSeconds = null }, System(), ct).ConfigureAwait(false);
                }
                catch (StatusException e) when (e.Code is 404 or 409)
                {
                    // Gone or changed meanwhile; the next event brings us back.
                }
            }
        }

        if (remaining > 0)
        {
            return;
        }

        try
        {
            await ops.WriteAsync(NsType, "", ns, System("finalize"), cur =>
            {
                JsonUtil.EnsureObject(cur, "spec")["finalizers"] = new JsonArray();
                return cur;
            }, fromPatch: true, ct).ConfigureAwait(false);
        }
        catch (StatusException e) when (e.Code == 404)
        {
            // Already finalized.
        }
    }
}
