namespace Terway.Sandbox.KubeApi.Resources;

/// <summary>
/// Everything the server serves, by group/version/resource. Built-ins are registered once;
/// custom resources come and go with their CRDs, so readers get immutable snapshots.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly object _gate = new();
    private volatile Snapshot _snapshot = new([], []);

    /// <summary>Group order as discovery lists it: core first, then registration order.</summary>
    private readonly List<string> _groupOrder = [];

    public void Add(ResourceType rt) => Mutate(list => list.Add(rt));

    /// <summary>Replaces every resource registered by the CRD <paramref name="crdName"/>.</summary>
    public void ReplaceCustom(string crdName, IEnumerable<ResourceType> types)
    {
        Mutate(list =>
        {
            list.RemoveAll(r => r.Custom?.CrdName == crdName);
            list.AddRange(types);
        });
    }

    public void RemoveCustom(string crdName) => Mutate(list => list.RemoveAll(r => r.Custom?.CrdName == crdName));

    private void Mutate(Action<List<ResourceType>> change)
    {
        lock (_gate)
        {
            var list = _snapshot.All.ToList();
            change(list);
            foreach (var rt in list)
            {
                if (!_groupOrder.Contains(rt.Group))
                {
                    _groupOrder.Add(rt.Group);
                }
            }

            _snapshot = new Snapshot(list, _groupOrder.ToList());
        }
    }

    public IReadOnlyList<ResourceType> All => _snapshot.All;

    public ResourceType? Find(string group, string version, string plural) =>
        _snapshot.ByGvr.TryGetValue((group, version, plural), out var rt) ? rt : null;

    /// <summary>The resource for a kind in a group (any served version; the given one when it is served).</summary>
    public ResourceType? FindByKind(string group, string? version, string kind)
    {
        var s = _snapshot;
        ResourceType? best = null;
        foreach (var rt in s.All)
        {
            if (rt.Group != group || rt.Kind != kind)
            {
                continue;
            }

            if (version != null && rt.Version == version)
            {
                return rt;
            }

            best ??= rt;
            if (rt.Custom?.Storage == true)
            {
                best = rt;
            }
        }

        return best;
    }

    /// <summary>Any served version of group/resource, preferring the storage version.</summary>
    public ResourceType? FindByGroupResource(string group, string plural)
    {
        ResourceType? best = null;
        foreach (var rt in _snapshot.All)
        {
            if (rt.Group == group && rt.Plural == plural)
            {
                if (best == null || rt.Custom?.Storage == true)
                {
                    best = rt;
                }
            }
        }

        return best;
    }

    /// <summary>Group → versions (preferred first), in discovery order.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups()
    {
        var s = _snapshot;
        var result = new List<(string, IReadOnlyList<string>)>();
        foreach (var g in s.GroupOrder)
        {
            var versions = s.All.Where(r => r.Group == g).Select(r => r.Version).Distinct().ToList();
            if (versions.Count == 0)
            {
                continue;
            }

            versions.Sort(CompareVersions);
            result.Add((g, versions));
        }

        return result;
    }

    public IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        _snapshot.All.Where(r => r.Group == group && r.Version == version);

    /// <summary>Kubernetes version priority: GA &gt; beta &gt; alpha, higher numbers first.</summary>
    public static int CompareVersions(string a, string b)
    {
        static (int Level, int Major, int Minor) Parse(string v)
        {
            var m = System.Text.RegularExpressions.Regex.Match(v, "^v(\\d+)(?:(alpha|beta)(\\d+))?$");
            if (!m.Success)
            {
                return (-1, 0, 0);
            }

            var level = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
            return (level, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups[3].Success && m.Groups[3].Value.Length > 0 ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
        }

        var pa = Parse(a);
        var pb = Parse(b);
        if (pa.Level != pb.Level)
        {
            return pb.Level.CompareTo(pa.Level);
        }

        if (pa.Level == -1)
        {
            return string.CompareOrdinal(a, b);
        }

        if (pa.Major != pb.Major)
        {
            return pb.Major.CompareTo(pa.Major);
        }

        return pb.Minor.CompareTo(pa.Minor);
    }

    private sealed class Snapshot
    {
        public Snapshot(List<ResourceType> all, List<string> groupOrder)
        {
            All = all;
            GroupOrder = groupOrder;
            ByGvr = new Dictionary<(string, string, string), ResourceType>();
            foreach (var rt in all)
            {
                ByGvr[(rt.Group, rt.Version, rt.Plural)] = rt;
            }
        }

        public IReadOnlyList<ResourceType> All { get; }
        public IReadOnlyList<string> GroupOrder { get; }
        public Dictionary<(string, string, string), ResourceType> ByGvr { get; }
    }
}
