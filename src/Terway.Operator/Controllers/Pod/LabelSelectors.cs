using k8s.Models;

namespace Terway.Operator.Controllers.Pod;

/// <summary>Kubernetes label-selector semantics (<c>matchLabels</c> AND <c>matchExpressions</c>), pure.</summary>
internal static class LabelSelectors
{
    /// <summary>
    /// Whether <paramref name="labels"/> satisfy <paramref name="selector"/>. An empty selector matches
    /// everything; an unknown operator matches nothing (as the API server would reject it).
    /// </summary>
    public static bool Matches(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var values = requirement.Values ?? [];
            var ok = requirement.OperatorProperty switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
