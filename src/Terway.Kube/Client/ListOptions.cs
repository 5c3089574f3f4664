namespace Terway.Kube.Client;

/// <summary>What a list or watch selects: a namespace (null for all) and label/field selectors.</summary>
public sealed record ListOptions
{
    /// <summary>Everything, in every namespace.</summary>
    public static ListOptions All { get; } = new();

    /// <summary>Restrict to one namespace; null for all namespaces (or for cluster-scoped kinds).</summary>
    public string? Namespace { get; init; }

    /// <summary>A label selector (<c>app=x,tier!=db</c>).</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector (<c>spec.nodeName=node-1</c>).</summary>
    public string? FieldSelector { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ns={Namespace ?? "*"} labels={LabelSelector ?? ""} fields={FieldSelector ?? ""}";
}

/// <summary>One page of a list call.</summary>
/// <typeparam name="T">The model type.</typeparam>
/// <param name="Items">The objects on this page.</param>
/// <param name="ResourceVersion">The list's resourceVersion (to start a watch from).</param>
/// <param name="Continue">The continue token for the next page, or null on the last page.</param>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);
