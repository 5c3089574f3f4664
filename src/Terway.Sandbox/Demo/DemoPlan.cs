using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.Sandbox.Hosting;

namespace Terway.Sandbox.Demo;

/// <summary>
/// The demo workload, as data (<c>config/sandbox/demo.json</c>): manifests to apply, replica
/// counts for its StatefulSets and Deployments, how long to wait, how thoroughly to ping.
/// </summary>
public sealed record DemoPlan
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Manifest files, relative to config/ (or absolute).</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    /// <summary>Replicas of StatefulSets and Deployments by <c>namespace/name</c>, overriding the manifests.</summary>
    public IReadOnlyDictionary<string, int> Replicas { get; init; } = new Dictionary<string, int>();

    /// <summary>How long to wait for the demo's pods.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Pods up to which every pair is pinged.</summary>
    public int FullMatrixUpTo { get; init; } = 12;

    /// <summary>The built-in plan (or the checkout's config/sandbox/demo.json).</summary>
    public static DemoPlan Default(string? configDirectory) => Parse(ConfigFiles.Read("sandbox/demo.json", configDirectory));

    /// <summary>Reads a plan file.</summary>
    public static DemoPlan Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses a plan (JSON with comments).</summary>
    public static DemoPlan Parse(string json) =>
        JsonSerializer.Deserialize<DemoPlan>(json, JsonOptions) ?? throw new ArgumentException("the demo plan is empty");

    /// <summary>
    /// The plan's objects, ready to apply: every PodNetworking gets the sandbox's pod vSwitches and
    /// pod security group, every StatefulSet and Deployment the replica count the plan names.
    /// </summary>
    public IReadOnlyList<JsonObject> Objects(SandboxCloudInfo cloud, string? configDirectory, string? planDirectory = null)
    {
        var objects = new List<JsonObject>();
        foreach (var manifest in Manifests)
        {
            var text = planDirectory is not null && !Path.IsPathRooted(manifest) && File.Exists(Path.Combine(planDirectory, manifest))
                ? File.ReadAllText(Path.Combine(planDirectory, manifest))
                : ConfigFiles.Read(manifest, configDirectory);
            foreach (var doc in ConfigFiles.Documents(text))
            {
                Rewrite(doc, cloud);
                objects.Add(doc);
            }
        }

        return objects;
    }

    private void Rewrite(JsonObject doc, SandboxCloudInfo cloud)
    {
        var kind = doc["kind"]?.GetValue<string>();
        var spec = doc["spec"] as JsonObject;
        if (kind == "PodNetworking" && spec is not null)
        {
            spec["vSwitchOptions"] = new JsonArray([.. cloud.Zones.Select(z => (JsonNode?)JsonValue.Create(z.PodVSwitchId))]);
            spec["securityGroupIDs"] = new JsonArray(JsonValue.Create(cloud.PodSecurityGroupId));
        }

        if (kind is "StatefulSet" or "Deployment" && spec is not null)
        {
            var key = $"{doc["metadata"]?["namespace"]?.GetValue<string>() ?? "default"}/{doc["metadata"]?["name"]?.GetValue<string>()}";
            if (Replicas.TryGetValue(key, out var replicas))
            {
                spec["replicas"] = replicas;
            }
        }
    }

    /// <summary>The workloads the plan creates, as <c>namespace/name</c> with their kind and replica count.</summary>
    public static IReadOnlyList<(string Kind, string Namespace, string Name, int Replicas)> Workloads(IEnumerable<JsonObject> objects) =>
        [.. objects.Where(o => o["kind"]?.GetValue<string>() is "StatefulSet" or "Deployment")
            .Select(o => (o["kind"]!.GetValue<string>(), o["metadata"]?["namespace"]?.GetValue<string>() ?? "default", o["metadata"]!["name"]!.GetValue<string>(),
                int.Parse(o["spec"]?["replicas"]?.ToJsonString() ?? "1", CultureInfo.InvariantCulture)))];
}
