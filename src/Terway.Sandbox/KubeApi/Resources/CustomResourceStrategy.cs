using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Schema;

namespace Terway.Sandbox.KubeApi.Resources;

/// <summary>Custom resources: pruning, defaulting and validation from the CRD's structural schema.</summary>
internal sealed class CustomResourceStrategy(StructuralSchema schema) : KindStrategy
{
    public StructuralSchema Schema { get; } = schema;

    public override void Decode(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        SchemaProcessor.Prune(obj, Schema, ctx.UnknownFields);
        SchemaProcessor.ApplyDefaults(obj, Schema);
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx) =>
        errs.AddRange(SchemaProcessor.Validate(obj, Schema, null));

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx) =>
        errs.AddRange(SchemaProcessor.Validate(obj, Schema, old));
}
