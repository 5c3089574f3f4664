using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Selectors;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>The workload kinds of apps/v1 the emulator stores.</summary>
internal enum WorkloadKind
{
    Deployment,
    StatefulSet,
    ReplicaSet,
}

/// <summary>
/// Deployments, StatefulSets and ReplicaSets: stored with defaults and validation. The emulator
/// runs no workload controllers; the sandbox's own controllers (Cluster/) play that part.
/// </summary>
internal sealed class WorkloadStrategy(WorkloadKind kind) : KindStrategy
{
    private readonly bool _statefulSet = kind == WorkloadKind.StatefulSet;

    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        obj["status"] = new JsonObject();
        var spec = JsonUtil.EnsureObject(obj, "spec");
        SetDefault(spec, "replicas", 1);
        if (kind == WorkloadKind.ReplicaSet)
        {
            DefaultTemplate(spec);
            return;
        }

        SetDefault(spec, "revisionHistoryLimit", 10);
        if (_statefulSet)
        {
            SetDefault(spec, "podManagementPolicy", "OrderedReady");
            if (spec["updateStrategy"] is not JsonObject)
            {
                spec["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } };
            }

            if (spec["persistentVolumeClaimRetentionPolicy"] is not JsonObject)
            {
                spec["persistentVolumeClaimRetentionPolicy"] = new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" };
            }
        }
        else
        {
            SetDefault(spec, "progressDeadlineSeconds", 600);
            if (spec["strategy"] is not JsonObject)
            {
                spec["strategy"] = new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
                };
            }
        }

        DefaultTemplate(spec);
    }

    public override void PrepareForUpdate(ResourceType rt, JsonObject obj, JsonObject old, OpContext ctx)
    {
        if (obj["spec"] is JsonObject spec)
        {
            DefaultTemplate(spec);
        }
    }

    private static void SetDefault(JsonObject o, string k, JsonNode v)
    {
        if (JsonUtil.IsNull(o[k]))
        {
            o[k] = v;
        }
    }

    private static void DefaultTemplate(JsonObject spec)
    {
        if (spec["template"]?["spec"] is not JsonObject ps)
        {
            return;
        }

        SetDefault(ps, "restartPolicy", "Always");
        SetDefault(ps, "terminationGracePeriodSeconds", 30);
        SetDefault(ps, "dnsPolicy", "ClusterFirst");
        SetDefault(ps, "schedulerName", "default-scheduler");
        if (ps["securityContext"] is not JsonObject)
        {
            ps["securityContext"] = new JsonObject();
        }

        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var c in (JsonUtil.Arr(ps, list) ?? []).OfType<JsonObject>())
            {
                SetDefault(c, "terminationMessagePath", "/dev/termination-log");
                SetDefault(c, "terminationMessagePolicy", "File");
                if (c["resources"] is not JsonObject)
                {
                    c["resources"] = new JsonObject();
                }

                var image = JsonUtil.Str(c, "image") ?? "";
                var last = image[(image.LastIndexOf('/') + 1)..];
                SetDefault(c, "imagePullPolicy", !image.Contains('@', StringComparison.Ordinal) && (!last.Contains(':', StringComparison.Ordinal) || last.EndsWith(":latest", StringComparison.Ordinal)) ? "Always" : "IfNotPresent");
            }
        }
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var replicas = JsonUtil.AsLong(spec["replicas"]);
        if (replicas < 0)
        {
            errs.Add(FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0"));
        }

        var selectorObj = spec["selector"] as JsonObject;
        LabelSelector? selector = null;
        if (selectorObj == null)
        {
            errs.Add(FieldError.Required("spec.selector"));
        }
        else
        {
            try
            {
                selector = LabelSelector.FromObject(selectorObj);
            }
            catch (FormatException e)
            {
                errs.Add(FieldError.Invalid("spec.selector", selectorObj, e.Message));
            }

            if (selector is { IsEmpty: true })
            {
                errs.Add(FieldError.Invalid("spec.selector", selectorObj, "empty selector is invalid for " + kind.ToString().ToLowerInvariant()));
            }
        }

        var template = spec["template"] as JsonObject;
        var labels = (JsonUtil.Obj(template?["metadata"], "labels") ?? []).ToDictionary(p => p.Key, p => JsonUtil.AsString(p.Value) ?? "", StringComparer.Ordinal);
        if (selector is { IsEmpty: false } && !selector.Matches(labels))
        {
            errs.Add(FieldError.Invalid("spec.template.metadata.labels", JsonUtil.Obj(template?["metadata"], "labels"), "`selector` does not match template `labels`"));
        }

        if (template?["spec"] is JsonObject podSpec)
        {
            var podErrs = new List<FieldError>();
            new PodStrategy().Validate(rt, new JsonObject { ["spec"] = podSpec.DeepClone() }, podErrs, ctx);
            errs.AddRange(podErrs.Select(e => e with { Field = "spec.template." + e.Field }));
            var restart = JsonUtil.Str(podSpec, "restartPolicy");
            if (restart is not (null or "Always"))
            {
                errs.Add(FieldError.NotSupported("spec.template.spec.restartPolicy", restart, ["\"Always\""]));
            }
        }
        else
        {
            errs.Add(FieldError.Required("spec.template.spec.containers"));
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        if (ctx.SubResource == "status")
        {
            return;
        }

        if (!JsonUtil.DeepEquals(obj["spec"]?["selector"], old["spec"]?["selector"]))
        {
            errs.Add(FieldError.Invalid("spec.selector", obj["spec"]?["selector"], "field is immutable"));
        }

        if (_statefulSet)
        {
            var a = obj["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
            var b = old["spec"]?.DeepClone() as JsonObject ?? new JsonObject();
            foreach (var f in new[] { "replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "revisionHistoryLimit" })
            {
                a.Remove(f);
                b.Remove(f);
            }

            if (!JsonUtil.DeepEquals(a, b))
            {
                errs.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
            }
        }
    }

    public override TableLayout Table => kind switch
    {
        WorkloadKind.StatefulSet => StatefulSetTable,
        WorkloadKind.ReplicaSet => ReplicaSetTable,
        _ => DeploymentTable,
    };

    private static string Images(JsonObject o) => string.Join(",", (JsonUtil.Arr(o["spec"]?["template"]?["spec"], "containers") ?? []).Select(c => JsonUtil.Str(c, "image")));

    private static string Containers(JsonObject o) => string.Join(",", (JsonUtil.Arr(o["spec"]?["template"]?["spec"], "containers") ?? []).Select(c => JsonUtil.Str(c, "name")));

    private static readonly TableLayout DeploymentTable = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Ready", "string", "Number of the pod with ready state"),
            new TableColumn("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            new TableColumn("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            TableConverter.AgeColumn,
            new TableColumn("Containers", "string", "Names of each container in the template.", 1),
            new TableColumn("Images", "string", "Images referenced by each container in the template.", 1),
            new TableColumn("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
        ],
        (o, now) =>
        {
            var st = o["status"];
            var sel = LabelSelector.FromObject(o["spec"]?["selector"] as JsonObject);
            return
            [
                JsonUtil.Str(o["metadata"], "name"), $"{JsonUtil.AsLong(st?["readyReplicas"]) ?? 0}/{JsonUtil.AsLong(o["spec"]?["replicas"]) ?? 0}",
                JsonUtil.AsLong(st?["updatedReplicas"]) ?? 0, JsonUtil.AsLong(st?["availableReplicas"]) ?? 0, TableConverter.Age(o, now),
                Containers(o), Images(o), sel?.ToString() ?? "",
            ];
        });

    private static readonly TableLayout ReplicaSetTable = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Desired", "integer", "Number of desired pods."),
            new TableColumn("Current", "integer", "Number of actual replicas."),
            new TableColumn("Ready", "integer", "Number of ready replicas."),
            TableConverter.AgeColumn,
            new TableColumn("Containers", "string", "Names of each container in the template.", 1),
            new TableColumn("Images", "string", "Images referenced by each container in the template.", 1),
            new TableColumn("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
        ],
        (o, now) =>
        [
            JsonUtil.Str(o["metadata"], "name"), JsonUtil.AsLong(o["spec"]?["replicas"]) ?? 0, JsonUtil.AsLong(o["status"]?["replicas"]) ?? 0,
            JsonUtil.AsLong(o["status"]?["readyReplicas"]) ?? 0, TableConverter.Age(o, now), Containers(o), Images(o),
            LabelSelector.FromObject(o["spec"]?["selector"] as JsonObject)?.ToString() ?? "",
        ]);

    private static readonly TableLayout StatefulSetTable = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Ready", "string", "Number of the pod with ready state"),
            TableConverter.AgeColumn,
            new TableColumn("Containers", "string", "Names of each container in the template.", 1),
            new TableColumn("Images", "string", "Images referenced by each container in the template.", 1),
        ],
        (o, now) =>
        [
            JsonUtil.Str(o["metadata"], "name"), $"{JsonUtil.AsLong(o["status"]?["readyReplicas"]) ?? 0}/{JsonUtil.AsLong(o["spec"]?["replicas"]) ?? 0}",
            TableConverter.Age(o, now), Containers(o), Images(o),
        ]);
}
