using System.Globalization;

namespace Terway.Sandbox.Cloud.Model;

/// <summary>
/// The stateful model of one region: VPCs, vSwitches with address accounting, security groups,
/// instances with their type limits, ENIs with their asynchronous states, and route tables.
/// Every operation enforces what the cloud enforces and throws <see cref="CloudErrorException"/>
/// with the cloud's code. Time comes from the injected <see cref="TimeProvider"/>: transitions that
/// are due are applied at the start of every call, so tests drive them with a fake clock.
/// Thread-safe: one lock around all state.
/// </summary>
internal sealed partial class RegionModel
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const int MaxUnattachedIpv4 = 50;  // primary + 49 secondary while Available
    private const int MaxUnattachedIpv6 = 10;
    private const int MaxVlanId = 4094;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly KnobsHolder _knobs;
    private readonly Random _random;
    private readonly Dictionary<string, InstanceTypeDefinition> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resourceGroups = new(StringComparer.Ordinal);
    private readonly List<string> _zones = [];
    private readonly List<VpcState> _vpcList = [];
    private readonly Dictionary<string, VpcState> _vpcs = new(StringComparer.Ordinal);
    private readonly List<VSwitchState> _vswitchList = [];
    private readonly Dictionary<string, VSwitchState> _vswitches = new(StringComparer.Ordinal);
    private readonly List<SecurityGroupDefinition> _sgList = [];
    private readonly Dictionary<string, SecurityGroupDefinition> _sgs = new(StringComparer.Ordinal);
    private readonly List<InstanceState> _instanceList = [];
    private readonly Dictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EniState> _enis = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, EniState> _enisBySeq = [];
    private readonly Dictionary<string, List<EniState>> _byInstance = new(StringComparer.Ordinal);
    private readonly HashSet<string> _macs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _issuedIds = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Action, (DateTimeOffset Due, long Seq)> _schedule = new();
    private long _seq;
    private int _secondaryEniCount;

    public RegionModel(string regionId, IEnumerable<string> zones, KnobsHolder knobs, TimeProvider time, int seed)
    {
        RegionId = regionId;
        _zones.AddRange(zones);
        _knobs = knobs;
        _time = time;
        _random = new Random(seed);
        foreach (var t in InstanceTypeCatalog.BuiltIn)
        {
            _types[t.InstanceTypeId] = t;
        }
    }

    public string RegionId { get; }

    public IReadOnlyList<string> Zones => _zones;

    private DateTimeOffset Now => _time.GetUtcNow();

    private SimulatorKnobs Knobs => _knobs.Current;

    // ------------------------------------------------------------------ set-up

    public void AddInstanceType(InstanceTypeDefinition type)
    {
        if (type.EniQuantity < 1 || type.EniPrivateIpAddressQuantity < 1 || type.EniIpv6AddressQuantity < 0
            || type.EniTotalQuantity < type.EniQuantity)
        {
            throw new ArgumentException($"Instance type {type.InstanceTypeId}: limits are inconsistent.");
        }

        lock (_gate)
        {
            _types[type.InstanceTypeId] = type;
        }
    }

    public void AddResourceGroup(string id)
    {
        lock (_gate)
        {
            _resourceGroups.Add(id);
        }
    }

    public void AddZone(string zoneId)
    {
        lock (_gate)
        {
            if (!_zones.Contains(zoneId))
            {
                _zones.Add(zoneId);
            }
        }
    }

    public void AddVpc(VpcDefinition d)
    {
        lock (_gate)
        {
            if (_vpcs.ContainsKey(d.VpcId))
            {
                throw new ArgumentException($"VPC {d.VpcId} already exists.");
            }

            var cidr = ParseSetupCidr4(d.CidrBlock, d.VpcId);
            Ipv6Cidr? v6 = d.Ipv6CidrBlock is null ? null : ParseSetupCidr6(d.Ipv6CidrBlock, d.VpcId);
            var suffix = d.VpcId.StartsWith("vpc-", StringComparison.Ordinal) ? d.VpcId[4..] : d.VpcId;
            var table = new RouteTableState
            {
                Id = d.RouteTableId ?? "vtb-" + suffix,
                VpcId = d.VpcId,
                VRouterId = d.VRouterId ?? "vrt-" + suffix,
                CreationTime = Now,
            };
            var vpc = new VpcState(d, cidr, v6, table);
            _vpcs[d.VpcId] = vpc;
            _vpcList.Add(vpc);
            _issuedIds.Add(d.VpcId);
            AddSystemRoute(table, "100.64.0.0/10", false, "service");
        }
    }

    public void AddVSwitch(VSwitchDefinition d)
    {
        lock (_gate)
        {
            if (_vswitches.ContainsKey(d.VSwitchId))
            {
                throw new ArgumentException($"vSwitch {d.VSwitchId} already exists.");
            }

            var vpc = ResolveSetupVpc(d.VpcId, d.VSwitchId);
            if (!_zones.Contains(d.ZoneId))
            {
                throw new ArgumentException($"vSwitch {d.VSwitchId}: zone {d.ZoneId} is not a zone of region {RegionId}.");
            }

            var cidr = ParseSetupCidr4(d.CidrBlock, d.VSwitchId);
            if (!vpc.Cidr.Contains(cidr))
            {
                throw new ArgumentException($"vSwitch {d.VSwitchId}: {cidr} is not inside VPC {vpc.Id} ({vpc.Cidr}).");
            }

            if (_vswitchList.Any(v => v.VpcId == vpc.Id && v.Pool.Cidr.Overlaps(cidr)))
            {
                throw new ArgumentException($"vSwitch {d.VSwitchId}: {cidr} overlaps another vSwitch of VPC {vpc.Id}.");
            }

            Ipv6Pool? v6Pool = null;
            if (d.Ipv6CidrBlock is not null)
            {
                var v6 = ParseSetupCidr6(d.Ipv6CidrBlock, d.VSwitchId);
                if (vpc.Ipv6Cidr is not { } vpc6 || !vpc6.Contains(v6))
                {
                    throw new ArgumentException($"vSwitch {d.VSwitchId}: {v6} is not inside the IPv6 block of VPC {vpc.Id}.");
                }

                v6Pool = new Ipv6Pool(v6);
            }

            var vsw = new VSwitchState(d, vpc.Id, new Ipv4Pool(cidr), v6Pool, Now);
            _vswitches[d.VSwitchId] = vsw;
            _vswitchList.Add(vsw);
            _issuedIds.Add(d.VSwitchId);
            AddSystemRoute(vpc.RouteTable, cidr.ToString(), false, "local");
            if (v6Pool is not null)
            {
                AddSystemRoute(vpc.RouteTable, v6Pool.Cidr.ToString(), true, "local");
            }
        }
    }

    public void AddSecurityGroup(SecurityGroupDefinition d)
    {
        lock (_gate)
        {
            if (_sgs.ContainsKey(d.SecurityGroupId))
            {
                throw new ArgumentException($"Security group {d.SecurityGroupId} already exists.");
            }

            var vpc = ResolveSetupVpc(d.VpcId, d.SecurityGroupId);
            var sg = d with { VpcId = vpc.Id };
            _sgs[d.SecurityGroupId] = sg;
            _sgList.Add(sg);
            _issuedIds.Add(d.SecurityGroupId);
        }
    }

    public void AddInstance(InstanceDefinition d)
    {
        lock (_gate)
        {
            Advance();
            if (_instances.ContainsKey(d.InstanceId))
            {
                throw new ArgumentException($"Instance {d.InstanceId} already exists.");
            }

            if (!_types.TryGetValue(d.InstanceType, out var type))
            {
                throw new ArgumentException($"Instance {d.InstanceId}: unknown instance type {d.InstanceType}.");
            }

            if (!_vswitches.TryGetValue(d.VSwitchId, out var vsw))
            {
                throw new ArgumentException($"Instance {d.InstanceId}: unknown vSwitch {d.VSwitchId}.");
            }

            if (vsw.ZoneId != d.ZoneId)
            {
                throw new ArgumentException($"Instance {d.InstanceId}: zone {d.ZoneId} differs from vSwitch {vsw.Id}'s zone {vsw.ZoneId}.");
            }

            var sgs = d.SecurityGroupIds.Count > 0
                ? d.SecurityGroupIds.ToList()
                : _sgList.Where(s => s.VpcId == vsw.VpcId).Take(1).Select(s => s.SecurityGroupId).ToList();
            foreach (var sg in sgs)
            {
                if (!_sgs.TryGetValue(sg, out var group) || group.VpcId != vsw.VpcId)
                {
                    throw new ArgumentException($"Instance {d.InstanceId}: security group {sg} is unknown or in another VPC.");
                }
            }

            uint primary;
            if (d.PrimaryIpAddress is not null)
            {
                if (!Ipv4.TryParse(d.PrimaryIpAddress, out primary) || !vsw.Pool.TryClaim(primary))
                {
                    throw new ArgumentException($"Instance {d.InstanceId}: {d.PrimaryIpAddress} is not a free address of {vsw.Id}.");
                }
            }
            else if (!vsw.Pool.TryAllocate(_random, out primary))
            {
                throw new ArgumentException($"Instance {d.InstanceId}: vSwitch {vsw.Id} has no free address.");
            }

            var instance = new InstanceState
            {
                Id = d.InstanceId,
                Type = type,
                ZoneId = d.ZoneId,
                VpcId = vsw.VpcId,
                VSwitchId = vsw.Id,
                SecurityGroupIds = sgs,
                Status = d.Status,
                HostName = d.HostName ?? d.InstanceId,
                Name = d.InstanceName ?? d.InstanceId,
                CreationTime = Now,
            };
            var eni = NewEni(vsw, EniType.Primary, sgs, [], null, null, null, false, false, "Standard");
            eni.Ipv4.Add(primary);
            eni.Status = EniStatus.InUse;
            SetInstance(eni, instance.Id);
            eni.DeviceIndex = 0;
            instance.PrimaryEniId = eni.Id;
            _instances[instance.Id] = instance;
            _instanceList.Add(instance);
            _issuedIds.Add(instance.Id);
        }
    }

    public void SetInstanceStatus(string instanceId, string status)
    {
        lock (_gate)
        {
            Advance();
            GetInstance(instanceId).Status = status;
        }
    }

    /// <summary>Takes <paramref name="count"/> free addresses of a vSwitch for someone outside the model.</summary>
    public IReadOnlyList<string> ReserveAddresses(string vSwitchId, int count)
    {
        lock (_gate)
        {
            Advance();
            var vsw = GetVSwitch(vSwitchId);
            if (count > vsw.Pool.Available)
            {
                throw CloudErrors.IpNotEnough(vSwitchId);
            }

            var taken = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                vsw.Pool.TryAllocate(_random, out var ip);
                vsw.Reserved.Add(ip);
                taken.Add(Ipv4.Format(ip));
            }

            return taken;
        }
    }

    /// <summary>Gives back out-of-band reservations.</summary>
    public void ReleaseReservedAddresses(string vSwitchId, IEnumerable<string> addresses)
    {
        lock (_gate)
        {
            var vsw = GetVSwitch(vSwitchId);
            foreach (var text in addresses)
            {
                if (Ipv4.TryParse(text, out var ip) && vsw.Reserved.Remove(ip))
                {
                    vsw.Pool.Release(ip);
                }
            }
        }
    }

    /// <summary>Detaches an ENI at once, as if someone used the console: no API call, no transition.</summary>
    public void DetachOutOfBand(string eniId)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            if (eni.Type == EniType.Primary)
            {
                throw CloudErrors.DetachPrimaryEniNotAllowed();
            }

            if (eni.Type == EniType.Trunk)
            {
                foreach (var memberId in eni.Members.ToList())
                {
                    FinishDetach(_enis[memberId]);
                }
            }

            if (eni.IsAttachedToInstance)
            {
                FinishDetach(eni);
            }
        }
    }

    /// <summary>Makes the next detach of the ENI stick in Detaching (or, if it is detaching now, stops it).</summary>
    public void StickInDetaching(string eniId, bool stuck = true)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            eni.ForceStuck = stuck;
            if (stuck && eni.Pending == TransitionKind.Detach)
            {
                eni.Pending = null;
                eni.DueAt = null;
                eni.PendingSeq = 0;
                eni.StuckInDetaching = true;
            }
        }
    }

    /// <summary>Makes the next attach of the ENI fall back to Available.</summary>
    public void FailNextAttach(string eniId, bool fail = true)
    {
        lock (_gate)
        {
            GetEni(eniId).ForceAttachFail = fail;
        }
    }

    // ------------------------------------------------------------------ ECS: ENIs

    public EniSnapshot CreateNetworkInterface(CreateEniArgs a)
    {
        lock (_gate)
        {
            Advance();
            var vsw = _vswitches.GetValueOrDefault(a.VSwitchId) ?? throw CloudErrors.VSwitchNotFound(a.VSwitchId);
            foreach (var sgId in a.SecurityGroupIds)
            {
                var sg = _sgs.GetValueOrDefault(sgId) ?? throw CloudErrors.SecurityGroupNotFound(sgId);
                if (sg.VpcId != vsw.VpcId)
                {
                    throw CloudErrors.VpcMismatch($"Security group {sgId} is not in VPC {vsw.VpcId} of vSwitch {vsw.Id}.");
                }
            }

            if (a.ResourceGroupId is not null && !_resourceGroups.Contains(a.ResourceGroupId))
            {
                throw CloudErrors.ResourceGroupNotFound(a.ResourceGroupId);
            }

            if (_secondaryEniCount >= Knobs.MaxEniCount)
            {
                throw CloudErrors.MaxEniCountExceeded(Knobs.MaxEniCount);
            }

            var wantsIpv6 = a.Ipv6AddressCount > 0 || a.Ipv6Addresses.Count > 0;
            if (wantsIpv6 && vsw.Ipv6Pool is null)
            {
                throw CloudErrors.Ipv6NotSupport(vsw.Id);
            }

            // Specific IPv4 addresses: primary first, then the listed secondaries.
            var specific = new List<uint>();
            if (a.PrimaryIpAddress is not null)
            {
                specific.Add(CheckClaimableIpv4(vsw, a.PrimaryIpAddress, primary: true));
            }

            foreach (var text in a.PrivateIpAddresses)
            {
                var ip = CheckClaimableIpv4(vsw, text, primary: false);
                if (specific.Contains(ip))
                {
                    throw CloudErrors.IpRepeated(text);
                }

                specific.Add(ip);
            }

            var randomV4 = (a.PrimaryIpAddress is null ? 1 : 0) + a.SecondaryPrivateIpAddressCount;
            if (vsw.Pool.Available < specific.Count + randomV4)
            {
                throw CloudErrors.IpNotEnough(vsw.Id);
            }

            var specific6 = CheckClaimableIpv6(vsw, a.Ipv6Addresses);

            // All checks passed: allocate.
            var eni = NewEni(vsw, a.InstanceType, a.SecurityGroupIds.ToList(), a.Tags.ToList(), a.Description,
                a.NetworkInterfaceName, a.ResourceGroupId, a.DeleteOnRelease, a.SourceDestCheck, a.TrafficMode);
            var primaryIp = a.PrimaryIpAddress is null ? AllocateIpv4(vsw) : specific[0];
            if (a.PrimaryIpAddress is not null)
            {
                vsw.Pool.TryClaim(primaryIp);
            }

            eni.Ipv4.Add(primaryIp);
            foreach (var ip in specific.Skip(a.PrimaryIpAddress is null ? 0 : 1))
            {
                vsw.Pool.TryClaim(ip);
                eni.Ipv4.Add(ip);
            }

            for (var i = 0; i < a.SecondaryPrivateIpAddressCount; i++)
            {
                eni.Ipv4.Add(AllocateIpv4(vsw));
            }

            foreach (var ip in specific6)
            {
                vsw.Ipv6Pool!.TryClaim(ip);
                eni.Ipv6.Add(ip);
            }

            for (var i = 0; i < a.Ipv6AddressCount; i++)
            {
                eni.Ipv6.Add(vsw.Ipv6Pool!.Allocate(_random));
            }

            _secondaryEniCount++;
            return Snapshot(eni);
        }
    }

    public void AttachNetworkInterface(string eniId, string instanceId, string? trunkId)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            var instance = GetInstance(instanceId);
            RequireRunningOrStopped(instance);
            if (eni.Type == EniType.Primary)
            {
                throw CloudErrors.InvalidEniType("A primary ENI cannot be attached.");
            }

            EniState? trunk = null;
            if (trunkId is not null)
            {
                trunk = _enis.GetValueOrDefault(trunkId) ?? throw CloudErrors.EniNotFound(trunkId);
                if (trunk.Type != EniType.Trunk)
                {
                    throw CloudErrors.InvalidEniType($"ENI {trunkId} is not a trunk ENI.");
                }

                if (trunk.Status != EniStatus.InUse || trunk.InstanceId != instance.Id)
                {
                    throw CloudErrors.InvalidEniState(trunkId, trunk.Status.ToString(), $"InUse on instance {instance.Id}");
                }

                if (eni.Type == EniType.Trunk)
                {
                    throw CloudErrors.InvalidEniType("A trunk ENI cannot be a member of another trunk ENI.");
                }
            }

            if (eni.Status != EniStatus.Available)
            {
                throw CloudErrors.InvalidEniState(eni.Id, eni.Status.ToString(), "Available");
            }

            if (eni.ZoneId != instance.ZoneId)
            {
                throw CloudErrors.ZoneMismatch();
            }

            if (eni.VpcId != instance.VpcId)
            {
                throw CloudErrors.VpcMismatch($"ENI {eni.Id} is in {eni.VpcId}, instance {instance.Id} in {instance.VpcId}.");
            }

            var type = instance.Type;
            if (eni.Ipv4.Count > type.EniPrivateIpAddressQuantity)
            {
                throw CloudErrors.Ipv4CountExceeded(type.EniPrivateIpAddressQuantity);
            }

            if (eni.Ipv6.Count > type.EniIpv6AddressQuantity)
            {
                throw CloudErrors.Ipv6CountExceeded(type.EniIpv6AddressQuantity);
            }

            var attaching = _byInstance.GetValueOrDefault(instance.Id)?.Count(e => e.Status == EniStatus.Attaching) ?? 0;
            if (attaching >= Knobs.MaxConcurrentAttachesPerInstance)
            {
                throw CloudErrors.OperationConflict(
                    $"Instance {instance.Id} already has {attaching} attach operations in progress.");
            }

            TimeSpan duration;
            if (trunk is null)
            {
                var onInstance = EnisOnInstance(instance.Id).ToList();
                if (eni.Type == EniType.Trunk)
                {
                    if (!type.EniTrunkSupported)
                    {
                        throw CloudErrors.InvalidEniType($"Instance type {type.InstanceTypeId} does not support trunk ENIs.");
                    }

                    if (onInstance.Any(e => e.Type == EniType.Trunk))
                    {
                        throw CloudErrors.InvalidEniType($"Instance {instance.Id} already has a trunk ENI.");
                    }
                }

                if (onInstance.Count >= type.EniQuantity)
                {
                    throw CloudErrors.EniPerInstanceLimitExceeded(
                        $"Instance type {type.InstanceTypeId} allows {type.EniQuantity} ENIs per instance.");
                }

                var used = onInstance.Select(e => e.DeviceIndex ?? -1).ToHashSet();
                eni.DeviceIndex = Enumerable.Range(1, type.EniQuantity).First(i => !used.Contains(i));
                duration = Knobs.Durations.Attach;
            }
            else
            {
                var memberLimit = type.EniTrunkSupported ? Math.Max(0, type.EniTotalQuantity - type.EniQuantity) : 0;
                if (trunk.Members.Count >= memberLimit)
                {
                    throw CloudErrors.EniPerInstanceLimitExceeded(
                        $"Instance type {type.InstanceTypeId} allows {memberLimit} member ENIs per trunk ENI.");
                }

                var vlans = trunk.Members.Select(m => _enis[m].DeviceIndex ?? -1).ToHashSet();
                eni.DeviceIndex = Enumerable.Range(1, MaxVlanId).First(v => !vlans.Contains(v));
                eni.Type = EniType.Member;
                eni.TrunkId = trunk.Id;
                trunk.Members.Add(eni.Id);
                duration = Knobs.Durations.MemberAttach;
            }

            eni.Status = EniStatus.Attaching;
            SetInstance(eni, instance.Id);
            eni.StuckInDetaching = false;
            eni.AttachWillFail = eni.ForceAttachFail || Roll(Knobs.AttachFailureRate);
            eni.ForceAttachFail = false;
            ScheduleEni(eni, TransitionKind.Attach, duration, () => FinishAttach(eni));
        }
    }

    public void DetachNetworkInterface(string eniId, string instanceId, string? trunkId)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            var instance = GetInstance(instanceId);
            if (eni.Type == EniType.Primary)
            {
                throw CloudErrors.DetachPrimaryEniNotAllowed();
            }

            if (eni.Status is not (EniStatus.InUse or EniStatus.Detaching))
            {
                throw CloudErrors.InvalidEniState(eni.Id, eni.Status.ToString(), "InUse or Detaching");
            }

            if (eni.InstanceId != instance.Id)
            {
                throw CloudErrors.InvalidParameter("InstanceId", $"ENI {eni.Id} is not attached to instance {instance.Id}.");
            }

            if (trunkId is not null && eni.TrunkId != trunkId)
            {
                throw CloudErrors.InvalidParameter("TrunkNetworkInstanceId", $"ENI {eni.Id} is not a member of trunk ENI {trunkId}.");
            }

            if (eni.Type == EniType.Trunk && eni.Members.Count > 0)
            {
                throw CloudErrors.EniLinked(eni.Id);
            }

            RequireRunningOrStopped(instance);
            eni.Status = EniStatus.Detaching;
            var stuck = eni.ForceStuck || Roll(Knobs.DetachStuckRate);
            eni.ForceStuck = false;
            if (stuck)
            {
                eni.Pending = null;
                eni.DueAt = null;
                eni.PendingSeq = 0;
                eni.StuckInDetaching = true;
                return;
            }

            eni.StuckInDetaching = false;
            var duration = eni.Type == EniType.Member ? Knobs.Durations.MemberDetach : Knobs.Durations.Detach;
            ScheduleEni(eni, TransitionKind.Detach, duration, () => FinishDetach(eni));
        }
    }

    public void DeleteNetworkInterface(string eniId)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            if (eni.Type == EniType.Primary)
            {
                throw CloudErrors.InvalidEniType("A primary ENI cannot be deleted.");
            }

            if (eni.Status != EniStatus.Available)
            {
                throw CloudErrors.InvalidEniState(eni.Id, eni.Status.ToString(), "Available");
            }

            eni.Status = EniStatus.Deleting;
            ScheduleEni(eni, TransitionKind.Delete, Knobs.Durations.Delete, () => FinishDelete(eni));
        }
    }

    public IReadOnlyList<string> AssignPrivateIpAddresses(string eniId, IReadOnlyList<string> addresses, int count)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            RequireAddressableState(eni);
            var limit = Ipv4Limit(eni);
            var requested = addresses.Count > 0 ? addresses.Count : count;
            if (eni.Ipv4.Count + requested > limit)
            {
                throw CloudErrors.Ipv4CountExceeded(limit);
            }

            var vsw = _vswitches[eni.VSwitchId];
            var specific = new List<uint>();
            foreach (var text in addresses)
            {
                if (!Ipv4.TryParse(text, out var ip))
                {
                    throw CloudErrors.IpAddressMalformed(text);
                }

                if (!vsw.Pool.IsAssignable(ip))
                {
                    throw CloudErrors.IpInvalid(text);
                }

                if (vsw.Pool.IsUsed(ip))
                {
                    throw CloudErrors.IpAssigned(text);
                }

                if (specific.Contains(ip))
                {
                    throw CloudErrors.IpRepeated(text);
                }

                specific.Add(ip);
            }

            if (vsw.Pool.Available < requested)
            {
                throw CloudErrors.IpNotEnough(vsw.Id);
            }

            var assigned = new List<string>(requested);
            if (specific.Count > 0)
            {
                foreach (var ip in specific)
                {
                    vsw.Pool.TryClaim(ip);
                    eni.Ipv4.Add(ip);
                    assigned.Add(Ipv4.Format(ip));
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    var ip = AllocateIpv4(vsw);
                    eni.Ipv4.Add(ip);
                    assigned.Add(Ipv4.Format(ip));
                }
            }

            return assigned;
        }
    }

    public void UnassignPrivateIpAddresses(string eniId, IReadOnlyList<string> addresses)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            RequireAddressableState(eni);
            var toRemove = new List<uint>();
            foreach (var text in addresses)
            {
                if (!Ipv4.TryParse(text, out var ip))
                {
                    throw CloudErrors.IpAddressMalformed(text);
                }

                // The primary address is not a secondary address: the cloud answers IpUnassigned.
                var index = eni.Ipv4.IndexOf(ip);
                if (index <= 0 || toRemove.Contains(ip))
                {
                    throw CloudErrors.IpUnassigned(text);
                }

                toRemove.Add(ip);
            }

            var vsw = _vswitches[eni.VSwitchId];
            foreach (var ip in toRemove)
            {
                eni.Ipv4.Remove(ip);
                vsw.Pool.Release(ip);
            }
        }
    }

    public IReadOnlyList<string> AssignIpv6Addresses(string eniId, IReadOnlyList<string> addresses, int count)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            RequireAddressableState(eni);
            var vsw = _vswitches[eni.VSwitchId];
            if (vsw.Ipv6Pool is null)
            {
                throw CloudErrors.Ipv6NotSupport(vsw.Id);
            }

            var limit = eni.Status == EniStatus.InUse ? AttachedType(eni).EniIpv6AddressQuantity : MaxUnattachedIpv6;
            var requested = addresses.Count > 0 ? addresses.Count : count;
            if (eni.Ipv6.Count + requested > limit)
            {
                throw CloudErrors.Ipv6CountExceeded(limit);
            }

            var specific = CheckClaimableIpv6(vsw, addresses);
            var assigned = new List<string>(requested);
            foreach (var ip in specific)
            {
                vsw.Ipv6Pool.TryClaim(ip);
                eni.Ipv6.Add(ip);
                assigned.Add(Ipv6.Format(ip));
            }

            if (specific.Count == 0)
            {
                for (var i = 0; i < count; i++)
                {
                    var ip = vsw.Ipv6Pool.Allocate(_random);
                    eni.Ipv6.Add(ip);
                    assigned.Add(Ipv6.Format(ip));
                }
            }

            return assigned;
        }
    }

    public void UnassignIpv6Addresses(string eniId, IReadOnlyList<string> addresses)
    {
        lock (_gate)
        {
            Advance();
            var eni = GetEni(eniId);
            RequireAddressableState(eni);
            var toRemove = new List<UInt128>();
            foreach (var text in addresses)
            {
                if (!Ipv6.TryParse(text, out var ip))
                {
                    throw CloudErrors.IpAddressMalformed(text);
                }

                if (!eni.Ipv6.Contains(ip) || toRemove.Contains(ip))
                {
                    throw CloudErrors.IpUnassigned(text);
                }

                toRemove.Add(ip);
            }

            var pool = _vswitches[eni.VSwitchId].Ipv6Pool!;
            foreach (var ip in toRemove)
            {
                eni.Ipv6.Remove(ip);
                pool.Release(ip);
            }
        }
    }

    // ------------------------------------------------------------------ queries

    public EniSnapshot DescribeNetworkInterface(string eniId)
    {
        lock (_gate)
        {
            Advance();
            return Snapshot(GetEni(eniId));
        }
    }

    /// <summary>ENIs matching <paramref name="filter"/> in creation order, starting after <paramref name="afterSeq"/>.</summary>
    public EniPage QueryNetworkInterfaces(EniFilter filter, long afterSeq, int take)
    {
        lock (_gate)
        {
            Advance();
            IEnumerable<EniState> source = filter.NetworkInterfaceIds.Count > 0
                ? filter.NetworkInterfaceIds.Distinct(StringComparer.Ordinal)
                    .Select(id => _enis.GetValueOrDefault(id)).OfType<EniState>().OrderBy(e => e.Seq)
                : filter.InstanceId is not null
                    ? (_byInstance.GetValueOrDefault(filter.InstanceId) ?? []).OrderBy(e => e.Seq)
                    : _enisBySeq.Values;
            var matches = source.Where(e => Matches(e, filter)).ToList();
            var page = matches.Where(e => e.Seq > afterSeq).Take(take + 1).ToList();
            long? next = page.Count > take ? page[take - 1].Seq : null;
            return new EniPage(page.Take(take).Select(Snapshot).ToList(), next, matches.Count);
        }
    }

    public IReadOnlyList<InstanceSnapshot> Instances()
    {
        lock (_gate)
        {
            Advance();
            return _instanceList.Select(Snapshot).ToList();
        }
    }

    /// <summary>The ENIs of an instance that DescribeInstances lists (primary, secondary, trunk; attached).</summary>
    public IReadOnlyList<EniSnapshot> InstanceNetworkInterfaces(string instanceId)
    {
        lock (_gate)
        {
            Advance();
            return EnisOnInstance(instanceId).Where(e => e.Status == EniStatus.InUse)
                .OrderBy(e => e.DeviceIndex).Select(Snapshot).ToList();
        }
    }

    public IReadOnlyList<InstanceTypeDefinition> InstanceTypes()
    {
        lock (_gate)
        {
            return _types.Values.OrderBy(t => t.InstanceTypeId, StringComparer.Ordinal).ToList();
        }
    }

    public IReadOnlyList<VSwitchSnapshot> VSwitches()
    {
        lock (_gate)
        {
            Advance();
            return _vswitchList.Select(Snapshot).ToList();
        }
    }

    public IReadOnlyList<VpcSnapshot> Vpcs()
    {
        lock (_gate)
        {
            Advance();
            var now = Now;
            return _vpcList.Select(v => new VpcSnapshot(v.Id, v.Cidr.ToString(), v.Ipv6Cidr?.ToString(),
                v.RouteTable.VRouterId, v.RouteTable.Id, v.RouteBusyUntil > now ? v.RouteBusyUntil : null)).ToList();
        }
    }

    public IReadOnlyList<SecurityGroupDefinition> SecurityGroups()
    {
        lock (_gate)
        {
            return _sgList.ToList();
        }
    }

    /// <summary>The whole model state; used by the inspection API.</summary>
    public (IReadOnlyList<VpcSnapshot> Vpcs, IReadOnlyList<VSwitchSnapshot> VSwitches, IReadOnlyList<SecurityGroupDefinition> Groups,
        IReadOnlyList<InstanceSnapshot> Instances, IReadOnlyList<EniSnapshot> Enis, IReadOnlyList<RouteTableSnapshot> Tables, DateTimeOffset Time) Capture()
    {
        lock (_gate)
        {
            Advance();
            return (Vpcs(), VSwitches(), SecurityGroups(), Instances(), _enisBySeq.Values.Select(Snapshot).ToList(), RouteTables(), Now);
        }
    }

    // ------------------------------------------------------------------ transitions

    private void FinishAttach(EniState eni)
    {
        eni.Pending = null;
        eni.DueAt = null;
        if (!eni.AttachWillFail)
        {
            eni.Status = EniStatus.InUse;
            return;
        }

        eni.AttachWillFail = false;
        Unlink(eni);
    }

    private void FinishDetach(EniState eni)
    {
        eni.Pending = null;
        eni.DueAt = null;
        eni.PendingSeq = 0;
        eni.StuckInDetaching = false;
        Unlink(eni);
    }

    private void Unlink(EniState eni)
    {
        if (eni.TrunkId is not null && _enis.TryGetValue(eni.TrunkId, out var trunk))
        {
            trunk.Members.Remove(eni.Id);
        }

        if (eni.Type == EniType.Member)
        {
            eni.Type = EniType.Secondary;
        }

        eni.TrunkId = null;
        SetInstance(eni, null);
        eni.DeviceIndex = null;
        eni.Status = EniStatus.Available;
    }

    private void FinishDelete(EniState eni)
    {
        var vsw = _vswitches[eni.VSwitchId];
        foreach (var ip in eni.Ipv4)
        {
            vsw.Pool.Release(ip);
        }

        foreach (var ip in eni.Ipv6)
        {
            vsw.Ipv6Pool!.Release(ip);
        }

        _enis.Remove(eni.Id);
        _enisBySeq.Remove(eni.Seq);
        _macs.Remove(eni.Mac);
        _secondaryEniCount--;
    }

    private void ScheduleEni(EniState eni, TransitionKind kind, TimeSpan cloudDuration, Action finish)
    {
        var seq = ++_seq;
        var due = Now + _knobs.Scale(cloudDuration);
        eni.Pending = kind;
        eni.PendingSeq = seq;
        eni.DueAt = due;
        _schedule.Enqueue(() =>
        {
            if (eni.PendingSeq == seq && eni.Pending == kind)
            {
                finish();
            }
        }, (due, seq));
    }

    private void Schedule(TimeSpan cloudDuration, Func<long, Action> work, out DateTimeOffset due, out long seq)
    {
        seq = ++_seq;
        due = Now + _knobs.Scale(cloudDuration);
        _schedule.Enqueue(work(seq), (due, seq));
    }

    /// <summary>Applies every transition that is due. Called under the lock at the start of each operation.</summary>
    private void Advance()
    {
        var now = Now;
        while (_schedule.TryPeek(out var work, out var when) && when.Due <= now)
        {
            _schedule.Dequeue();
            work();
        }
    }

    // ------------------------------------------------------------------ helpers

    private EniState NewEni(VSwitchState vsw, EniType type, List<string> sgs, List<CloudTag> tags, string? description,
        string? name, string? resourceGroup, bool deleteOnRelease, bool sourceDestCheck, string trafficMode)
    {
        var eni = new EniState
        {
            Id = NewId("eni-"),
            Seq = ++_seq,
            Type = type,
            Status = EniStatus.Available,
            VpcId = vsw.VpcId,
            VSwitchId = vsw.Id,
            ZoneId = vsw.ZoneId,
            Mac = NewMac(),
            SecurityGroupIds = sgs,
            Tags = tags,
            Description = description,
            Name = name,
            ResourceGroupId = resourceGroup,
            CreationTime = TruncateToSeconds(Now),
            DeleteOnRelease = deleteOnRelease,
            SourceDestCheck = sourceDestCheck,
            TrafficMode = trafficMode,
        };
        _enis[eni.Id] = eni;
        _enisBySeq[eni.Seq] = eni;
        return eni;
    }

    private string NewId(string prefix)
    {
        Span<char> chars = stackalloc char[20];
        while (true)
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = IdAlphabet[_random.Next(IdAlphabet.Length)];
            }

            var id = prefix + new string(chars);
            if (_issuedIds.Add(id))
            {
                return id;
            }
        }
    }

    private string NewMac()
    {
        Span<byte> b = stackalloc byte[3];
        while (true)
        {
            _random.NextBytes(b);
            var mac = string.Create(CultureInfo.InvariantCulture, $"00:16:3e:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}");
            if (_macs.Add(mac))
            {
                return mac;
            }
        }
    }

    private uint AllocateIpv4(VSwitchState vsw) =>
        vsw.Pool.TryAllocate(_random, out var ip) ? ip : throw CloudErrors.IpNotEnough(vsw.Id);

    private static uint CheckClaimableIpv4(VSwitchState vsw, string text, bool primary)
    {
        if (!Ipv4.TryParse(text, out var ip))
        {
            throw CloudErrors.IpAddressMalformed(text);
        }

        if (!vsw.Pool.IsAssignable(ip))
        {
            throw CloudErrors.IpInvalid(text);
        }

        if (vsw.Pool.IsUsed(ip))
        {
            throw primary ? CloudErrors.PrivateIpDuplicated(text) : CloudErrors.IpAssigned(text);
        }

        return ip;
    }

    private static List<UInt128> CheckClaimableIpv6(VSwitchState vsw, IReadOnlyList<string> addresses)
    {
        var result = new List<UInt128>();
        foreach (var text in addresses)
        {
            if (!Ipv6.TryParse(text, out var ip))
            {
                throw CloudErrors.IpAddressMalformed(text);
            }

            if (vsw.Ipv6Pool is null || !vsw.Ipv6Pool.IsAssignable(ip))
            {
                throw CloudErrors.IpInvalid(text);
            }

            if (vsw.Ipv6Pool.IsUsed(ip))
            {
                throw CloudErrors.IpAssigned(text);
            }

            if (result.Contains(ip))
            {
                throw CloudErrors.IpRepeated(text);
            }

            result.Add(ip);
        }

        return result;
    }

    private int Ipv4Limit(EniState eni) =>
        eni.Status == EniStatus.InUse ? AttachedType(eni).EniPrivateIpAddressQuantity : MaxUnattachedIpv4;

    private InstanceTypeDefinition AttachedType(EniState eni) => _instances[eni.InstanceId!].Type;

    private void RequireAddressableState(EniState eni)
    {
        if (eni.Status is not (EniStatus.Available or EniStatus.InUse))
        {
            throw CloudErrors.InvalidEniState(eni.Id, eni.Status.ToString(), "Available or InUse");
        }

        if (eni.Type == EniType.Primary)
        {
            RequireRunningOrStopped(_instances[eni.InstanceId!]);
        }
    }

    private static void RequireRunningOrStopped(InstanceState instance)
    {
        if (instance.Status is not ("Running" or "Stopped"))
        {
            throw CloudErrors.InvalidEcsState(instance.Id, instance.Status);
        }
    }

    /// <summary>Primary, secondary and trunk ENIs attached (or attaching/detaching) to an instance; members excluded.</summary>
    private IEnumerable<EniState> EnisOnInstance(string instanceId) =>
        (_byInstance.GetValueOrDefault(instanceId) ?? []).Where(e => e.Type != EniType.Member && e.IsAttachedToInstance);

    /// <summary>Changes an ENI's instance, keeping the per-instance index in step.</summary>
    private void SetInstance(EniState eni, string? instanceId)
    {
        if (eni.InstanceId == instanceId)
        {
            return;
        }

        if (eni.InstanceId is not null)
        {
            _byInstance[eni.InstanceId].Remove(eni);
        }

        eni.InstanceId = instanceId;
        if (instanceId is not null)
        {
            if (!_byInstance.TryGetValue(instanceId, out var list))
            {
                list = [];
                _byInstance[instanceId] = list;
            }

            list.Add(eni);
        }
    }

    private bool Roll(double rate) => rate > 0 && _random.NextDouble() < rate;

    private EniState GetEni(string id) => _enis.GetValueOrDefault(id) ?? throw CloudErrors.EniNotFound(id);

    private InstanceState GetInstance(string id) => _instances.GetValueOrDefault(id) ?? throw CloudErrors.EcsNotFound(id);

    private VSwitchState GetVSwitch(string id) => _vswitches.GetValueOrDefault(id) ?? throw CloudErrors.VSwitchNotFound(id);

    private VpcState ResolveSetupVpc(string? vpcId, string owner)
    {
        if (vpcId is null)
        {
            return _vpcList.Count > 0 ? _vpcList[0] : throw new ArgumentException($"{owner}: the region has no VPC yet.");
        }

        return _vpcs.GetValueOrDefault(vpcId) ?? throw new ArgumentException($"{owner}: unknown VPC {vpcId}.");
    }

    private static Ipv4Cidr ParseSetupCidr4(string text, string owner) =>
        Ipv4Cidr.TryParse(text, false, out var c) ? c : throw new ArgumentException($"{owner}: '{text}' is not an IPv4 CIDR block.");

    private static Ipv6Cidr ParseSetupCidr6(string text, string owner) =>
        Ipv6Cidr.TryParse(text, false, out var c) ? c : throw new ArgumentException($"{owner}: '{text}' is not an IPv6 CIDR block.");

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) =>
        new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static bool Matches(EniState e, EniFilter f)
    {
        if (f.InstanceId is not null && e.InstanceId != f.InstanceId)
        {
            return false;
        }

        if ((f.VpcId is not null && e.VpcId != f.VpcId) || (f.VSwitchId is not null && e.VSwitchId != f.VSwitchId)
            || (f.Type is { } t && e.Type != t) || (f.Status is { } s && e.Status != s)
            || (f.SecurityGroupId is not null && !e.SecurityGroupIds.Contains(f.SecurityGroupId))
            || (f.NetworkInterfaceName is not null && e.Name != f.NetworkInterfaceName)
            || (f.ResourceGroupId is not null && e.ResourceGroupId != f.ResourceGroupId)
            || f.ServiceManaged == true)
        {
            return false;
        }

        if (f.PrimaryIpAddress is not null && Ipv4.Format(e.Ipv4[0]) != f.PrimaryIpAddress)
        {
            return false;
        }

        if (f.PrivateIpAddresses.Count > 0 && !e.Ipv4.Any(ip => f.PrivateIpAddresses.Contains(Ipv4.Format(ip))))
        {
            return false;
        }

        if (f.Ipv6Addresses.Count > 0)
        {
            var wanted = f.Ipv6Addresses.Select(a => Ipv6.TryParse(a, out var v) ? v : UInt128.Zero).ToHashSet();
            if (!e.Ipv6.Any(wanted.Contains))
            {
                return false;
            }
        }

        foreach (var (key, value) in f.Tags)
        {
            if (!e.Tags.Any(t => t.Key == key && (value is null || t.Value == value)))
            {
                return false;
            }
        }

        return true;
    }

    private EniSnapshot Snapshot(EniState e) => new()
    {
        NetworkInterfaceId = e.Id,
        Type = e.Type,
        Status = e.Status,
        VpcId = e.VpcId,
        VSwitchId = e.VSwitchId,
        ZoneId = e.ZoneId,
        MacAddress = e.Mac,
        PrimaryIpAddress = Ipv4.Format(e.Ipv4[0]),
        PrivateIpAddresses = e.Ipv4.Select(Ipv4.Format).ToList(),
        Ipv6Addresses = e.Ipv6.Select(Ipv6.Format).ToList(),
        SecurityGroupIds = e.SecurityGroupIds.ToList(),
        Tags = e.Tags.ToList(),
        Description = e.Description,
        NetworkInterfaceName = e.Name,
        ResourceGroupId = e.ResourceGroupId,
        CreationTime = e.CreationTime,
        InstanceId = e.InstanceId,
        TrunkNetworkInterfaceId = e.TrunkId,
        DeviceIndex = e.DeviceIndex,
        MemberNetworkInterfaceIds = e.Members.ToList(),
        DeleteOnRelease = e.DeleteOnRelease,
        SourceDestCheck = e.SourceDestCheck,
        NetworkInterfaceTrafficMode = e.TrafficMode,
        TransitionDueAt = e.DueAt,
        StuckInDetaching = e.StuckInDetaching,
    };

    private InstanceSnapshot Snapshot(InstanceState i) => new()
    {
        InstanceId = i.Id,
        InstanceType = i.Type,
        ZoneId = i.ZoneId,
        VpcId = i.VpcId,
        VSwitchId = i.VSwitchId,
        Status = i.Status,
        HostName = i.HostName,
        InstanceName = i.Name,
        SecurityGroupIds = i.SecurityGroupIds,
        PrimaryNetworkInterfaceId = i.PrimaryEniId,
        PrimaryIpAddress = Ipv4.Format(_enis[i.PrimaryEniId].Ipv4[0]),
        CreationTime = TruncateToSeconds(i.CreationTime),
    };

    private static VSwitchSnapshot Snapshot(VSwitchState v) => new()
    {
        VSwitchId = v.Id,
        VpcId = v.VpcId,
        ZoneId = v.ZoneId,
        CidrBlock = v.Pool.Cidr.ToString(),
        Ipv6CidrBlock = v.Ipv6Pool?.Cidr.ToString(),
        VSwitchName = v.Name,
        CreationTime = TruncateToSeconds(v.CreationTime),
        Capacity = v.Pool.Capacity,
        AvailableIpAddressCount = v.Pool.Available,
        ReservedOutOfBand = v.Reserved.Count,
    };
}
