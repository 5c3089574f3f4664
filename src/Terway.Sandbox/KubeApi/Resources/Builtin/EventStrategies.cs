using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>core/v1 Events: the storage representation shared with events.k8s.io/v1.</summary>
internal class CoreEventStrategy : KindStrategy
{
    private static readonly string[] Labels =
    [
        "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ];

    public override string? NormalizeFieldLabel(ResourceType rt, string label) => Labels.Contains(label) ? label : null;

    public override void AddFields(JsonObject obj, Dictionary<string, string> fields)
    {
        var io = obj["involvedObject"];
        foreach (var f in new[] { "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath" })
        {
            fields["involvedObject." + f] = JsonUtil.Str(io, f) ?? "";
        }

        fields["reason"] = JsonUtil.Str(obj, "reason") ?? "";
        fields["reportingComponent"] = JsonUtil.Str(obj, "reportingComponent") ?? "";
        fields["source"] = JsonUtil.Str(obj["source"], "component") ?? "";
        fields["type"] = JsonUtil.Str(obj, "type") ?? "";
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var ns = JsonUtil.Str(obj["metadata"], "namespace") ?? "";
        var ioNs = JsonUtil.Str(obj["involvedObject"], "namespace");
        var kind = JsonUtil.Str(obj["involvedObject"], "kind");
        var clusterScopedKinds = new[] { "Node", "Namespace", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition" };
        if (!string.IsNullOrEmpty(ioNs) && ioNs != ns && !clusterScopedKinds.Contains(kind))
        {
            errs.Add(FieldError.Invalid("involvedObject.namespace", ioNs, "does not match event.namespace"));
        }

        var type = JsonUtil.Str(obj, "type");
        if (!string.IsNullOrEmpty(type) && type is not ("Normal" or "Warning"))
        {
            errs.Add(FieldError.Invalid("type", type, "has invalid value: " + type));
        }
    }

    public override TableLayout Table { get; } = new(
        [
            new TableColumn("Last Seen", "string", "Time when last event from this object was observed."),
            new TableColumn("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
            new TableColumn("Reason", "string", "This should be a short, machine understandable string that gives the reason for this event being generated."),
            new TableColumn("Object", "string", "The object this Event is about."),
            new TableColumn("Subobject", "string", "The subobject this Event is about.", 1),
            new TableColumn("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
            new TableColumn("Message", "string", "A human-readable description of the status of this operation."),
            new TableColumn("First Seen", "string", "The time at which the event was first recorded.", 1),
            new TableColumn("Count", "string", "The number of times this event has occurred.", 1),
            new TableColumn("Name", "string", TableConverter.NameDescription, 1, "name"),
        ],
        (o, now) =>
        {
            string Ago(string? ts) => JsonUtil.TryParseTime(ts, out var t) ? HumanDuration.Format(now - t) : "<unknown>";
            var last = JsonUtil.Str(o, "lastTimestamp") ?? JsonUtil.Str(o, "eventTime") ?? JsonUtil.Str(o["series"], "lastObservedTime");
            var first = JsonUtil.Str(o, "firstTimestamp") ?? JsonUtil.Str(o, "eventTime");
            var io = o["involvedObject"];
            var source = JsonUtil.Str(o["source"], "component") ?? JsonUtil.Str(o, "reportingComponent") ?? "";
            var host = JsonUtil.Str(o["source"], "host");
            if (!string.IsNullOrEmpty(host))
            {
                source += ", " + host;
            }

            return
            [
                Ago(last), JsonUtil.Str(o, "type") ?? "", JsonUtil.Str(o, "reason") ?? "",
                (JsonUtil.Str(io, "kind") ?? "").ToLowerInvariant() + "/" + JsonUtil.Str(io, "name"),
                JsonUtil.Str(io, "fieldPath") ?? "", source, JsonUtil.Str(o, "message") ?? "",
                Ago(first), (JsonUtil.AsLong(o["count"]) ?? JsonUtil.AsLong(o["series"]?["count"]) ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                JsonUtil.Str(o["metadata"], "name"),
            ];
        });
}

/// <summary>
/// events.k8s.io/v1 Events: the same stored objects as core/v1 Events under other field names,
/// with the stricter validation of the new API.
/// </summary>
internal sealed class EventsV1Strategy : CoreEventStrategy
{
    private static readonly (string V1, string Core)[] Renames =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    public override JsonObject FromStorage(ResourceType rt, JsonObject stored)
    {
        foreach (var (v1, core) in Renames)
        {
            if (stored.Remove(core, out var v))
            {
                stored[v1] = v;
            }
        }

        return stored;
    }

    public override JsonObject ToStorage(ResourceType rt, JsonObject obj)
    {
        foreach (var (v1, core) in Renames)
        {
            if (obj.Remove(v1, out var v))
            {
                obj[core] = v;
            }
        }

        return obj;
    }

    public override string? NormalizeFieldLabel(ResourceType rt, string label)
    {
        if (label.StartsWith("regarding.", StringComparison.Ordinal))
        {
            label = "involvedObject." + label["regarding.".Length..];
        }
        else if (label == "reportingController")
        {
            label = "reportingComponent";
        }
        else if (label == "deprecatedSource")
        {
            label = "source";
        }

        return base.NormalizeFieldLabel(rt, label);
    }

    /// <summary>Checks the storage form (core field names) and reports in v1 terms.</summary>
    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        obj = ToStorage(rt, obj.DeepClone().AsObject());
        base.Validate(rt, obj, errs, ctx);
        for (var i = 0; i < errs.Count; i++)
        {
            if (errs[i].Field.StartsWith("involvedObject", StringComparison.Ordinal))
            {
                errs[i] = errs[i] with { Field = "regarding" + errs[i].Field["involvedObject".Length..] };
            }
        }

        if (JsonUtil.IsNull(obj["eventTime"]))
        {
            errs.Add(FieldError.Required("eventTime"));
        }

        var type = JsonUtil.Str(obj, "type");
        if (string.IsNullOrEmpty(type))
        {
            errs.Add(FieldError.Invalid("type", type ?? "", "has invalid value: "));
        }

        var controller = JsonUtil.Str(obj, "reportingComponent") ?? "";
        if (controller.Length == 0)
        {
            errs.Add(FieldError.Required("reportingController"));
        }
        else
        {
            foreach (var m in NameRules.QualifiedNameErrors(controller))
            {
                errs.Add(FieldError.Invalid("reportingController", controller, m));
            }
        }

        var instance = JsonUtil.Str(obj, "reportingInstance") ?? "";
        if (instance.Length == 0)
        {
            errs.Add(FieldError.Required("reportingInstance"));
        }
        else if (instance.Length > 128)
        {
            errs.Add(FieldError.Invalid("reportingInstance", instance, "can have at most 128 characters"));
        }

        var action = JsonUtil.Str(obj, "action") ?? "";
        if (action.Length == 0)
        {
            errs.Add(FieldError.Required("action"));
        }
        else if (action.Length > 128)
        {
            errs.Add(FieldError.Invalid("action", action, "can have at most 128 characters"));
        }

        var reason = JsonUtil.Str(obj, "reason") ?? "";
        if (reason.Length == 0)
        {
            errs.Add(FieldError.Required("reason"));
        }
        else if (reason.Length > 128)
        {
            errs.Add(FieldError.Invalid("reason", reason, "can have at most 128 characters"));
        }

        var note = JsonUtil.Str(obj, "message") ?? "";
        if (note.Length > 1024)
        {
            errs.Add(FieldError.Invalid("note", note, "can have at most 1024 characters"));
        }
    }
}
