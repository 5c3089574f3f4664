using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Terway.Crds.Names;
using Terway.Operator.Webhooks.Admission;

namespace Terway.Operator.Webhooks.Pods;

/// <summary>
/// The JSON patch operations pod mutation sends. Each targets exactly what the pod lacks: a missing parent is added
/// whole, an existing one gets members added, so nothing else in the pod is rewritten.
/// </summary>
internal static class PodPatches
{
    /// <summary>Sets <paramref name="values"/> as annotations (adding or replacing each key).</summary>
    public static void SetAnnotations(V1Pod pod, IReadOnlyDictionary<string, string> values, List<JsonPatchOperation> patch)
    {
        if (pod.Metadata is null)
        {
            patch.Add(JsonPatchOperation.Add("/metadata", new JsonObject { ["annotations"] = StringMap(values) }));
            return;
        }

        if (pod.Metadata.Annotations is null)
        {
            patch.Add(JsonPatchOperation.Add("/metadata/annotations", StringMap(values)));
            return;
        }

        foreach (var (key, value) in values)
        {
            patch.Add(JsonPatchOperation.Add("/metadata/annotations/" + JsonPatchOperation.Escape(key), value));
        }
    }

    /// <summary>Sets requests and limits of <paramref name="resource"/> to <paramref name="count"/> on the first container.</summary>
    public static void SetFirstContainerResource(V1Pod pod, string resource, int count, List<JsonPatchOperation> patch)
    {
        var container = pod.Spec.Containers[0];
        var quantity = count.ToString(CultureInfo.InvariantCulture);
        const string Path = "/spec/containers/0/resources";
        if (container.Resources is null)
        {
            patch.Add(JsonPatchOperation.Add(Path, new JsonObject
            {
                ["limits"] = new JsonObject { [resource] = quantity },
                ["requests"] = new JsonObject { [resource] = quantity },
            }));
            return;
        }

        Set(container.Resources.Limits, "limits");
        Set(container.Resources.Requests, "requests");

        void Set(IDictionary<string, ResourceQuantity>? existing, string field)
        {
            patch.Add(existing is null
                ? JsonPatchOperation.Add($"{Path}/{field}", new JsonObject { [resource] = quantity })
                : JsonPatchOperation.Add($"{Path}/{field}/{JsonPatchOperation.Escape(resource)}", quantity));
        }
    }

    /// <summary>
    /// Appends one <c>topology.kubernetes.io/zone In [zones]</c> requirement per zone set to every required
    /// node-selector term (creating a term when there is none), as Terway does; preferred terms are untouched.
    /// </summary>
    public static void AddZoneAffinity(V1Pod pod, IReadOnlyList<IReadOnlyCollection<string>> zoneSets, List<JsonPatchOperation> patch)
    {
        JsonArray Requirements() => new([.. zoneSets.Select(zones => (JsonNode)new JsonObject
        {
            ["key"] = Labels.TopologyZone,
            ["operator"] = "In",
            ["values"] = new JsonArray([.. zones.Select(z => (JsonNode)JsonValue.Create(z))]),
        })]);
        JsonObject Terms() => new() { ["nodeSelectorTerms"] = new JsonArray(new JsonObject { ["matchExpressions"] = Requirements() }) };

        var affinity = pod.Spec.Affinity;
        if (affinity is null)
        {
            patch.Add(JsonPatchOperation.Add("/spec/affinity", new JsonObject
            {
                ["nodeAffinity"] = new JsonObject { ["requiredDuringSchedulingIgnoredDuringExecution"] = Terms() },
            }));
            return;
        }

        if (affinity.NodeAffinity is null)
        {
            patch.Add(JsonPatchOperation.Add("/spec/affinity/nodeAffinity", new JsonObject { ["requiredDuringSchedulingIgnoredDuringExecution"] = Terms() }));
            return;
        }

        const string Required = "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution";
        var required = affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution;
        if (required is null)
        {
            patch.Add(JsonPatchOperation.Add(Required, Terms()));
            return;
        }

        if (required.NodeSelectorTerms is not { Count: > 0 } terms)
        {
            patch.Add(JsonPatchOperation.Add(Required + "/nodeSelectorTerms", Terms()["nodeSelectorTerms"]!.DeepClone()));
            return;
        }

        for (var i = 0; i < terms.Count; i++)
        {
            var termPath = $"{Required}/nodeSelectorTerms/{i}";
            if (terms[i] is null)
            {
                patch.Add(JsonPatchOperation.Add(termPath, new JsonObject { ["matchExpressions"] = Requirements() }));
            }
            else if (terms[i].MatchExpressions is null)
            {
                patch.Add(JsonPatchOperation.Add(termPath + "/matchExpressions", Requirements()));
            }
            else
            {
                foreach (var requirement in Requirements())
                {
                    patch.Add(JsonPatchOperation.Add(termPath + "/matchExpressions/-", requirement!.DeepClone()));
                }
            }
        }
    }

    private static JsonObject StringMap(IReadOnlyDictionary<string, string> values)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in values)
        {
            obj[key] = value;
        }

        return obj;
    }
}
