using System.Text.RegularExpressions;
using k8s.Models;
using Terway.Crds.Validation;

namespace Terway.Operator.Webhooks.Selectors;

/// <summary>
/// Kubernetes label selectors (<c>metav1.LabelSelector</c>): validation with apimachinery's rules and matching
/// with its semantics (matchLabels and every expression must hold; an empty selector matches everything).
/// </summary>
internal static partial class LabelSelectors
{
    private const int MaxNameLength = 63;
    private const int MaxPrefixLength = 253;

    /// <summary>The problems with <paramref name="selector"/>, with JSON paths under <paramref name="path"/>.</summary>
    public static IReadOnlyList<ValidationError> Validate(V1LabelSelector? selector, string path)
    {
        var errors = new List<ValidationError>();
        if (selector is null)
        {
            return errors;
        }

        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (KeyError(key) is { } keyError)
            {
                errors.Add(new($"{path}.matchLabels", $"key '{key}': {keyError}"));
            }

            if (ValueError(value) is { } valueError)
            {
                errors.Add(new($"{path}.matchLabels[{key}]", $"value '{value}': {valueError}"));
            }
        }

        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var at = $"{path}.matchExpressions[{i}]";
            var expr = expressions[i];
            if (expr is null)
            {
                errors.Add(new(at, "must not be null"));
                continue;
            }

            if (KeyError(expr.Key) is { } keyError)
            {
                errors.Add(new(at + ".key", $"'{expr.Key}': {keyError}"));
            }

            var values = expr.Values ?? [];
            switch (expr.OperatorProperty)
            {
                case "In" or "NotIn":
                    if (values.Count == 0)
                    {
                        errors.Add(new(at + ".values", $"must be specified when operator is {expr.OperatorProperty}"));
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (values.Count > 0)
                    {
                        errors.Add(new(at + ".values", $"may not be specified when operator is {expr.OperatorProperty}"));
                    }

                    break;
                default:
                    errors.Add(new(at + ".operator", $"'{expr.OperatorProperty}' is not a valid selector operator; use In, NotIn, Exists or DoesNotExist"));
                    break;
            }

            for (var j = 0; j < values.Count; j++)
            {
                if (ValueError(values[j]) is { } valueError)
                {
                    errors.Add(new($"{at}.values[{j}]", $"'{values[j]}': {valueError}"));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// Whether <paramref name="labels"/> satisfy <paramref name="selector"/>. A selector that does not validate
    /// matches nothing (it could only have been stored past the validating webhook).
    /// </summary>
    public static bool Matches(V1LabelSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        if (Validate(selector, "selector").Count > 0)
        {
            return false;
        }

        foreach (var (key, value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        foreach (var expr in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(expr.Key, out var actual);
            var ok = expr.OperatorProperty switch
            {
                "In" => has && expr.Values.Contains(actual!, StringComparer.Ordinal),
                "NotIn" => !has || !expr.Values.Contains(actual!, StringComparer.Ordinal),
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

    /// <summary>Why <paramref name="key"/> is not a qualified label key (<c>[prefix/]name</c>), or null.</summary>
    public static string? KeyError(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "a label key must not be empty";
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > MaxPrefixLength || !DnsSubdomain().IsMatch(prefix))
            {
                return "the prefix must be a DNS subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)";
            }
        }

        if (name.Length == 0 || name.Length > MaxNameLength || !LabelName().IsMatch(name))
        {
            return "the name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
        }

        return null;
    }

    /// <summary>Why <paramref name="value"/> is not a valid label value, or null.</summary>
    public static string? ValueError(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return value.Length > MaxNameLength || !LabelName().IsMatch(value)
            ? "a label value must be at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric"
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();
}
