using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Resources;

/// <summary>Per-request facts a strategy may need.</summary>
internal sealed class OpContext
{
    public required UserInfo User { get; init; }
    public required DateTimeOffset Now { get; init; }
    public bool DryRun { get; init; }

    /// <summary><c>Strict</c>, <c>Warn</c> or <c>Ignore</c> (the <c>fieldValidation</c> parameter).</summary>
    public string FieldValidation { get; init; } = "Warn";

    /// <summary>Warnings to send in <c>Warning</c> headers.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Unknown fields found while decoding (reported per <see cref="FieldValidation"/>).</summary>
    public List<string> UnknownFields { get; } = [];

    public string SubResource { get; init; } = "";
}

/// <summary>
/// Kind-specific behaviour behind the generic REST handlers, in the shape of the real
/// server's registry strategies: defaulting, validation, selectable fields, table output.
/// </summary>
internal class KindStrategy
{
    public static readonly KindStrategy Default = new();

    /// <summary>Decoding step: pruning and schema defaulting (custom resources), stringData (secrets).</summary>
    public virtual void Decode(ResourceType rt, JsonObject obj, OpContext ctx)
    {
    }

    /// <summary>Resets fields a create may not set (status) and applies defaults.</summary>
    public virtual void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
    }

    /// <summary>Resets fields an update may not change.</summary>
    public virtual void PrepareForUpdate(ResourceType rt, JsonObject obj, JsonObject old, OpContext ctx)
    {
    }

    public virtual void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
    }

    public virtual void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
    }

    /// <summary>Field selector labels beyond metadata.name/namespace, mapped to their canonical name.</summary>
    public virtual string? NormalizeFieldLabel(ResourceType rt, string label) => label switch
    {
        "metadata.name" => label,
        "metadata.namespace" when rt.Namespaced => label,
        _ => null,
    };

    /// <summary>The values of the selectable fields of <paramref name="obj"/>.</summary>
    public virtual void AddFields(JsonObject obj, Dictionary<string, string> fields)
    {
    }

    /// <summary>Grace period applied by a DELETE without one (pods: 30s while bound to a node).</summary>
    public virtual long? GracefulDeletionSeconds(JsonObject obj, long? requested) => null;

    /// <summary>True while something other than metadata.finalizers holds deletion (namespace spec.finalizers).</summary>
    public virtual bool BlocksDeletion(JsonObject obj) => false;

    /// <summary>Called when a DELETE starts graceful or finalizer-held deletion.</summary>
    public virtual void OnDeletionStarted(JsonObject obj)
    {
    }

    /// <summary>Storage representation to this version's representation (events.k8s.io).</summary>
    public virtual JsonObject FromStorage(ResourceType rt, JsonObject stored) => stored;

    /// <summary>This version's representation to the storage representation.</summary>
    public virtual JsonObject ToStorage(ResourceType rt, JsonObject obj) => obj;

    /// <summary>Columns for <c>as=Table</c>; null means the default NAME/AGE or CRD columns.</summary>
    public virtual TableLayout? Table => null;

    protected static JsonObject Meta(JsonObject obj) => JsonUtil.EnsureObject(obj, "metadata");
}
