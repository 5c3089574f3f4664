namespace Terway.Sandbox.Cloud.Model;

internal sealed partial class RegionModel
{
    private static readonly Ipv4Cidr SharedAddressSpace = Ipv4Cidr.Parse("100.64.0.0/10");

    public string CreateRouteEntry(CreateRouteArgs a)
    {
        lock (_gate)
        {
            Advance();
            var table = FindTable(a.RouteTableId) ?? throw CloudErrors.RouteTableNotFound(a.RouteTableId);
            var vpc = _vpcs[table.VpcId];
            var (destination, isV6) = NormalizeDestination(a.DestinationCidrBlock);
            if (!isV6)
            {
                var v4 = Ipv4Cidr.Parse(destination);
                if (v4 == SharedAddressSpace)
                {
                    throw CloudErrors.CidrInvalid(destination, "100.64.0.0/10 is reserved by the cloud.");
                }

                if (_vswitchList.Any(v => v.VpcId == vpc.Id && v.Pool.Cidr.Contains(v4) && v.Pool.Cidr != v4))
                {
                    throw CloudErrors.CidrInvalid(destination, "It is contained in a vSwitch CIDR block.");
                }
            }

            var nextHopType = a.NextHopType;
            string nextHopId;
            switch (nextHopType)
            {
                case "Instance":
                    nextHopId = a.NextHopId ?? throw CloudErrors.MissingParameter("NextHopId");
                    if (!_instances.TryGetValue(nextHopId, out var instance) || instance.VpcId != vpc.Id)
                    {
                        throw CloudErrors.NextHopNotFound(nextHopId);
                    }

                    break;
                case "NetworkInterface":
                    nextHopId = a.NextHopId ?? throw CloudErrors.MissingParameter("NextHopId");
                    if (!_enis.TryGetValue(nextHopId, out var eni) || eni.VpcId != vpc.Id)
                    {
                        throw CloudErrors.NextHopNotFound(nextHopId);
                    }

                    break;
                default:
                    throw CloudErrors.InvalidNextHopType(nextHopType);
            }

            var existing = table.Entries.FirstOrDefault(e => e.Destination == destination);
            if (existing is not null)
            {
                throw !existing.IsSystem && existing.NextHopType == nextHopType && existing.NextHopId == nextHopId
                    ? CloudErrors.RouteEntryConflictDuplicated(destination)
                    : CloudErrors.CidrDuplicate(destination);
            }

            if (table.Entries.Count(e => !e.IsSystem) >= Knobs.RouteEntryQuota)
            {
                throw CloudErrors.RouteQuotaExceeded();
            }

            if (vpc.RouteBusyUntil > Now)
            {
                throw CloudErrors.TaskConflict();
            }

            var entry = new RouteEntryState
            {
                Id = NewId("rte-"),
                Seq = ++_seq,
                Destination = destination,
                IsIpv6 = isV6,
                IsSystem = false,
                NextHopType = nextHopType,
                NextHopId = nextHopId,
                Status = "Pending",
                Name = a.RouteEntryName,
                Description = a.Description,
                Modified = Now,
            };
            table.Entries.Add(entry);
            Schedule(Knobs.Durations.RouteCreate, seq => () =>
            {
                if (entry.PendingSeq == seq)
                {
                    entry.Status = "Available";
                    entry.Modified = Now;
                    entry.PendingSeq = 0;
                }
            }, out var due, out var pendingSeq);
            entry.PendingSeq = pendingSeq;
            vpc.RouteBusyUntil = due;
            return entry.Id;
        }
    }

    /// <summary>Deletes by entry ID, or by table + destination (+ next hop).</summary>
    public void DeleteRouteEntry(string? routeEntryId, string? routeTableId, string? destinationCidrBlock, string? nextHopId)
    {
        lock (_gate)
        {
            Advance();
            RouteTableState table;
            RouteEntryState entry;
            if (routeEntryId is not null)
            {
                (table, entry) = _vpcList.Select(v => v.RouteTable)
                    .SelectMany(t => t.Entries.Select(e => (t, e)))
                    .FirstOrDefault(x => x.e.Id == routeEntryId);
                if (entry is null)
                {
                    throw CloudErrors.RouteEntryIdNotFound(routeEntryId);
                }

                if (routeTableId is not null && table.Id != routeTableId)
                {
                    throw CloudErrors.RouteEntryIdNotFound(routeEntryId);
                }
            }
            else
            {
                table = FindTable(routeTableId!) ?? throw CloudErrors.RouteTableNotFound(routeTableId!);
                var (destination, _) = NormalizeDestination(destinationCidrBlock!);
                entry = table.Entries.FirstOrDefault(e => e.Destination == destination
                    && (nextHopId is null || e.NextHopId == nextHopId)) ?? throw CloudErrors.RouteEntryNotFound();
            }

            if (entry.IsSystem)
            {
                throw CloudErrors.SystemRouteDenied();
            }

            if (entry.Status != "Available")
            {
                throw CloudErrors.IncorrectRouteEntryStatus(entry.Id, entry.Status);
            }

            var vpc = _vpcs[table.VpcId];
            if (vpc.RouteBusyUntil > Now)
            {
                throw CloudErrors.TaskConflict();
            }

            entry.Status = "Deleting";
            entry.Modified = Now;
            var target = table;
            Schedule(Knobs.Durations.RouteDelete, seq => () =>
            {
                if (entry.PendingSeq == seq)
                {
                    target.Entries.Remove(entry);
                }
            }, out var due, out var pendingSeq);
            entry.PendingSeq = pendingSeq;
            vpc.RouteBusyUntil = due;
        }
    }

    public IReadOnlyList<RouteTableSnapshot> RouteTables()
    {
        lock (_gate)
        {
            Advance();
            return _vpcList.Select(v => Snapshot(v.RouteTable)).ToList();
        }
    }

    public RouteTableSnapshot? RouteTable(string routeTableId)
    {
        lock (_gate)
        {
            Advance();
            var t = FindTable(routeTableId);
            return t is null ? null : Snapshot(t);
        }
    }

    /// <summary>
    /// Parses a destination the way CreateRouteEntry accepts it: an IPv4/IPv6 CIDR with clean host
    /// bits, or a bare address (treated as /32 or /128). Returns the normalized text.
    /// </summary>
    internal static (string Destination, bool IsIpv6) NormalizeDestination(string text)
    {
        if (Ipv4Cidr.TryParse(text, allowBareAddress: true, out var v4))
        {
            return (v4.ToString(), false);
        }

        if (Ipv6Cidr.TryParse(text, allowBareAddress: true, out var v6))
        {
            return (v6.ToString(), true);
        }

        throw CloudErrors.CidrMalformed(text);
    }

    private RouteTableState? FindTable(string id) =>
        _vpcList.Select(v => v.RouteTable).FirstOrDefault(t => t.Id == id);

    private void AddSystemRoute(RouteTableState table, string destination, bool isV6, string nextHopType) =>
        table.Entries.Add(new RouteEntryState
        {
            Id = NewId("rte-"),
            Seq = ++_seq,
            Destination = destination,
            IsIpv6 = isV6,
            IsSystem = true,
            NextHopType = nextHopType,
            NextHopId = string.Empty,
            Status = "Available",
            Modified = Now,
        });

    private RouteTableSnapshot Snapshot(RouteTableState t) => new(
        t.Id,
        t.VpcId,
        t.VRouterId,
        "System",
        TruncateToSeconds(t.CreationTime),
        _vswitchList.Where(v => v.VpcId == t.VpcId).Select(v => v.Id).ToList(),
        t.Entries.OrderBy(e => e.Seq).Select(e => new RouteEntrySnapshot
        {
            RouteEntryId = e.Id,
            RouteTableId = t.Id,
            DestinationCidrBlock = e.Destination,
            Type = e.IsSystem ? "System" : "Custom",
            Status = e.Status,
            IpVersion = e.IsIpv6 ? "ipv6" : "ipv4",
            NextHopType = e.NextHopType,
            NextHopId = e.NextHopId,
            RouteEntryName = e.Name,
            Description = e.Description,
            GmtModified = TruncateToSeconds(e.Modified),
            Order = e.Seq,
        }).ToList());
}
