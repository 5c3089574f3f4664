using Terway.Sandbox.Cloud;

namespace Terway.Sandbox.CloudFabric;

/// <summary>A vSwitch the fabric needs: its ID and CIDRs.</summary>
internal sealed record VSwitchSpec(string VSwitchId, string CidrBlock, string? Ipv6CidrBlock);

/// <summary>A node the fabric needs: an instance with its primary ENI.</summary>
internal sealed record NodeSpec(string InstanceId, string VSwitchId, string Mac, string PrimaryIp, string? PrimaryIpv6);

/// <summary>A secondary or trunk ENI attached to an instance: a link on the node, on its vSwitch.</summary>
internal sealed record EniSpec(string EniId, string InstanceId, bool Trunk, string Mac, string VSwitchId, int DeviceIndex);

/// <summary>A member ENI on a trunk: a VLAN of the trunk switched into the member's vSwitch under the member's MAC.</summary>
internal sealed record MemberSpec(string EniId, string TrunkEniId, ushort VlanId, string VSwitchId, string Mac);

/// <summary>An address the VPC routes to an ENI: on <see cref="VSwitchId"/>, <see cref="Ip"/> lives behind <c>Mac</c>.</summary>
internal sealed record AddressKey(string VSwitchId, string Ip) : IComparable<AddressKey>
{
    public int CompareTo(AddressKey? other) =>
        other is null ? 1 : string.CompareOrdinal(VSwitchId, other.VSwitchId) is var c and not 0 ? c : string.CompareOrdinal(Ip, other.Ip);
}

/// <summary>Where an address lives: the owning ENI and the MAC the VPC delivers to.</summary>
internal sealed record AddressSpec(string Mac, string EniId);

/// <summary>A custom route entry in effect: destination via the next hop's primary address on its vSwitch.</summary>
internal sealed record RouteSpec(string Destination, string NextHopIp, string VSwitchId);

/// <summary>
/// What the fabric must look like for one state of the simulated region. Pure: computed from a
/// <see cref="RegionSnapshot"/> by <see cref="FromSnapshot"/>, compared by <see cref="FabricDiff"/>.
/// </summary>
internal sealed record FabricState
{
    /// <summary>ENIs in these states have a link on their instance (a device appears while it is being attached).</summary>
    private static readonly HashSet<EniStatus> Present = [EniStatus.Attaching, EniStatus.InUse];

    public static FabricState Empty { get; } = new();

    public IReadOnlyDictionary<string, VSwitchSpec> VSwitches { get; init; } = new SortedDictionary<string, VSwitchSpec>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, NodeSpec> Nodes { get; init; } = new SortedDictionary<string, NodeSpec>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, EniSpec> Enis { get; init; } = new SortedDictionary<string, EniSpec>(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, MemberSpec> Members { get; init; } = new SortedDictionary<string, MemberSpec>(StringComparer.Ordinal);

    public IReadOnlyDictionary<AddressKey, AddressSpec> Addresses { get; init; } = new SortedDictionary<AddressKey, AddressSpec>();

    public IReadOnlyDictionary<string, RouteSpec> Routes { get; init; } = new SortedDictionary<string, RouteSpec>(StringComparer.Ordinal);

    /// <summary>The fabric for <paramref name="snapshot"/>.</summary>
    public static FabricState FromSnapshot(RegionSnapshot snapshot)
    {
        var vSwitches = new SortedDictionary<string, VSwitchSpec>(StringComparer.Ordinal);
        foreach (var v in snapshot.VSwitches)
        {
            vSwitches[v.VSwitchId] = new VSwitchSpec(v.VSwitchId, v.CidrBlock, v.Ipv6CidrBlock);
        }

        var enisById = snapshot.NetworkInterfaces.ToDictionary(e => e.NetworkInterfaceId, StringComparer.Ordinal);
        var nodes = new SortedDictionary<string, NodeSpec>(StringComparer.Ordinal);
        var addresses = new SortedDictionary<AddressKey, AddressSpec>();
        foreach (var i in snapshot.Instances)
        {
            if (!enisById.TryGetValue(i.PrimaryNetworkInterfaceId, out var primary))
            {
                continue;
            }

            var v6 = primary.Ipv6Addresses.Count > 0 ? primary.Ipv6Addresses[0] : null;
            nodes[i.InstanceId] = new NodeSpec(i.InstanceId, i.VSwitchId, primary.MacAddress, i.PrimaryIpAddress, v6);
            // The node configures its own primary addresses; secondary ones are routed by the VPC.
            foreach (var ip in primary.PrivateIpAddresses.Concat(primary.Ipv6Addresses))
            {
                if (ip != i.PrimaryIpAddress && ip != v6)
                {
                    addresses[new AddressKey(primary.VSwitchId, ip)] = new AddressSpec(primary.MacAddress, primary.NetworkInterfaceId);
                }
            }
        }

        var enis = new SortedDictionary<string, EniSpec>(StringComparer.Ordinal);
        foreach (var e in snapshot.NetworkInterfaces)
        {
            if (e.Type is EniType.Secondary or EniType.Trunk && Present.Contains(e.Status)
                && e.InstanceId is { Length: > 0 } instance && nodes.ContainsKey(instance) && e.DeviceIndex is { } index)
            {
                enis[e.NetworkInterfaceId] = new EniSpec(e.NetworkInterfaceId, instance, e.Type == EniType.Trunk, e.MacAddress, e.VSwitchId, index);
                AddAll(addresses, e, e.MacAddress);
            }
        }

        var members = new SortedDictionary<string, MemberSpec>(StringComparer.Ordinal);
        foreach (var e in snapshot.NetworkInterfaces)
        {
            if (e.Type == EniType.Member && Present.Contains(e.Status)
                && e.TrunkNetworkInterfaceId is { } trunkId && enis.TryGetValue(trunkId, out var trunk) && trunk.Trunk
                && e.DeviceIndex is { } vlan and > 0 and <= 4094)
            {
                members[e.NetworkInterfaceId] = new MemberSpec(e.NetworkInterfaceId, trunkId, (ushort)vlan, e.VSwitchId, e.MacAddress);
                AddAll(addresses, e, e.MacAddress);
            }
        }

        var routes = new SortedDictionary<string, RouteSpec>(StringComparer.Ordinal);
        var instances = snapshot.Instances.ToDictionary(i => i.InstanceId, StringComparer.Ordinal);
        foreach (var entry in snapshot.RouteTables.SelectMany(t => t.Entries))
        {
            if (entry.Type != "Custom" || entry.Status != "Available" || entry.IpVersion != "ipv4")
            {
                continue;
            }

            RouteSpec? route = entry.NextHopType switch
            {
                "Instance" when instances.TryGetValue(entry.NextHopId, out var i) => new RouteSpec(entry.DestinationCidrBlock, i.PrimaryIpAddress, i.VSwitchId),
                "NetworkInterface" when enisById.TryGetValue(entry.NextHopId, out var e) && Present.Contains(e.Status) =>
                    new RouteSpec(entry.DestinationCidrBlock, e.PrimaryIpAddress, e.VSwitchId),
                _ => null,
            };
            if (route is not null)
            {
                routes[route.Destination] = route;
            }
        }

        return new FabricState { VSwitches = vSwitches, Nodes = nodes, Enis = enis, Members = members, Addresses = addresses, Routes = routes };
    }

    /// <summary>The earliest pending ENI transition, if any (the fabric must look again then).</summary>
    public static DateTimeOffset? NextTransition(RegionSnapshot snapshot)
    {
        DateTimeOffset? next = null;
        foreach (var e in snapshot.NetworkInterfaces)
        {
            if (e.TransitionDueAt is { } due && (next is null || due < next))
            {
                next = due;
            }
        }

        return next;
    }

    private static void AddAll(SortedDictionary<AddressKey, AddressSpec> addresses, EniSnapshot eni, string mac)
    {
        foreach (var ip in eni.PrivateIpAddresses.Concat(eni.Ipv6Addresses))
        {
            addresses[new AddressKey(eni.VSwitchId, ip)] = new AddressSpec(mac, eni.NetworkInterfaceId);
        }
    }
}

/// <summary>A change that brings the fabric one step closer to a <see cref="FabricState"/>.</summary>
internal abstract record FabricChange
{
    /// <summary>Applies the change to <paramref name="state"/> (what the fabric looks like once the change is made).</summary>
    public abstract FabricState ApplyTo(FabricState state);

    protected static SortedDictionary<TKey, TValue> With<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> source, TKey key, TValue? value, IComparer<TKey> comparer)
        where TKey : notnull
        where TValue : class
    {
        var copy = new SortedDictionary<TKey, TValue>(comparer);
        foreach (var (k, v) in source)
        {
            copy[k] = v;
        }

        if (value is null)
        {
            copy.Remove(key);
        }
        else
        {
            copy[key] = value;
        }

        return copy;
    }
}

internal sealed record AddVSwitch(VSwitchSpec VSwitch) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { VSwitches = With(state.VSwitches, VSwitch.VSwitchId, VSwitch, StringComparer.Ordinal) };
}

internal sealed record AddNode(NodeSpec Node) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Nodes = With(state.Nodes, Node.InstanceId, Node, StringComparer.Ordinal) };
}

internal sealed record AttachEni(EniSpec Eni) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Enis = With(state.Enis, Eni.EniId, Eni, StringComparer.Ordinal) };
}

internal sealed record DetachEni(EniSpec Eni) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Enis = With<string, EniSpec>(state.Enis, Eni.EniId, null, StringComparer.Ordinal) };
}

internal sealed record AddMember(MemberSpec Member) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Members = With(state.Members, Member.EniId, Member, StringComparer.Ordinal) };
}

internal sealed record RemoveMember(MemberSpec Member) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Members = With<string, MemberSpec>(state.Members, Member.EniId, null, StringComparer.Ordinal) };
}

internal sealed record AssignAddress(AddressKey Key, AddressSpec Address) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Addresses = With(state.Addresses, Key, Address, Comparer<AddressKey>.Default) };
}

internal sealed record UnassignAddress(AddressKey Key) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Addresses = With<AddressKey, AddressSpec>(state.Addresses, Key, null, Comparer<AddressKey>.Default) };
}

internal sealed record AddRoute(RouteSpec Route) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Routes = With(state.Routes, Route.Destination, Route, StringComparer.Ordinal) };
}

internal sealed record RemoveRoute(RouteSpec Route) : FabricChange
{
    public override FabricState ApplyTo(FabricState state) => state with { Routes = With<string, RouteSpec>(state.Routes, Route.Destination, null, StringComparer.Ordinal) };
}

/// <summary>
/// The ordered changes from the fabric as it is to the fabric as it should be. Removals come
/// first and depend-on order is kept: addresses before members before ENIs on the way out,
/// vSwitches before nodes before ENIs before members before addresses on the way in; a member
/// whose trunk is re-attached is removed and added again; routes last.
/// </summary>
internal static class FabricDiff
{
    public static IReadOnlyList<FabricChange> Compute(FabricState current, FabricState desired)
    {
        var changes = new List<FabricChange>();

        // An address that moved to another ENI is not unassigned: AssignAddress replaces it in place.
        foreach (var key in current.Addresses.Keys)
        {
            if (!desired.Addresses.ContainsKey(key))
            {
                changes.Add(new UnassignAddress(key));
            }
        }

        var changedEnis = current.Enis.Where(e => !desired.Enis.TryGetValue(e.Key, out var want) || want != e.Value)
            .Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var readdMembers = new List<MemberSpec>();
        foreach (var (id, member) in current.Members)
        {
            var gone = !desired.Members.TryGetValue(id, out var want) || want != member;
            if (gone || changedEnis.Contains(member.TrunkEniId))
            {
                changes.Add(new RemoveMember(member));
                if (!gone)
                {
                    readdMembers.Add(member);
                }
            }
        }

        foreach (var id in changedEnis)
        {
            changes.Add(new DetachEni(current.Enis[id]));
        }

        foreach (var (dest, route) in current.Routes)
        {
            if (!desired.Routes.TryGetValue(dest, out var want) || want != route)
            {
                changes.Add(new RemoveRoute(route));
            }
        }

        foreach (var (id, vsw) in desired.VSwitches)
        {
            if (!current.VSwitches.ContainsKey(id))
            {
                changes.Add(new AddVSwitch(vsw));
            }
        }

        foreach (var (id, node) in desired.Nodes)
        {
            if (!current.Nodes.ContainsKey(id))
            {
                changes.Add(new AddNode(node));
            }
        }

        foreach (var (id, eni) in desired.Enis)
        {
            if (!current.Enis.ContainsKey(id) || changedEnis.Contains(id))
            {
                changes.Add(new AttachEni(eni));
            }
        }

        foreach (var (id, member) in desired.Members)
        {
            if (!current.Members.TryGetValue(id, out var have) || have != member || readdMembers.Contains(member))
            {
                changes.Add(new AddMember(member));
            }
        }

        foreach (var (key, address) in desired.Addresses)
        {
            if (!current.Addresses.TryGetValue(key, out var have) || have != address)
            {
                changes.Add(new AssignAddress(key, address));
            }
        }

        foreach (var (dest, route) in desired.Routes)
        {
            if (!current.Routes.TryGetValue(dest, out var have) || have != route)
            {
                changes.Add(new AddRoute(route));
            }
        }

        return changes;
    }
}
