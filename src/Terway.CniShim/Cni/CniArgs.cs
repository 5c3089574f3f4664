using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>
/// CNI_ARGS (<c>K=V;K=V</c>). Keys terway knows: the Kubernetes ones containerd and CRI-O pass and
/// <c>IgnoreUnknown</c>. Any other key is an error unless <c>IgnoreUnknown</c> is true, as in the
/// reference <c>types.LoadArgs</c> (containerd always sends <c>IgnoreUnknown=1</c>).
/// </summary>
internal sealed class CniArgs
{
    public const string IgnoreUnknownKey = "IgnoreUnknown";
    public const string PodNamespaceKey = "K8S_POD_NAMESPACE";
    public const string PodNameKey = "K8S_POD_NAME";
    public const string PodInfraContainerIdKey = "K8S_POD_INFRA_CONTAINER_ID";
    public const string PodUidKey = "K8S_POD_UID";

    private static readonly string[] KnownKeys = [IgnoreUnknownKey, PodNamespaceKey, PodNameKey, PodInfraContainerIdKey, PodUidKey];

    private CniArgs(Dictionary<string, string> values, bool ignoreUnknown)
    {
        Values = values;
        IgnoreUnknown = ignoreUnknown;
    }

    /// <summary>Every pair, last one wins for repeated keys.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>Whether unknown keys were allowed.</summary>
    public bool IgnoreUnknown { get; }

    public string? PodNamespace => Get(PodNamespaceKey);

    public string? PodName => Get(PodNameKey);

    public string? PodUid => Get(PodUidKey);

    public string? PodInfraContainerId => Get(PodInfraContainerIdKey);

    /// <summary>Parses CNI_ARGS; fails with code 4 on a malformed pair, a bad IgnoreUnknown value or (without IgnoreUnknown) an unknown key.</summary>
    public static CniArgs Parse(string? text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(';'))
        {
            // Empty segments (a trailing ';') carry nothing; skip them rather than fail a pod on punctuation.
            if (pair.Length == 0)
            {
                continue;
            }

            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CniException(CniErrorCodes.InvalidEnvironment, $"CNI_ARGS: invalid pair \"{pair}\"", "CNI_ARGS must be K=V pairs separated by ';'");
            }

            values[pair[..eq]] = pair[(eq + 1)..];
        }

        var ignoreUnknown = false;
        if (values.TryGetValue(IgnoreUnknownKey, out var flag))
        {
            ignoreUnknown = ParseBool(flag) ?? throw new CniException(CniErrorCodes.InvalidEnvironment,
                $"CNI_ARGS: IgnoreUnknown=\"{flag}\" is not a boolean", "use 1, true, 0 or false");
        }

        if (!ignoreUnknown)
        {
            var unknown = values.Keys.Where(k => !KnownKeys.Contains(k, StringComparer.Ordinal)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                throw new CniException(CniErrorCodes.InvalidEnvironment, $"CNI_ARGS: unknown args [\"{string.Join("\" \"", unknown)}\"]",
                    "add IgnoreUnknown=1 to CNI_ARGS to pass keys terway does not know");
            }
        }

        return new CniArgs(values, ignoreUnknown);
    }

    /// <summary>The pod as the agent wants it.</summary>
    public PodReference ToPodReference() => new()
    {
        Namespace = PodNamespace,
        Name = PodName,
        Uid = PodUid,
        InfraContainerId = PodInfraContainerId,
    };

    private string? Get(string key) => Values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    // Go's UnmarshallableBool accepts what strconv.ParseBool accepts.
    private static bool? ParseBool(string text) => text switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };
}
