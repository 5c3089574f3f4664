using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources;

/// <summary>
/// One served resource at one group/version: what discovery advertises and how the generic
/// handlers treat it. Kind-specific behaviour lives in its <see cref="KindStrategy"/>.
/// </summary>
internal sealed class ResourceType
{
    public static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Kind { get; init; }
    public required string Singular { get; init; }
    public required bool Namespaced { get; init; }
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    public string[] Verbs { get; init; } = AllVerbs;
    public bool HasStatus { get; init; }

    /// <summary>Subresources other than status (binding, token, finalize...), with the verbs they accept.</summary>
    public IReadOnlyDictionary<string, string[]> OtherSubresources { get; init; } = new Dictionary<string, string[]>();

    public NameRule NameRule { get; init; } = NameRule.DnsSubdomain;
    public bool AllowCreateOnUpdate { get; init; }
    public bool AllowUnconditionalUpdate { get; init; } = true;
    public bool ReturnDeletedObject { get; init; }

    /// <summary>Resources sharing storage (core and events.k8s.io events) share this key.</summary>
    public string? StorageKeyOverride { get; init; }

    public KindStrategy Strategy { get; init; } = KindStrategy.Default;

    /// <summary>Set for resources served from a CustomResourceDefinition.</summary>
    public CustomResourceInfo? Custom { get; init; }

    /// <summary>Verbs of a stored but not creatable resource (reviews, token requests) differ.</summary>
    public bool IsVirtual { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;
    public string ListKind => Kind + "List";
    public string StorageKey => StorageKeyOverride ?? (Group + "/" + Plural);
    public string GroupResource => StatusException.Qualified(Group, Plural);

    public override string ToString() => $"{ApiVersion}, Resource={Plural}";
}

/// <summary>What a CRD contributes to a served custom resource version.</summary>
internal sealed class CustomResourceInfo
{
    public required string CrdName { get; init; }
    public required string CrdUid { get; init; }
    public required Schema.StructuralSchema Schema { get; init; }
    public required IReadOnlyList<PrinterColumn> PrinterColumns { get; init; }
    public required bool Served { get; init; }
    public required bool Storage { get; init; }
    public string? ScaleSpecReplicasPath { get; init; }
    public string? ScaleStatusReplicasPath { get; init; }
    public JsonObject? SchemaJson { get; init; }

    /// <summary>The CRD is being deleted: its objects are being removed and creates are refused.</summary>
    public bool Terminating { get; init; }
}

/// <summary>A CRD additionalPrinterColumn (or a built-in table column).</summary>
internal sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description, int Priority, string Format);
