using System.Net;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Json;
using Terway.Sandbox.KubeApi.Tables;

namespace Terway.Sandbox.KubeApi.Resources.Builtin;

/// <summary>Services: ClusterIP allocation from 10.96.0.0/12, defaults, port validation, immutable clusterIP.</summary>
internal sealed class ServiceStrategy : KindStrategy
{
    private long _next = 10;

    public override void PrepareForCreate(ResourceType rt, JsonObject obj, OpContext ctx)
    {
        var spec = JsonUtil.EnsureObject(obj, "spec");
        void D(string k, JsonNode v)
        {
            if (JsonUtil.IsNull(spec[k]))
            {
                spec[k] = v;
            }
        }

        D("type", "ClusterIP");
        D("sessionAffinity", "None");
        if (JsonUtil.Str(spec, "type") is "ClusterIP" or "NodePort" or "LoadBalancer")
        {
            D("internalTrafficPolicy", "Cluster");
            D("ipFamilies", new JsonArray("IPv4"));
            D("ipFamilyPolicy", "SingleStack");
            if (string.IsNullOrEmpty(JsonUtil.Str(spec, "clusterIP")))
            {
                var n = Interlocked.Increment(ref _next);
                spec["clusterIP"] = $"10.96.{n / 256 % 256}.{n % 256}";
            }

            spec["clusterIPs"] = new JsonArray(JsonUtil.Str(spec, "clusterIP"));
        }

        foreach (var p in (JsonUtil.Arr(spec, "ports") ?? []).OfType<JsonObject>())
        {
            if (JsonUtil.IsNull(p["protocol"]))
            {
                p["protocol"] = "TCP";
            }

            if (JsonUtil.IsNull(p["targetPort"]) && p["port"] is { } port)
            {
                p["targetPort"] = port.DeepClone();
            }
        }

        obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    public override void Validate(ResourceType rt, JsonObject obj, List<FieldError> errs, OpContext ctx)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var type = JsonUtil.Str(spec, "type") ?? "ClusterIP";
        if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
        {
            errs.Add(FieldError.NotSupported("spec.type", type, ["\"ClusterIP\"", "\"ExternalName\"", "\"LoadBalancer\"", "\"NodePort\""]));
        }

        var ports = JsonUtil.Arr(spec, "ports") ?? [];
        var headless = JsonUtil.Str(spec, "clusterIP") == "None";
        if (ports.Count == 0 && type != "ExternalName" && !headless)
        {
            errs.Add(FieldError.Required("spec.ports"));
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var port = JsonUtil.AsLong(ports[i]?["port"]);
            if (port is null or < 1 or > 65535)
            {
                errs.Add(FieldError.Invalid($"spec.ports[{i}].port", port ?? 0, "must be between 1 and 65535, inclusive"));
            }

            if (ports.Count > 1 && string.IsNullOrEmpty(JsonUtil.Str(ports[i], "name")))
            {
                errs.Add(FieldError.Required($"spec.ports[{i}].name"));
            }
        }

        var ip = JsonUtil.Str(spec, "clusterIP");
        if (!string.IsNullOrEmpty(ip) && ip != "None" && !IPAddress.TryParse(ip, out _))
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
    }

    public override void ValidateUpdate(ResourceType rt, JsonObject obj, JsonObject old, List<FieldError> errs, OpContext ctx)
    {
        if (string.IsNullOrEmpty(JsonUtil.Str(obj["spec"], "clusterIP")) && obj["spec"] is JsonObject spec)
        {
            spec["clusterIP"] = old["spec"]?["clusterIP"]?.DeepClone();
            spec["clusterIPs"] = old["spec"]?["clusterIPs"]?.DeepClone();
        }

        Validate(rt, obj, errs, ctx);
        if (JsonUtil.Str(obj["spec"], "clusterIP") != JsonUtil.Str(old["spec"], "clusterIP"))
        {
            errs.Add(FieldError.Invalid("spec.clusterIPs[0]", JsonUtil.Str(obj["spec"], "clusterIP"), "may not change once set"));
        }
    }

    public override TableLayout Table { get; } = new(
        [
            TableConverter.NameColumn,
            new TableColumn("Type", "string", "The type of the service"),
            new TableColumn("Cluster-IP", "string", "The cluster ip of the service"),
            new TableColumn("External-IP", "string", "The external ip of the service"),
            new TableColumn("Port(s)", "string", "The ports of the service"),
            TableConverter.AgeColumn,
            new TableColumn("Selector", "string", "The selector of the service", 1),
        ],
        (o, now) =>
        {
            var spec = o["spec"];
            var ports = string.Join(",", (JsonUtil.Arr(spec, "ports") ?? []).Select(p => $"{JsonUtil.AsLong(p?["port"])}/{JsonUtil.Str(p, "protocol") ?? "TCP"}"));
            var sel = string.Join(",", (JsonUtil.Obj(spec, "selector") ?? []).Select(p => p.Key + "=" + JsonUtil.AsString(p.Value)));
            return
            [
                JsonUtil.Str(o["metadata"], "name"), JsonUtil.Str(spec, "type") ?? "ClusterIP", JsonUtil.Str(spec, "clusterIP") ?? "<none>", "<none>",
                ports.Length == 0 ? "<none>" : ports, TableConverter.Age(o, now), sel.Length == 0 ? "<none>" : sel,
            ];
        });
}
