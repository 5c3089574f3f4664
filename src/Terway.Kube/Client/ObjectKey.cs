namespace Terway.Kube.Client;

/// <summary>
/// The identity of an object inside one kind: namespace (null for cluster-scoped kinds) and name.
/// It is what the work queue carries and what reconcilers receive (controller-runtime's <c>Request</c>).
/// </summary>
/// <param name="Namespace">The namespace, or null for a cluster-scoped object.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    /// <summary>A key for a cluster-scoped object.</summary>
    public static ObjectKey Cluster(string name) => new(null, name);

    /// <summary>The key of an object, taken from its metadata.</summary>
    public static ObjectKey From(k8s.Models.IMetadata<k8s.Models.V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var meta = obj.Metadata ?? throw new ArgumentException("object has no metadata", nameof(obj));
        return new ObjectKey(string.IsNullOrEmpty(meta.NamespaceProperty) ? null : meta.NamespaceProperty, meta.Name);
    }

    /// <summary>Parses <c>namespace/name</c> or <c>name</c>.</summary>
    public static ObjectKey Parse(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new ObjectKey(null, value) : new ObjectKey(value[..slash], value[(slash + 1)..]);
    }

    /// <summary><c>namespace/name</c>, or <c>name</c> for cluster-scoped objects (client-go's key format).</summary>
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
