using System.Text.Json.Nodes;
using k8s.Models;

namespace Terway.Crds.Generation;

/// <summary>
/// Schemas of the Kubernetes types the CRDs embed, written out rather than reflected: their
/// validation rules (condition patterns, selector requirements) are not in KubernetesClient's
/// models, and their descriptions live here once.
/// </summary>
internal static class KnownSchemas
{
    /// <summary>Standard description of <c>apiVersion</c>.</summary>
    public const string ApiVersionDescription = "Versioned schema of this representation of an object (group/version).";

    /// <summary>Standard description of <c>kind</c>.</summary>
    public const string KindDescription = "REST resource this object represents, in CamelCase.";

    // The reason and type patterns are the ones Kubernetes applies to metav1.Condition.
    private const string ReasonPattern = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";
    private const string TypePattern = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";

    /// <summary>The schema for <paramref name="type"/>, or null when it is not a known Kubernetes type.</summary>
    public static JsonObject? For(Type type)
    {
        if (type == typeof(V1ObjectMeta))
        {
            // Structural schemas may only restrict name and generateName in metadata.
            return new JsonObject { ["type"] = "object" };
        }

        if (type == typeof(V1LabelSelector))
        {
            return LabelSelector();
        }

        if (type == typeof(V1Condition))
        {
            return Condition();
        }

        return null;
    }

    /// <summary>Schema of a <c>status.conditions</c> list: a list-map keyed by type.</summary>
    public static JsonObject ConditionList() => new()
    {
        ["type"] = "array",
        ["items"] = Condition(),
        ["x-kubernetes-list-type"] = "map",
        ["x-kubernetes-list-map-keys"] = new JsonArray("type"),
    };

    private static JsonObject LabelSelector() => new()
    {
        ["description"] = "Label query over pods or namespaces. matchLabels and matchExpressions are ANDed; an empty selector matches everything.",
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["matchLabels"] = new JsonObject
            {
                ["description"] = "Labels that must all be present with these values.",
                ["type"] = "object",
                ["additionalProperties"] = new JsonObject { ["type"] = "string" },
            },
            ["matchExpressions"] = new JsonObject
            {
                ["description"] = "Requirements that must all hold.",
                ["type"] = "array",
                ["items"] = new JsonObject
                {
                    ["description"] = "A label key, an operator and values.",
                    ["type"] = "object",
                    ["required"] = new JsonArray("key", "operator"),
                    ["properties"] = new JsonObject
                    {
                        ["key"] = new JsonObject { ["description"] = "Label key.", ["type"] = "string" },
                        ["operator"] = new JsonObject
                        {
                            ["description"] = "In, NotIn, Exists or DoesNotExist.",
                            ["type"] = "string",
                        },
                        ["values"] = new JsonObject
                        {
                            ["description"] = "Values for In and NotIn (non-empty); empty for Exists and DoesNotExist.",
                            ["type"] = "array",
                            ["items"] = new JsonObject { ["type"] = "string" },
                        },
                    },
                },
            },
        },
    };

    private static JsonObject Condition() => new()
    {
        ["description"] = "One aspect of the object's state (metav1.Condition).",
        ["type"] = "object",
        ["required"] = new JsonArray("lastTransitionTime", "message", "reason", "status", "type"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject
            {
                ["description"] = "Condition type in CamelCase: Ready, Reconciling, Stalled, TrunkReady.",
                ["type"] = "string",
                ["maxLength"] = 316,
                ["pattern"] = TypePattern,
            },
            ["status"] = new JsonObject
            {
                ["description"] = "True, False or Unknown.",
                ["type"] = "string",
                ["enum"] = new JsonArray("True", "False", "Unknown"),
            },
            ["observedGeneration"] = new JsonObject
            {
                ["description"] = "The metadata.generation the condition was set for.",
                ["type"] = "integer",
                ["format"] = "int64",
                ["minimum"] = 0,
            },
            ["lastTransitionTime"] = new JsonObject
            {
                ["description"] = "When the status last changed.",
                ["type"] = "string",
                ["format"] = "date-time",
            },
            ["reason"] = new JsonObject
            {
                ["description"] = "Machine-readable CamelCase reason for the last transition.",
                ["type"] = "string",
                ["minLength"] = 1,
                ["maxLength"] = 1024,
                ["pattern"] = ReasonPattern,
            },
            ["message"] = new JsonObject
            {
                ["description"] = "Human-readable detail; may be empty.",
                ["type"] = "string",
                ["maxLength"] = 32768,
            },
        },
    };
}
