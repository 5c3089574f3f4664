using System.Collections.Concurrent;
using System.Reflection;
using k8s;
using k8s.Models;

namespace Terway.Kube.Client;

/// <summary>
/// Where a kind lives on the API server: group, version, plural and scope. Built from the
/// <see cref="KubernetesEntityAttribute"/> of a model type, so built-in kinds (<c>V1Pod</c>, <c>V1Lease</c>)
/// and custom resources with typed models are addressed the same way.
/// </summary>
public sealed record ResourceType
{
    private static readonly ConcurrentDictionary<Type, ResourceType> ByClrType = new();

    // Built-in kinds whose objects have no namespace; the KubernetesEntity attribute does not say.
    private static readonly HashSet<string> ClusterScopedBuiltIns = new(StringComparer.Ordinal)
    {
        "/nodes", "/namespaces", "/persistentvolumes", "/componentstatuses",
        "storage.k8s.io/storageclasses", "storage.k8s.io/csinodes", "storage.k8s.io/csidrivers", "storage.k8s.io/volumeattachments",
        "rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
        "apiextensions.k8s.io/customresourcedefinitions", "apiregistration.k8s.io/apiservices",
        "admissionregistration.k8s.io/validatingwebhookconfigurations", "admissionregistration.k8s.io/mutatingwebhookconfigurations",
        "scheduling.k8s.io/priorityclasses", "networking.k8s.io/ingressclasses", "node.k8s.io/runtimeclasses",
        "certificates.k8s.io/certificatesigningrequests", "flowcontrol.apiserver.k8s.io/flowschemas",
        "flowcontrol.apiserver.k8s.io/prioritylevelconfigurations",
    };

    /// <summary>API group; empty for the core group.</summary>
    public required string Group { get; init; }

    /// <summary>API version inside the group (<c>v1</c>, <c>v1beta1</c>).</summary>
    public required string Version { get; init; }

    /// <summary>Lower-case plural used in URLs (<c>pods</c>, <c>podenis</c>).</summary>
    public required string Plural { get; init; }

    /// <summary>The kind (<c>Pod</c>, <c>PodENI</c>).</summary>
    public required string Kind { get; init; }

    /// <summary>True when objects of this kind live in a namespace.</summary>
    public required bool Namespaced { get; init; }

    /// <summary><c>group/version</c>, or just the version for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>A readable name for logs and metrics (<c>pods</c>, <c>podenis.network.alibabacloud.com</c>).</summary>
    public string DisplayName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>
    /// The resource type of a model type. Scope comes from <see cref="Register{T}"/> if called, else from a
    /// <c>Scope</c> attribute property on the model (<c>"Cluster"</c>/<c>"Namespaced"</c>), else from the built-in
    /// table, else namespaced.
    /// </summary>
    public static ResourceType Of<T>() => Of(typeof(T));

    /// <inheritdoc cref="Of{T}"/>
    public static ResourceType Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return ByClrType.GetOrAdd(type, static t =>
        {
            var attr = t.GetCustomAttribute<KubernetesEntityAttribute>()
                ?? throw new ArgumentException($"{t.Name} has no [KubernetesEntity] attribute", nameof(type));
            if (string.IsNullOrEmpty(attr.PluralName) || string.IsNullOrEmpty(attr.ApiVersion))
            {
                throw new ArgumentException($"{t.Name}'s [KubernetesEntity] lacks ApiVersion or PluralName", nameof(type));
            }

            var group = attr.Group ?? "";
            var plural = attr.PluralName.ToLowerInvariant();
            return new ResourceType
            {
                Group = group,
                Version = attr.ApiVersion,
                Plural = plural,
                Kind = attr.Kind,
                Namespaced = DeclaredScope(t) ?? !ClusterScopedBuiltIns.Contains($"{group}/{plural}"),
            };
        });
    }

    /// <summary>
    /// The scope a model declares through any attribute with a string <c>Scope</c> property of
    /// <c>"Cluster"</c> or <c>"Namespaced"</c> (Terway.Crds' <c>[CustomResource]</c>, for one), read by name so
    /// the runtime needs no reference to the CRD models.
    /// </summary>
    private static bool? DeclaredScope(Type t)
    {
        foreach (var attribute in t.GetCustomAttributes(inherit: true))
        {
            if (attribute.GetType().GetProperty("Scope")?.GetValue(attribute) is string scope)
            {
                if (scope == "Cluster")
                {
                    return false;
                }

                if (scope == "Namespaced")
                {
                    return true;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Declares the scope of a custom resource model (the attribute cannot say). Call before the first use,
    /// e.g. <c>ResourceType.Register&lt;V1Beta1Node&gt;(namespaced: false)</c>.
    /// </summary>
    public static ResourceType Register<T>(bool namespaced)
    {
        var baseType = Of<T>() with { Namespaced = namespaced };
        ByClrType[typeof(T)] = baseType;
        return baseType;
    }

    /// <summary>The collection path (<c>/api/v1/namespaces/ns/pods</c>); all namespaces when <paramref name="ns"/> is null.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}"
            : $"{root}/{Plural}";
    }

    /// <summary>The path of one object, optionally of a subresource (<c>status</c>).</summary>
    public string ObjectPath(ObjectKey key, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(key.Namespace))
        {
            throw new ArgumentException($"{DisplayName} is namespaced; key {key} has no namespace", nameof(key));
        }

        var path = $"{CollectionPath(key.Namespace)}/{Uri.EscapeDataString(key.Name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }

    /// <summary>Fills <c>apiVersion</c> and <c>kind</c> when a model was built without them.</summary>
    internal void Stamp(IKubernetesObject obj)
    {
        obj.ApiVersion ??= ApiVersion;
        obj.Kind ??= Kind;
    }
}
