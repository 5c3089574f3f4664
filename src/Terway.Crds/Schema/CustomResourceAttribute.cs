namespace Terway.Crds.Schema;

/// <summary>
/// CRD-level facts the generator needs beyond <c>[KubernetesEntity]</c>: scope, singular
/// name and the schema version written to the <c>crd.network.alibabacloud.com/version</c>
/// annotation.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CustomResourceAttribute : Attribute
{
    /// <summary>Declares a root type as a custom resource.</summary>
    /// <param name="scope">A value of <see cref="ResourceScopes"/>.</param>
    /// <param name="singular">The singular resource name, e.g. <c>podeni</c>.</param>
    /// <param name="schemaVersion">Semantic version of this CRD's schema, e.g. <c>v1.0.0</c>.</param>
    public CustomResourceAttribute(string scope, string singular, string schemaVersion)
    {
        Scope = scope;
        Singular = singular;
        SchemaVersion = schemaVersion;
    }

    /// <summary>A value of <see cref="ResourceScopes"/>.</summary>
    public string Scope { get; }

    /// <summary>The singular resource name.</summary>
    public string Singular { get; }

    /// <summary>Semantic version of the schema (bump on every schema change).</summary>
    public string SchemaVersion { get; }
}

/// <summary>Values of a CRD's <c>spec.scope</c>.</summary>
public static class ResourceScopes
{
    /// <summary>Objects live in a namespace.</summary>
    public const string Namespaced = "Namespaced";

    /// <summary>Objects are cluster-wide.</summary>
    public const string Cluster = "Cluster";
}
