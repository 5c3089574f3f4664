using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>
/// Pods: the defaults and admission-time fields the real server fills in, the container checks,
/// the "only images and a few fields may change" update rule, graceful deletion while bound.
/// </summary>
internal sealed class PodStrategy : KindStrategy
{
    public const string UpdateForbiddenMessage =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    private static readonly string[] FieldLabels =
    [
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
    ];

    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        var spec = JsonUtil.EnsureObject(obj, "spec");
        SetDefault(spec, "restartPolicy", "Always");
        SetDefault(spec, "terminationGracePeriodSeconds", 30);
        SetDefault(spec, "dnsPolicy", "ClusterFirst");
        if (spec["securityContext"] is not JsonObject)
        {
            spec["securityContext"] = new JsonObject();
        }

        SetDefault(spec, "schedulerName", "default-scheduler");
        SetDefault(spec, "enableServiceLinks", true);
        var sa = JsonUtil.Str(spec, "serviceAccountName");
        if (string.IsNullOrEmpty(sa))
        {
            sa = JsonUtil.Str(spec, "serviceAccount");
        }

        if (string.IsNullOrEmpty(sa))
        {
            sa = "default";
        }

        spec["serviceAccountName"] = sa;
        spec["serviceAccount"] = sa;
        SetDefault(spec, "priority", 0);
        SetDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
        AddDefaultTolerations(spec);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            foreach (var c in (JsonUtil.Arr(spec, list) ?? []).OfType<JsonObject>())
            {
                DefaultContainer(c);
            }
        }

        obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(spec) };
    }

    private static void SetDefault(JsonObject o, string key, JsonNode value)
    {
        if (JsonUtil.IsNull(o[key]))
        {
            o[key] = value;
        }
    }

    private static void AddDefaultTolerations(JsonObject spec)
    {
        var tolerations = spec["tolerations"] as JsonArray ?? [];
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            var exists = tolerations.OfType<JsonObject>().Any(t =>
                (JsonUtil.Str(t, "key") == key || (string.IsNullOrEmpty(JsonUtil.Str(t, "key")) && JsonUtil.Str(t, "operator") == "Exists")) &&
                (string.IsNullOrEmpty(JsonUtil.Str(t, "effect")) || JsonUtil.Str(t, "effect") == "NoExecute"));
            if (!exists)
            {
                tolerations.Add(new JsonObject
                {
                    ["key"] = key,
                    ["operator"] = "Exists",
                    ["effect"] = "NoExecute",
                    ["tolerationSeconds"] = 300,
                });
            }
        }

        spec["tolerations"] = tolerations;
    }

    private static void DefaultContainer(JsonObject c)
    {
        SetDefault(c, "terminationMessagePath", "/dev/termination-log");
        SetDefault(c, "terminationMessagePolicy", "File");
        if (c["resources"] is not JsonObject)
        {
            c["resources"] = new JsonObject();
        }

        var image = JsonUtil.Str(c, "image") ?? "";
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        var latest = !image.Contains('@', StringComparison.Ordinal) && (!lastSegment.Contains(':', StringComparison.Ordinal) || lastSegment.EndsWith(":latest", StringComparison.Ordinal));
        SetDefault(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
        foreach (var p in (JsonUtil.Arr(c, "ports") ?? []).OfType<JsonObject>())
        {
            SetDefault(p, "protocol", "TCP");
        }

        foreach (var e in (JsonUtil.Arr(c, "env") ?? []).OfType<JsonObject>())
        {
            if (e["valueFrom"]?["fieldRef"] is JsonObject fr)
            {
                SetDefault(fr, "apiVersion", "v1");
            }
        }
    }

    private static string QosClass(JsonObject spec)
    {
        var containers = (JsonUtil.Arr(spec, "containers") ?? []).OfType<JsonObject>().ToList();
        var anySet = false;
        var guaranteed = containers.Count > 0;
        foreach (var c in containers)
        {
            var req = c["resources"]?["requests"] as JsonObject;
            var lim = c["resources"]?["limits"] as JsonObject;
            if ((req?.Count ?? 0) > 0 || (lim?.Count ?? 0) > 0)
            {
                anySet = true;
            }

            foreach (var r in new[] { "cpu", "memory" })
            {
                var l = JsonUtil.AsString(lim?[r]) ?? lim?[r]?.ToString();
                var q = JsonUtil.AsString(req?[r]) ?? req?[r]?.ToString() ?? l;
                if (l == null || q != l)
                {
                    guaranteed = false;
                }
            }
        }

        return !anySet ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var volumes = new HashSet<string>(StringComparer.Ordinal);
        var vols = JsonUtil.Arr(spec, "volumes") ?? [];
        for (var i = 0; i < vols.Count; i++)
        {
            var name = JsonUtil.Str(vols[i], "name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required($"spec.volumes[{i}].name"));
            }
            else
            {
                foreach (var m in NameRules.LabelErrors(name))
                {
                    errs.Add(FieldError.Invalid($"spec.volumes[{i}].name", name, m));
                }

                if (!volumes.Add(name))
                {
                    errs.Add(FieldError.Duplicate($"spec.volumes[{i}].name", name));
                }
            }
        }

        var containers = JsonUtil.Arr(spec, "containers");
        if (containers == null || containers.Count == 0)
        {
            errs.Add(FieldError.Required("spec.containers"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            var arr = JsonUtil.Arr(spec, list) ?? [];
            for (var i = 0; i < arr.Count; i++)
            {
                ValidateContainer(arr[i] as JsonObject ?? new JsonObject(), $"spec.{list}[{i}]", names, volumes, errs);
            }
        }

        var restart = JsonUtil.Str(spec, "restartPolicy");
        if (restart != null && restart is not ("Always" or "OnFailure" or "Never"))
        {
            errs.Add(FieldError.NotSupported("spec.restartPolicy", restart, ["\"Always\"", "\"OnFailure\"", "\"Never\""]));
        }

        var dns = JsonUtil.Str(spec, "dnsPolicy");
        if (dns != null && dns is not ("ClusterFirstWithHostNet" or "ClusterFirst" or "Default" or "None"))
        {
            errs.Add(FieldError.NotSupported("spec.dnsPolicy", dns, ["\"ClusterFirstWithHostNet\"", "\"ClusterFirst\"", "\"Default\"", "\"None\""]));
        }

        var nodeName = JsonUtil.Str(spec, "nodeName");
        if (!string.IsNullOrEmpty(nodeName))
        {
            foreach (var m in NameRules.SubdomainErrors(nodeName))
            {
                errs.Add(FieldError.Invalid("spec.nodeName", nodeName, m));
            }
        }

        var grace = JsonUtil.AsLong(spec["terminationGracePeriodSeconds"]);
        if (grace < 0)
        {
            errs.Add(FieldError.Invalid("spec.terminationGracePeriodSeconds", grace, "must be greater than or equal to 0"));
        }
    }

    private static void ValidateContainer(JsonObject c, string path, HashSet<string> names, HashSet<string> volumes, List<FieldError> errs)
    {
        var name = JsonUtil.Str(c, "name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required(path + ".name"));
        }
        else
        {
            foreach (var m in NameRules.LabelErrors(name))
            {
                errs.Add(FieldError.Invalid(path + ".name", name, m));
            }

            if (!names.Add(name))
            {
                errs.Add(FieldError.Duplicate(path + ".name", name));
            }
        }

        if (string.IsNullOrWhiteSpace(JsonUtil.Str(c, "image")))
        {
            errs.Add(FieldError.Required(path + ".image"));
        }

        var ports = JsonUtil.Arr(c, "ports") ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i] as JsonObject ?? new JsonObject();
            var cp = JsonUtil.AsLong(p["containerPort"]);
            if (cp == null)
            {
                errs.Add(FieldError.Required($"{path}.ports[{i}].containerPort"));
            }
            else if (cp < 1 || cp > 65535)
            {
                errs.Add(FieldError.Invalid($"{path}.ports[{i}].containerPort", cp, "must be between 1 and 65535, inclusive"));
            }

            var proto = JsonUtil.Str(p, "protocol");
            if (proto != null && proto is not ("TCP" or "UDP" or "SCTP"))
            {
                errs.Add(FieldError.NotSupported($"{path}.ports[{i}].protocol", proto, ["\"SCTP\"", "\"TCP\"", "\"UDP\""]));
            }
        }

        var mounts = JsonUtil.Arr(c, "volumeMounts") ?? [];
        for (var i = 0; i < mounts.Count; i++)
        {
            var vn = JsonUtil.Str(mounts[i], "name") ?? "";
            if (vn.Length == 0)
            {
                errs.Add(FieldError.Required($"{path}.volumeMounts[{i}].name"));
            }
            else if (!volumes.Contains(vn))
            {
                errs.Add(FieldError.NotFound($"{path}.volumeMounts[{i}].name", vn));
            }

            if (string.IsNullOrEmpty(JsonUtil.Str(mounts[i], "mountPath")))
            {
                errs.Add(FieldError.Required($"{path}.volumeMounts[{i}].mountPath"));
            }
        }

        var env = JsonUtil.Arr(c, "env") ?? [];
        for (var i = 0; i < env.Count; i++)
        {
            if (string.IsNullOrEmpty(JsonUtil.Str(env[i], "name")))
            {
                errs.Add(FieldError.Required($"{path}.env[{i}].name"));
            }
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        if (ctx.SubResource is "status" or "binding")
        {
            return;
        }

        var a = (obj["spec"]?.DeepClone() as JsonObject) ?? new JsonObject();
        var b = (old["spec"]?.DeepClone() as JsonObject) ?? new JsonObject();
        foreach (var s in new[] { a, b })
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                foreach (var c in (JsonUtil.Arr(s, list) ?? []).OfType<JsonObject>())
                {
                    c.Remove("image");
                }
            }

            s.Remove("activeDeadlineSeconds");
            s.Remove("terminationGracePeriodSeconds");
        }

        // Tolerations may only grow.
        var newTol = (JsonUtil.Arr(a, "tolerations") ?? []).Select(JsonUtil.ToText).ToList();
        var oldTol = (JsonUtil.Arr(b, "tolerations") ?? []).Select(JsonUtil.ToText).ToList();
        var tolerationsOk = oldTol.All(newTol.Contains);
        a.Remove("tolerations");
        b.Remove("tolerations");
        if (!JsonUtil.DeepEquals(a, b) || !tolerationsOk)
        {
            errs.Add(FieldError.Forbidden("spec", UpdateForbiddenMessage));
        }
    }

    public override string? NormalizeFieldLabel(ResourceType rt, string label) => label == "spec.host" ? "spec.nodeName" : FieldLabels.Contains(label) ? label : null;

    public override void AddFields(JsonObject obj, Dictionary<string, string> fields)
    {
        var spec = obj["spec"];
        var status = obj["status"];
        fields["spec.nodeName"] = JsonUtil.Str(spec, "nodeName") ?? "";
        fields["spec.restartPolicy"] = JsonUtil.Str(spec, "restartPolicy") ?? "";
        fields["spec.schedulerName"] = JsonUtil.Str(spec, "schedulerName") ?? "";
        fields["spec.serviceAccountName"] = JsonUtil.Str(spec, "serviceAccountName") ?? "";
        fields["spec.hostNetwork"] = JsonUtil.AsBool(spec?["hostNetwork"]) == true ? "true" : "false";
        fields["status.phase"] = JsonUtil.Str(status, "phase") ?? "";
        fields["status.podIP"] = JsonUtil.Str(status, "podIP") ?? "";
        fields["status.podIPs"] = JsonUtil.Str((JsonUtil.Arr(status, "podIPs") ?? []).FirstOrDefault(), "ip") ?? "";
        fields["status.nominatedNodeName"] = JsonUtil.Str(status, "nominatedNodeName") ?? "";
    }

    public override long? GracefulDeletionSeconds(JsonObject obj, long? requested)
    {
        var nodeName = JsonUtil.Str(obj["spec"], "nodeName");
        var phase = JsonUtil.Str(obj["status"], "phase");
        if (string.IsNullOrEmpty(nodeName) || phase is "Succeeded" or "Failed")
        {
            // Never scheduled or already terminal: nothing on a node has to stop first.
            return 0;
        }

        return requested ?? JsonUtil.AsLong(obj["spec"]?["terminationGracePeriodSeconds"]) ?? 30;
    }

    public override TableLayout Table { get; } = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
            new TableColumn("Status", "string", "The aggregate status of the containers in this pod."),
            new TableColumn("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            TableConverter.AgeColumn,
            new TableColumn("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
            new TableColumn("Node", "string", "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", 1),
            new TableColumn("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
            new TableColumn("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
        ],
        Row);

    private static JsonNode?[] Row(JsonObject o, DateTimeOffset now)
    {
        var spec = o["spec"] as JsonObject;
        var status = o["status"] as JsonObject;
        var total = (JsonUtil.Arr(spec, "containers") ?? []).Count;
        var statuses = (JsonUtil.Arr(status, "containerStatuses") ?? []).OfType<JsonObject>().ToList();
        var ready = statuses.Count(s => JsonUtil.AsBool(s["ready"]) == true);
        var restarts = statuses.Sum(s => JsonUtil.AsLong(s["restartCount"]) ?? 0);
        var reason = JsonUtil.Str(status, "reason") ?? JsonUtil.Str(status, "phase") ?? "";
        foreach (var s in statuses)
        {
            var waiting = JsonUtil.Str(s["state"]?["waiting"], "reason");
            var terminated = JsonUtil.Str(s["state"]?["terminated"], "reason");
            if (!string.IsNullOrEmpty(waiting))
            {
                reason = waiting;
            }
            else if (!string.IsNullOrEmpty(terminated))
            {
                reason = terminated;
            }
        }

        if (o["metadata"]?["deletionTimestamp"] != null)
        {
            reason = "Terminating";
        }

        var ip = JsonUtil.Str(status, "podIP");
        var node = JsonUtil.Str(spec, "nodeName");
        var nominated = JsonUtil.Str(status, "nominatedNodeName");
        return
        [
            JsonUtil.Str(o["metadata"], "name"), $"{ready}/{total}", reason, restarts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TableConverter.Age(o, now), string.IsNullOrEmpty(ip) ? "<none>" : ip, string.IsNullOrEmpty(node) ? "<none>" : node,
            string.IsNullOrEmpty(nominated) ? "<none>" : nominated, "<none>",
        ];
    }
}
