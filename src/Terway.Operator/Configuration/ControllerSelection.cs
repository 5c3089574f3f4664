namespace Terway.Operator.Configuration;

/// <summary>
/// The operator's controllers and Terway's rules for the <c>controllers</c> key: an entry <c>name</c> turns a
/// controller on, <c>-name</c> turns it off, <c>*</c> means "the defaults"; an empty list means the defaults.
/// Terway's <c>pod</c>, <c>pod-eni</c> and <c>eni</c> controllers are one controller here (<see cref="PodEni"/>),
/// so any of those names addresses it.
/// </summary>
public static class ControllerSelection
{
    /// <summary>PodNetworking status.</summary>
    public const string PodNetworking = "pod-networking";

    /// <summary>Node CR, trunk ENI, node capacity.</summary>
    public const string Node = "node";

    /// <summary>Pod → PodENI, attach/detach/delete, fixed IPs, and the leaked-ENI garbage collector.</summary>
    public const string PodEni = "pod-eni";

    /// <summary>Terway's names that address <see cref="PodEni"/>.</summary>
    public static readonly IReadOnlyList<string> PodEniAliases = ["pod", "eni"];

    /// <summary>Terway controllers this operator does not implement (the centralized shared-ENI pool).</summary>
    public static readonly IReadOnlyList<string> NotImplemented = ["multi-ip-node", "multi-ip-pod"];

    /// <summary>Every controller this operator runs, all on by default.</summary>
    public static readonly IReadOnlyList<string> All = [PodNetworking, Node, PodEni];

    /// <summary>Whether <paramref name="name"/> (or one of its aliases) is enabled by <paramref name="entries"/>.</summary>
    public static bool IsEnabled(IEnumerable<string> entries, string name)
    {
        var names = name == PodEni ? [PodEni, .. PodEniAliases] : new[] { name };
        var list = entries.Select(e => e.Trim()).Where(e => e.Length > 0).ToList();
        if (list.Any(e => e.StartsWith('-') && names.Contains(e[1..], StringComparer.Ordinal)))
        {
            return false;
        }

        if (list.Any(e => names.Contains(e, StringComparer.Ordinal)))
        {
            return true;
        }

        return list.Count == 0 || list.Contains("*", StringComparer.Ordinal);
    }

    /// <summary>Entries that name no controller this operator knows (for warnings).</summary>
    public static IEnumerable<string> Unknown(IEnumerable<string> entries)
    {
        foreach (var raw in entries)
        {
            var e = raw.Trim().TrimStart('-');
            if (e.Length == 0 || e == "*")
            {
                continue;
            }

            if (!All.Contains(e, StringComparer.Ordinal) && !PodEniAliases.Contains(e, StringComparer.Ordinal))
            {
                yield return raw;
            }
        }
    }
}
