using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Resources;

namespace Terway.Sandbox.KubeApi.Discovery;

/// <summary>
/// OpenAPI v3 documents (<c>/openapi/v3</c> and one per group/version): what <c>kubectl apply</c>
/// needs to find the PATCH operations and their <c>fieldValidation</c> parameter, and what
/// <c>kubectl explain</c> reads (CRD schemas in full; built-in kinds in outline).
/// </summary>
internal sealed class OpenApiDocuments(ResourceRegistry registry)
{
    private const string ObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    public JsonObject Root()
    {
        var paths = new JsonObject();
        foreach (var (g, versions) in registry.Groups())
        {
            foreach (var v in versions)
            {
                var key = g.Length == 0 ? "api/" + v : "apis/" + g + "/" + v;
                var doc = GroupVersion(key);
                var hash = doc == null ? "0" : Convert.ToHexString(SHA256.HashData(JsonUtil.ToBytes(doc)))[..32];
                paths[key] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/" + key + "?hash=" + hash };
            }
        }

        return new JsonObject { ["paths"] = paths };
    }

    public JsonObject? GroupVersion(string key)
    {
        var parts = key.Split('/');
        string group, version;
        if (parts is ["api", var v1])
        {
            group = "";
            version = v1;
        }
        else if (parts is ["apis", var g, var v2])
        {
            group = g;
            version = v2;
        }
        else
        {
            return null;
        }

        var types = registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject { [ObjectMetaRef] = ObjectMetaSchema() };
        foreach (var rt in types)
        {
            var schemaName = SchemaName(rt);
            schemas[schemaName] = KindSchema(rt);
            var gvk = new JsonArray(new JsonObject { ["group"] = rt.Group, ["kind"] = rt.Kind, ["version"] = rt.Version });
            var prefix = (group.Length == 0 ? "/api/" + version : "/apis/" + group + "/" + version) + (rt.Namespaced ? "/namespaces/{namespace}/" : "/") + rt.Plural;
            // Strategic merge patch is accepted for built-ins but not advertised, so kubectl computes
            // it from its compiled-in types rather than from these outline schemas.
            var patchTypes = new[] { "application/json-patch+json", "application/merge-patch+json" };
            var content = new JsonObject();
            foreach (var pt in patchTypes)
            {
                content[pt] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } };
            }

            var itemPath = new JsonObject
            {
                ["get"] = Operation("read" + rt.Kind, gvk, "get", schemaName, []),
                ["put"] = Operation("replace" + rt.Kind, gvk, "put", schemaName, ["dryRun", "fieldManager", "fieldValidation"]),
                ["delete"] = Operation("delete" + rt.Kind, gvk, "delete", schemaName, ["dryRun", "gracePeriodSeconds", "propagationPolicy"]),
                ["patch"] = Operation("patch" + rt.Kind, gvk, "patch", schemaName, ["dryRun", "fieldManager", "fieldValidation", "force"]),
                ["parameters"] = PathParams(rt.Namespaced, true),
            };
            ((JsonObject)itemPath["patch"]!)["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
            paths[prefix + "/{name}"] = itemPath;
            paths[prefix] = new JsonObject
            {
                ["get"] = Operation("list" + rt.Kind, gvk, "list", schemaName, ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"]),
                ["post"] = Operation("create" + rt.Kind, gvk, "post", schemaName, ["dryRun", "fieldManager", "fieldValidation"]),
                ["parameters"] = PathParams(rt.Namespaced, false),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = DiscoveryDocuments.GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonArray PathParams(bool namespaced, bool named)
    {
        var a = new JsonArray();
        if (named)
        {
            a.Add(new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (namespaced)
        {
            a.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        return a;
    }

    private static JsonObject Operation(string id, JsonArray gvk, string action, string schemaName, string[] queryParams)
    {
        var ps = new JsonArray();
        foreach (var p in queryParams)
        {
            ps.Add(new JsonObject { ["name"] = p, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }

        return new JsonObject
        {
            ["operationId"] = id,
            ["parameters"] = ps,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/" + schemaName } } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk[0]!.DeepClone(),
        };
    }

    public static string SchemaName(ResourceType rt)
    {
        if (rt.Custom != null)
        {
            var reversed = string.Join(".", rt.Group.Split('.').Reverse());
            return $"{reversed}.{rt.Version}.{rt.Kind}";
        }

        var pkg = rt.Group switch
        {
            "" => "io.k8s.api.core",
            "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
            var g => "io.k8s.api." + g.Split('.')[0],
        };
        return $"{pkg}.{rt.Version}.{rt.Kind}";
    }

    private static JsonObject KindSchema(ResourceType rt)
    {
        JsonObject schema;
        if (rt.Custom?.SchemaJson is { } crdSchema)
        {
            schema = (JsonObject)crdSchema.DeepClone();
            var props = JsonUtil.EnsureObject(schema, "properties");
            props["apiVersion"] ??= new JsonObject { ["type"] = "string", ["description"] = ApiVersionDescription };
            props["kind"] ??= new JsonObject { ["type"] = "string", ["description"] = KindDescription };
            props["metadata"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ObjectMetaRef }), ["default"] = new JsonObject() };
        }
        else
        {
            schema = new JsonObject
            {
                ["description"] = $"{rt.Kind} is a {(rt.Namespaced ? "namespaced" : "cluster-scoped")} {rt.ApiVersion} resource served by the Terway Kubernetes API emulator.",
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = ApiVersionDescription },
                    ["kind"] = new JsonObject { ["type"] = "string", ["description"] = KindDescription },
                    ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ObjectMetaRef }), ["default"] = new JsonObject(), ["description"] = "Standard object's metadata." },
                    ["spec"] = new JsonObject { ["type"] = "object", ["description"] = $"Specification of the desired behavior of the {rt.Kind}.", ["x-kubernetes-preserve-unknown-fields"] = true },
                    ["status"] = new JsonObject { ["type"] = "object", ["description"] = $"Most recently observed status of the {rt.Kind}.", ["x-kubernetes-preserve-unknown-fields"] = true },
                },
            };
        }

        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = rt.Group, ["kind"] = rt.Kind, ["version"] = rt.Version });
        return schema;
    }

    private const string ApiVersionDescription = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
    private const string KindDescription = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    private static JsonObject ObjectMetaSchema()
    {
        static JsonObject S(string type, string desc) => new() { ["type"] = type, ["description"] = desc };
        static JsonObject Map(string desc) => new() { ["type"] = "object", ["description"] = desc, ["additionalProperties"] = new JsonObject { ["type"] = "string", ["default"] = "" } };
        return new JsonObject
        {
            ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["annotations"] = Map("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
                ["creationTimestamp"] = S("string", "CreationTimestamp is a timestamp representing the server time when this object was created."),
                ["deletionGracePeriodSeconds"] = S("integer", "Number of seconds allowed for this object to gracefully terminate before it will be removed from the system."),
                ["deletionTimestamp"] = S("string", "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."),
                ["finalizers"] = new JsonObject { ["type"] = "array", ["description"] = "Must be empty before the object is deleted from the registry.", ["items"] = new JsonObject { ["type"] = "string", ["default"] = "" } },
                ["generateName"] = S("string", "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
                ["generation"] = S("integer", "A sequence number representing a specific generation of the desired state."),
                ["labels"] = Map("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
                ["name"] = S("string", "Name must be unique within a namespace."),
                ["namespace"] = S("string", "Namespace defines the space within which each name must be unique."),
                ["ownerReferences"] = new JsonObject { ["type"] = "array", ["description"] = "List of objects depended by this object.", ["items"] = new JsonObject { ["type"] = "object" } },
                ["resourceVersion"] = S("string", "An opaque value that represents the internal version of this object."),
                ["uid"] = S("string", "UID is the unique in time and space value for this object."),
            },
        };
    }

    public static string Hash(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16];
}
