using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Resources;

namespace Terway.Sandbox.KubeApi.Discovery;

/// <summary>The legacy discovery documents (<c>/api</c>, <c>/apis</c>, resource lists) and <c>/version</c>.</summary>
internal sealed class DiscoveryDocuments(ResourceRegistry registry)
{
    public const string GitVersion = "v1.32.0";

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["emulationMajor"] = "1",
        ["emulationMinor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    private static JsonObject GroupObject(string group, IReadOnlyList<string> versions)
    {
        var vs = new JsonArray();
        foreach (var v in versions)
        {
            vs.Add(new JsonObject { ["groupVersion"] = group + "/" + v, ["version"] = v });
        }

        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = vs,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = group + "/" + versions[0], ["version"] = versions[0] },
        };
    }

    public JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var (g, versions) in registry.Groups())
        {
            if (g.Length > 0)
            {
                groups.Add(GroupObject(g, versions));
            }
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public JsonObject? Group(string group)
    {
        var g = registry.Groups().FirstOrDefault(x => x.Group == group);
        if (g.Versions == null)
        {
            return null;
        }

        var o = GroupObject(group, g.Versions);
        return new JsonObject { ["kind"] = "APIGroup", ["apiVersion"] = "v1", ["name"] = o["name"]?.DeepClone(), ["versions"] = o["versions"]?.DeepClone(), ["preferredVersion"] = o["preferredVersion"]?.DeepClone() };
    }

    public JsonObject? ResourceList(string group, string version)
    {
        var types = registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var rt in types)
        {
            var r = new JsonObject
            {
                ["name"] = rt.Plural,
                ["singularName"] = rt.Singular,
                ["namespaced"] = rt.Namespaced,
                ["kind"] = rt.Kind,
                ["verbs"] = Array(rt.Verbs),
            };
            if (rt.ShortNames.Length > 0)
            {
                r["shortNames"] = Array(rt.ShortNames);
            }

            if (rt.Categories.Length > 0)
            {
                r["categories"] = Array(rt.Categories);
            }

            if (!rt.IsVirtual)
            {
                r["storageVersionHash"] = Hash(rt.Group + "/" + rt.Version + "/" + rt.Kind);
            }

            resources.Add(r);
            if (rt.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = rt.Plural + "/status", ["singularName"] = "", ["namespaced"] = rt.Namespaced, ["kind"] = rt.Kind,
                    ["verbs"] = Array(["get", "patch", "update"]),
                });
            }

            foreach (var (sub, verbs) in rt.OtherSubresources)
            {
                var sr = new JsonObject { ["name"] = rt.Plural + "/" + sub, ["singularName"] = "", ["namespaced"] = rt.Namespaced };
                switch (sub)
                {
                    case "binding":
                        sr["kind"] = "Binding";
                        break;
                    case "token":
                        sr["group"] = "authentication.k8s.io";
                        sr["version"] = "v1";
                        sr["kind"] = "TokenRequest";
                        break;
                    default:
                        sr["kind"] = rt.Kind;
                        break;
                }

                sr["verbs"] = Array(verbs);
                resources.Add(sr);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    private static string Hash(string s) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(s)).AsSpan(0, 8));
}
