using System.Text;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;
using Terway.Sandbox.KubeApi.Validation;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>Namespaces: phase Active on create, the <c>kubernetes</c> finalizer, the name label.</summary>
internal sealed class NamespaceStrategy : KindStrategy
{
    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        var spec = JsonUtil.EnsureObject(obj, "spec");
        if (spec["finalizers"] is not JsonArray)
        {
            spec["finalizers"] = new JsonArray("kubernetes");
        }

        AddNameLabel(obj);
    }

    public override void PrepareForUpdate(ResourceType rt, JsonObject obj, JsonObject old, OpContext ctx)
    {
        if (ctx.SubResource != "finalize")
        {
            // spec.finalizers change only through the finalize subresource.
            var spec = JsonUtil.EnsureObject(obj, "spec");
            spec["finalizers"] = old["spec"]?["finalizers"]?.DeepClone();
            if (spec["finalizers"] == null)
            {
                spec.Remove("finalizers");
            }
        }

        AddNameLabel(obj);
    }

    public override bool BlocksDeletion(JsonObject obj) => (JsonUtil.Arr(obj["spec"], "finalizers") ?? []).Count > 0;

    public override void OnDeletionStarted(JsonObject obj) => JsonUtil.EnsureObject(obj, "status")["phase"] = "Terminating";

    private static void AddNameLabel(JsonObject obj)
    {
        var meta = Meta(obj);
        var labels = JsonUtil.EnsureObject(meta, "labels");
        labels["kubernetes.io/metadata.name"] = JsonUtil.Str(meta, "name");
    }

    public override string? NormalizeFieldLabel(ResourceType rt, string label) => label switch
    {
        "metadata.name" or "status.phase" => label,
        _ => null,
    };

    public override void AddFields(JsonObject obj, Dictionary<string, string> fields) =>
        fields["status.phase"] = JsonUtil.Str(obj["status"], "phase") ?? "";

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Status", "string", "The status of the namespace"), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o["status"], "phase"), TableConverter.Age(o, now)]);
}

/// <summary>Nodes: cluster-scoped, status written by the kubelet.</summary>
internal sealed class NodeStrategy : KindStrategy
{
    public override string? NormalizeFieldLabel(ResourceType rt, string label) => label switch
    {
        "metadata.name" or "spec.unschedulable" => label,
        _ => null,
    };

    public override void AddFields(JsonObject obj, Dictionary<string, string> fields) =>
        fields["spec.unschedulable"] = JsonUtil.AsBool(obj["spec"]?["unschedulable"]) == true ? "true" : "false";

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        if (obj["spec"]?["podCIDRs"] is JsonArray cidrs)
        {
            for (var i = 0; i < cidrs.Count; i++)
            {
                var c = JsonUtil.AsString(cidrs[i]) ?? "";
                if (!System.Net.IPNetwork.TryParse(c, out _))
                {
                    errs.Add(FieldError.Invalid($"spec.podCIDRs[{i}]", c, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
                }
            }
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        var oldCidr = JsonUtil.Str(old["spec"], "podCIDR");
        var newCidr = JsonUtil.Str(obj["spec"], "podCIDR");
        if (!string.IsNullOrEmpty(oldCidr) && oldCidr != newCidr)
        {
            errs.Add(FieldError.Forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
        }

        var oldProvider = JsonUtil.Str(old["spec"], "providerID");
        var newProvider = JsonUtil.Str(obj["spec"], "providerID");
        if (!string.IsNullOrEmpty(oldProvider) && oldProvider != newProvider)
        {
            errs.Add(FieldError.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
        }
    }

    public override TableLayout Table { get; } = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Status", "string", "The status of the node"),
            new TableColumn("Roles", "string", "The roles of the node"),
            TableConverter.AgeColumn,
            new TableColumn("Version", "string", "Kubelet Version reported by the node."),
            new TableColumn("Internal-IP", "string", "List of internal IPs in the node.", 1),
            new TableColumn("External-IP", "string", "List of external IPs in the node.", 1),
            new TableColumn("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
            new TableColumn("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
            new TableColumn("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
        ],
        (o, now) =>
        {
            var status = o["status"] as JsonObject;
            var ready = (JsonUtil.Arr(status, "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => JsonUtil.Str(c, "type") == "Ready");
            var st = ready == null ? "Unknown" : JsonUtil.Str(ready, "status") switch { "True" => "Ready", "False" => "NotReady", _ => "Unknown" };
            if (JsonUtil.AsBool(o["spec"]?["unschedulable"]) == true)
            {
                st += ",SchedulingDisabled";
            }

            var roles = (JsonUtil.Obj(o["metadata"], "labels") ?? []).Select(p => p.Key)
                .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)).Select(k => k["node-role.kubernetes.io/".Length..])
                .Where(r => r.Length > 0).OrderBy(r => r, StringComparer.Ordinal).ToList();
            string Addr(string type) => string.Join(",", (JsonUtil.Arr(status, "addresses") ?? []).OfType<JsonObject>()
                .Where(a => JsonUtil.Str(a, "type") == type).Select(a => JsonUtil.Str(a, "address"))) is { Length: > 0 } s ? s : "<none>";
            var info = status?["nodeInfo"] as JsonObject;
            return
            [
                JsonUtil.Str(o["metadata"], "name"), st, roles.Count == 0 ? "<none>" : string.Join(",", roles), TableConverter.Age(o, now),
                JsonUtil.Str(info, "kubeletVersion") ?? "", Addr("InternalIP"), Addr("ExternalIP"),
                JsonUtil.Str(info, "osImage") ?? "<unknown>", JsonUtil.Str(info, "kernelVersion") ?? "<unknown>", JsonUtil.Str(info, "containerRuntimeVersion") ?? "<unknown>",
            ];
        });
}

/// <summary>ConfigMaps: key syntax, the 1 MiB limit, <c>immutable</c>.</summary>
internal sealed class ConfigMapStrategy : KindStrategy
{
    private const int MaxSize = 1024 * 1024;

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        long total = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in new[] { "data", "binaryData" })
        {
            if (obj[field] is not JsonObject data)
            {
                continue;
            }

            foreach (var (k, v) in data)
            {
                foreach (var m in ConfigKeyErrors(k))
                {
                    errs.Add(FieldError.Invalid(field + "[" + k + "]", k, m));
                }

                if (!keys.Add(k))
                {
                    errs.Add(FieldError.Invalid(field + "[" + k + "]", k, "duplicate of key present in " + (field == "data" ? "binaryData" : "data")));
                }

                total += Encoding.UTF8.GetByteCount(JsonUtil.AsString(v) ?? "");
            }
        }

        if (total > MaxSize)
        {
            errs.Add(FieldError.TooLongBytes("", MaxSize));
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        Immutability.Check(obj, old, errs, "data", "binaryData");
    }

    internal static List<string> ConfigKeyErrors(string key)
    {
        var errs = new List<string>();
        if (key.Length > 253)
        {
            errs.Add("must be no more than 253 characters");
        }

        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errs.Add("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        }

        if (key is "." or "..")
        {
            errs.Add($"must not be '{key}'");
        }
        else if (key.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add("must not start with '..'");
        }

        return errs;
    }

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Data", "string", "Number of data in configmap"), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0), TableConverter.Age(o, now)]);
}

/// <summary>Secrets: <c>stringData</c> folded into base64 <c>data</c>, type defaulting and immutability.</summary>
internal sealed class SecretStrategy : KindStrategy
{
    public override void Decode(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        if (obj["data"] is JsonObject data)
        {
            foreach (var (k, v) in data.ToList())
            {
                var s = JsonUtil.AsString(v);
                if (s == null && !JsonUtil.IsNull(v))
                {
                    throw StatusException.BadRequest($"Secret in version \"v1\" cannot be handled as a Secret: json: cannot unmarshal {JsonUtil.TypeName(v)} into Go struct field Secret.data of type []uint8");
                }

                try
                {
                    Convert.FromBase64String(s ?? "");
                }
                catch (FormatException)
                {
                    throw StatusException.BadRequest($"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 0");
                }
            }
        }

        if (obj["stringData"] is JsonObject sd)
        {
            var target = JsonUtil.EnsureObject(obj, "data");
            foreach (var (k, v) in sd)
            {
                target[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonUtil.AsString(v) ?? ""));
            }

            obj.Remove("stringData");
        }

        if (string.IsNullOrEmpty(JsonUtil.Str(obj, "type")))
        {
            obj["type"] = "Opaque";
        }
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        long total = 0;
        if (obj["data"] is JsonObject data)
        {
            foreach (var (k, v) in data)
            {
                foreach (var m in ConfigMapStrategy.ConfigKeyErrors(k))
                {
                    errs.Add(FieldError.Invalid("data[" + k + "]", k, m));
                }

                total += (JsonUtil.AsString(v) ?? "").Length * 3 / 4;
            }
        }

        if (total > 1024 * 1024)
        {
            errs.Add(FieldError.TooLongBytes("data", 1024 * 1024));
        }

        var type = JsonUtil.Str(obj, "type");
        if (type == "kubernetes.io/service-account-token")
        {
            if (string.IsNullOrEmpty(JsonUtil.Str(obj["metadata"]?["annotations"], "kubernetes.io/service-account.name")))
            {
                errs.Add(FieldError.Required("metadata.annotations[kubernetes.io/service-account.name]"));
            }
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        Validate(rt, obj, errs, ctx);
        if (JsonUtil.Str(obj, "type") != JsonUtil.Str(old, "type"))
        {
            errs.Add(FieldError.Invalid("type", JsonUtil.Str(obj, "type"), "field is immutable"));
        }

        Immutability.Check(obj, old, errs, "data");
    }

    public override string? NormalizeFieldLabel(ResourceType rt, string label) => label switch
    {
        "metadata.name" or "metadata.namespace" or "type" => label,
        _ => null,
    };

    public override void AddFields(JsonObject obj, Dictionary<string, string> fields) => fields["type"] = JsonUtil.Str(obj, "type") ?? "";

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Type", "string", "The type of the secret"), new TableColumn("Data", "string", "The number of data in the secret"), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o, "type"), (o["data"] as JsonObject)?.Count ?? 0, TableConverter.Age(o, now)]);
}

/// <summary>The <c>immutable: true</c> rule shared by ConfigMaps and Secrets.</summary>
internal static class Immutability
{
    public static void Check(JsonObject obj, JsonObject old, List<FieldError> errs, params string[] fields)
    {
        if (JsonUtil.AsBool(old["immutable"]) != true)
        {
            return;
        }

        if (JsonUtil.AsBool(obj["immutable"]) != true)
        {
            errs.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
        }

        foreach (var f in fields)
        {
            if (!JsonUtil.DeepEquals(obj[f], old[f]))
            {
                errs.Add(FieldError.Forbidden(f, "field is immutable when `immutable` is set"));
            }
        }
    }
}

/// <summary>ServiceAccounts.</summary>
internal sealed class ServiceAccountStrategy : KindStrategy
{
    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Secrets", "string", "Secrets is the list of secrets allowed to be used by pods running using this ServiceAccount."), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), (o["secrets"] as JsonArray)?.Count ?? 0, TableConverter.Age(o, now)]);
}

/// <summary>coordination.k8s.io Leases.</summary>
internal sealed class LeaseStrategy : KindStrategy
{
    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var spec = obj["spec"] as JsonObject;
        foreach (var f in new[] { "leaseDurationSeconds", "leaseTransitions" })
        {
            var v = JsonUtil.AsLong(spec?[f]);
            if (v == null)
            {
                continue;
            }

            if (f == "leaseDurationSeconds" && v <= 0)
            {
                errs.Add(FieldError.Invalid("spec." + f, v, "must be greater than 0"));
            }
            else if (v < 0)
            {
                errs.Add(FieldError.Invalid("spec." + f, v, "must be greater than or equal to 0"));
            }
        }
    }

    public override TableLayout Table { get; } = new(
        [TableConverter.NameColumn, new TableColumn("Holder", "string", "The holder of the lease"), TableConverter.AgeColumn],
        (o, now) => [JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(o["spec"], "holderIdentity") ?? "", TableConverter.Age(o, now)]);
}
