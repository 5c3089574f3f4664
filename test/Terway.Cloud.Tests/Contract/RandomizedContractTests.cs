using Terway.Cloud.Ecs;
using Terway.Cloud.Errors;
using Terway.Cloud.Resilience;
using Terway.Cloud.Signing;
using Terway.Cloud.Tests.Contract.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract;

/// <summary>
/// A seeded random walk of a few hundred operations through the client against the simulator —
/// creates, plain and trunk-member attaches, IPv4/IPv6 assigns and unassigns, detaches, deletes —
/// with 10% of every mutating call failing (half of them after the operation took effect) and a
/// retry budget of one, so some calls fail for good. Afterwards: no quota is exceeded, no address
/// has two owners, the client's Describe view is the simulator's snapshot, every outcome the client
/// reported is what the simulator logged, and every ENI that exists was returned to the client.
/// </summary>
[TestFixture(SignatureAlgorithm.V3HmacSha256, 20260301)]
[TestFixture(SignatureAlgorithm.RpcHmacSha1, 20260302)]
public sealed class RandomizedContractTests(SignatureAlgorithm algorithm, int seed)
{
    private const int Operations = 300;
    private const string SmallNode = "i-bp1randomsmall00000001";
    private const string TrunkNode = "i-bp1randomtrunk00000001";
    private const string TinyVSwitch = "vsw-bp1randomtiny0000001";
    private const string OpTag = "contract-op";

    private static readonly string[] Mutating =
    [
        "CreateNetworkInterface", "AttachNetworkInterface", "DetachNetworkInterface", "DeleteNetworkInterface",
        "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses", "AssignIpv6Addresses", "UnassignIpv6Addresses",
    ];

    private ContractRig _rig = null!;
    private Random _random = null!;
    private readonly List<Op> _ops = [];
    private readonly List<Op> _recoveries = [];

    /// <summary>One client-level operation: what was asked, which wire exchanges it made, what the client reported.</summary>
    private sealed class Op
    {
        public required int Index { get; init; }

        public required string Action { get; init; }

        public required int WireFrom { get; init; }

        public int WireTo { get; set; }

        public bool Succeeded { get; set; }

        public CloudApiException? Error { get; set; }

        /// <summary>For a create: the ENI the client was given (by the call or by the recovery retry).</summary>
        public string? ReturnedEni { get; set; }

        public bool Recovered { get; set; }
    }

    [SetUp]
    public async Task SetUp()
    {
        _random = new Random(seed);
        _rig = await ContractRig.StartAsync(
            algorithm,
            o =>
            {
                o.Seed = seed;
                o.VSwitches.Add(new VSwitchDefinition { VSwitchId = TinyVSwitch, ZoneId = Region.ZoneI, CidrBlock = "192.168.96.0/27" });
                o.Instances.Add(new InstanceDefinition { InstanceId = SmallNode, InstanceType = "ecs.g6.large", ZoneId = Region.ZoneH, VSwitchId = Region.VSwitchH, SecurityGroupIds = [Region.SgNodes] });
                o.Instances.Add(new InstanceDefinition { InstanceId = TrunkNode, InstanceType = "ecs.u1-c1m4.xlarge", ZoneId = Region.ZoneI, VSwitchId = TinyVSwitch, SecurityGroupIds = [Region.SgNodes] });
                o.Knobs.AttachFailureRate = 0.05;
            },
            o =>
            {
                o.Retry.MaxRetries = 1;
                o.DefaultRateLimitPerMinute = 100_000;
                foreach (var api in ApiRateLimits.Defaults.Keys)
                {
                    o.RateLimitsPerMinute[api] = 100_000;
                }
            });
    }

    [TearDown]
    public async Task TearDown() => await _rig.DisposeAsync();

    [Test]
    public async Task RandomOperations_SeededMixWithInjectedErrors_InvariantsHoldAndBothViewsAgree()
    {
        // Trunks first, with no faults, so that member attaches have somewhere to go.
        var trunks = new Dictionary<string, string>();
        foreach (var (node, vSwitch) in new[] { (Region.Node1, Region.VSwitchH), (Region.Node3, Region.VSwitchI), (TrunkNode, TinyVSwitch) })
        {
            var trunk = await _rig.Ecs.CreateNetworkInterfaceAsync(new() { VSwitchId = vSwitch, SecurityGroupIds = [Region.SgNodes], Type = NetworkInterfaceCreateType.Trunk });
            await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = node, NetworkInterfaceId = trunk.NetworkInterfaceId });
            trunks[node] = trunk.NetworkInterfaceId;
        }

        _rig.Simulator.ConfigureKnobs(k =>
        {
            for (var i = 0; i < Mutating.Length; i++)
            {
                var api = k.Api(Mutating[i]);
                api.ErrorRate = 0.10;
                api.ErrorCode = i % 2 == 0 ? "InternalError" : "ServiceUnavailable";
                api.ErrorAfterApply = i % 2 == 0;
            }

            // Lost answers for the operations without a ClientToken, too: the client must re-read state.
            k.Api("AttachNetworkInterface").ErrorAfterApply = true;
            k.Api("DeleteNetworkInterface").ErrorAfterApply = true;
        });

        var instances = _rig.Simulator.Snapshot().Instances.ToDictionary(i => i.InstanceId);
        for (var n = 0; n < Operations; n++)
        {
            var view = await _rig.Ecs.ListNetworkInterfacesAsync(new()).ToListAsync();
            await Step(n, view, instances, trunks);
        }

        _rig.Simulator.ConfigureKnobs(k =>
        {
            foreach (var api in Mutating)
            {
                k.Api(api).ErrorRate = 0;
            }
        });

        var snapshot = _rig.Simulator.Snapshot();
        AssertNoQuotaExceeded(snapshot);
        AssertNoAddressHasTwoOwners(snapshot);
        await AssertClientViewIsTheSnapshot(snapshot);
        AssertOutcomesMatchTheCallLog(_rig.Simulator.Snapshot());
        AssertEveryEniWasReturnedToTheClient(snapshot);

        Assert.That(_ops.Count(o => o.Error is { Kind: CloudErrorKind.Transient }), Is.GreaterThan(0), "some calls failed beyond the retry budget");
        Assert.That(_rig.Wire.Exchanges.Count(e => e.Status is 500 or 503), Is.GreaterThan(20), "errors were injected");
        Assert.That(_ops.Count(o => o.Succeeded), Is.GreaterThan(Operations / 2), "most operations went through");
        TestContext.Out.WriteLine($"{_ops.Count} operations: {_ops.Count(o => o.Succeeded)} succeeded, {_ops.Count(o => o.Recovered)} recovered by a retry with the same token, " +
            $"failures: {string.Join(", ", _ops.Where(o => o.Error is not null).GroupBy(o => o.Error!.Code).Select(g => $"{g.Key}×{g.Count()}"))}; ENIs left: {snapshot.NetworkInterfaces.Count}");
    }

    private async Task Step(int n, List<NetworkInterface> view, Dictionary<string, InstanceSnapshot> instances, Dictionary<string, string> trunks)
    {
        var ours = view.Where(e => e.Type is NetworkInterfaceTypes.Secondary or NetworkInterfaceTypes.Member).ToList();
        var available = ours.Where(e => e.Status == NetworkInterfaceStatuses.Available).ToList();
        var inUse = ours.Where(e => e.Status == NetworkInterfaceStatuses.InUse).ToList();
        var addressable = ours.Where(e => e.Status is NetworkInterfaceStatuses.Available or NetworkInterfaceStatuses.InUse).ToList();
        var roll = _random.Next(100);

        if (roll < 25 || addressable.Count == 0)
        {
            var vSwitch = _random.Next(3) switch { 0 => Region.VSwitchH, 1 => Region.VSwitchI, _ => TinyVSwitch };
            var secondaries = _random.Next(4);
            var request = new CreateNetworkInterfaceRequest
            {
                VSwitchId = vSwitch,
                SecurityGroupIds = [Region.SgPods],
                SecondaryPrivateIpAddressCount = secondaries > 0 ? secondaries : null,
                Ipv6AddressCount = vSwitch != TinyVSwitch && _random.Next(3) == 0 ? _random.Next(1, 3) : null,
                Tags = [new("creator", "terway-controller"), new(OpTag, n.ToString())],
                ClientToken = ClientTokens.Derive($"random op {n}", vSwitch),
            };
            var op = await Run(n, "CreateNetworkInterface", async () => (await _rig.Ecs.CreateNetworkInterfaceAsync(request)).NetworkInterfaceId);

            // As Terway does: the next attempt for the same intent reuses the token, and gets the ENI a lost answer hid.
            for (var again = op; again.Error is { IsRetryable: true };)
            {
                again = await Run(n, "CreateNetworkInterface", async () => (await _rig.Ecs.CreateNetworkInterfaceAsync(request)).NetworkInterfaceId, record: false);
                if (again.Succeeded)
                {
                    op.ReturnedEni = again.ReturnedEni;
                    op.Recovered = true;
                }
            }
        }
        else if (roll < 45 && available.Count > 0)
        {
            var eni = available[_random.Next(available.Count)];
            var candidates = instances.Values.Where(i => i.ZoneId == eni.ZoneId).ToList();
            var instance = candidates[_random.Next(candidates.Count)];
            var asMember = trunks.TryGetValue(instance.InstanceId, out var trunk) && _random.Next(2) == 0;
            await Run(n, "AttachNetworkInterface", async () =>
            {
                await _rig.Ecs.AttachNetworkInterfaceAsync(new() { InstanceId = instance.InstanceId, NetworkInterfaceId = eni.NetworkInterfaceId, TrunkNetworkInstanceId = asMember ? trunk : null });
                return null;
            });
        }
        else if (roll < 55 && inUse.Count > 0)
        {
            var eni = inUse[_random.Next(inUse.Count)];
            await Run(n, "DetachNetworkInterface", async () =>
            {
                await _rig.Ecs.DetachNetworkInterfaceAsync(new() { InstanceId = eni.InstanceId!, NetworkInterfaceId = eni.NetworkInterfaceId, TrunkNetworkInstanceId = eni.TrunkNetworkInterfaceId });
                return null;
            });
        }
        else if (roll < 63 && available.Count > 0)
        {
            var eni = available[_random.Next(available.Count)];
            await Run(n, "DeleteNetworkInterface", async () =>
            {
                await _rig.Ecs.DeleteNetworkInterfaceAsync(eni.NetworkInterfaceId);
                return null;
            });
        }
        else if (roll < 78)
        {
            var eni = addressable[_random.Next(addressable.Count)];
            var request = new AssignPrivateIpAddressesRequest
            {
                NetworkInterfaceId = eni.NetworkInterfaceId,
                SecondaryPrivateIpAddressCount = _random.Next(1, 4),
                ClientToken = ClientTokens.Derive($"random op {n}", eni.NetworkInterfaceId),
            };
            var op = await Run(n, "AssignPrivateIpAddresses", async () => { await _rig.Ecs.AssignPrivateIpAddressesAsync(request); return null; });
            for (var again = op; again.Error is { IsRetryable: true };)
            {
                again = await Run(n, "AssignPrivateIpAddresses", async () => { await _rig.Ecs.AssignPrivateIpAddressesAsync(request); return null; }, record: false);
                op.Recovered = again.Succeeded;
            }
        }
        else if (roll < 88)
        {
            var eni = addressable[_random.Next(addressable.Count)];
            var secondaries = eni.PrivateIps.Where(p => !p.Primary).Select(p => p.Address).ToList();
            if (secondaries.Count == 0)
            {
                return;
            }

            var release = secondaries.OrderBy(_ => _random.Next()).Take(_random.Next(1, 3)).ToList();
            await Run(n, "UnassignPrivateIpAddresses", async () =>
            {
                await _rig.Ecs.UnassignPrivateIpAddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, PrivateIpAddresses = release });
                return null;
            });
        }
        else if (roll < 95)
        {
            var eni = addressable.Where(e => e.VSwitchId != TinyVSwitch).OrderBy(_ => _random.Next()).FirstOrDefault();
            if (eni is null)
            {
                return;
            }

            var request = new AssignIpv6AddressesRequest { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6AddressCount = _random.Next(1, 3), ClientToken = ClientTokens.Derive($"random op {n}", eni.NetworkInterfaceId) };
            var op = await Run(n, "AssignIpv6Addresses", async () => { await _rig.Ecs.AssignIpv6AddressesAsync(request); return null; });
            for (var again = op; again.Error is { IsRetryable: true };)
            {
                again = await Run(n, "AssignIpv6Addresses", async () => { await _rig.Ecs.AssignIpv6AddressesAsync(request); return null; }, record: false);
                op.Recovered = again.Succeeded;
            }
        }
        else
        {
            var eni = addressable.Where(e => e.Ipv6Addresses.Count > 0).OrderBy(_ => _random.Next()).FirstOrDefault();
            if (eni is null)
            {
                return;
            }

            await Run(n, "UnassignIpv6Addresses", async () =>
            {
                await _rig.Ecs.UnassignIpv6AddressesAsync(new() { NetworkInterfaceId = eni.NetworkInterfaceId, Ipv6Addresses = [eni.Ipv6Addresses[0]] });
                return null;
            });
        }
    }

    private async Task<Op> Run(int index, string action, Func<Task<string?>> call, bool record = true)
    {
        var op = new Op { Index = index, Action = action, WireFrom = _rig.Wire.Exchanges.Count };
        try
        {
            op.ReturnedEni = await call();
            op.Succeeded = true;
        }
        catch (CloudApiException ex)
        {
            op.Error = ex;
        }

        op.WireTo = _rig.Wire.Exchanges.Count;
        if (record)
        {
            _ops.Add(op);
        }
        else
        {
            _recoveries.Add(op);
        }

        return op;
    }

    private static void AssertNoQuotaExceeded(RegionSnapshot s)
    {
        foreach (var instance in s.Instances)
        {
            var type = instance.InstanceType;
            var attached = s.NetworkInterfaces.Where(e => e.InstanceId == instance.InstanceId && e.Type != EniType.Member).ToList();
            Assert.That(attached, Has.Count.LessThanOrEqualTo(type.EniQuantity), $"{instance.InstanceId}: ENIs ≤ EniQuantity {type.EniQuantity}");
            foreach (var trunk in attached.Where(e => e.Type == EniType.Trunk))
            {
                Assert.That(trunk.MemberNetworkInterfaceIds, Has.Count.LessThanOrEqualTo(type.EniTotalQuantity - type.EniQuantity), $"{trunk.NetworkInterfaceId}: members ≤ EniTotalQuantity − EniQuantity");
            }

            foreach (var eni in s.NetworkInterfaces.Where(e => e.InstanceId == instance.InstanceId))
            {
                Assert.That(eni.PrivateIpAddresses, Has.Count.LessThanOrEqualTo(type.EniPrivateIpAddressQuantity), $"{eni.NetworkInterfaceId}: IPv4 per ENI");
                Assert.That(eni.Ipv6Addresses, Has.Count.LessThanOrEqualTo(type.EniIpv6AddressQuantity), $"{eni.NetworkInterfaceId}: IPv6 per ENI");
            }
        }

        foreach (var eni in s.NetworkInterfaces.Where(e => e.InstanceId is null))
        {
            Assert.That(eni.PrivateIpAddresses, Has.Count.LessThanOrEqualTo(50));
            Assert.That(eni.Ipv6Addresses, Has.Count.LessThanOrEqualTo(10));
        }

        foreach (var vSwitch in s.VSwitches)
        {
            var held = s.NetworkInterfaces.Where(e => e.VSwitchId == vSwitch.VSwitchId).Sum(e => e.PrivateIpAddresses.Count);
            Assert.That(vSwitch.AvailableIpAddressCount, Is.EqualTo(vSwitch.Capacity - held - vSwitch.ReservedOutOfBand).And.GreaterThanOrEqualTo(0), $"{vSwitch.VSwitchId}: address accounting");
        }
    }

    private static void AssertNoAddressHasTwoOwners(RegionSnapshot s)
    {
        var v4 = s.NetworkInterfaces.SelectMany(e => e.PrivateIpAddresses.Select(ip => (ip, e.NetworkInterfaceId))).ToList();
        var v6 = s.NetworkInterfaces.SelectMany(e => e.Ipv6Addresses.Select(ip => (ip, e.NetworkInterfaceId))).ToList();
        Assert.That(v4.Select(p => p.ip), Is.Unique, "no IPv4 address on two ENIs (or twice on one)");
        Assert.That(v6.Select(p => p.ip), Is.Unique, "no IPv6 address on two ENIs (or twice on one)");
    }

    private async Task AssertClientViewIsTheSnapshot(RegionSnapshot s)
    {
        var enis = await _rig.Ecs.ListNetworkInterfacesAsync(new() { MaxResults = 10 }).ToListAsync();
        Agreement.SameEnis(enis, s.NetworkInterfaces);

        var vSwitches = await _rig.Vpc.ListVSwitchesAsync(new() { VpcId = Region.Vpc }).ToListAsync();
        Assert.That(vSwitches.ToDictionary(v => v.VSwitchId, v => v.AvailableIpAddressCount), Is.EquivalentTo(s.VSwitches.ToDictionary(v => v.VSwitchId, v => (long)v.AvailableIpAddressCount)));

        var instances = await _rig.Ecs.ListInstancesAsync(new()).ToListAsync();
        foreach (var instance in instances)
        {
            var attached = s.NetworkInterfaces.Where(e => e.InstanceId == instance.InstanceId && e.Type != EniType.Member).Select(e => e.NetworkInterfaceId);
            Assert.That(instance.NetworkInterfaces.Select(e => e.NetworkInterfaceId), Is.EquivalentTo(attached), instance.InstanceId);
        }
    }

    private void AssertOutcomesMatchTheCallLog(RegionSnapshot s)
    {
        var wire = _rig.Wire.Exchanges;
        var log = s.Calls.ToDictionary(c => c.RequestId);
        Assert.That(wire.Count(e => e.Status == 0), Is.Zero, "no injected timeouts: every request got an answer");

        // Every answer the client received is one the simulator logged, with the same action and status, and vice versa.
        foreach (var exchange in wire)
        {
            Assert.That(log.TryGetValue(exchange.RequestId!, out var call), Is.True, $"request {exchange.RequestId} is in the simulator's log");
            Assert.That((call!.Action, call.HttpStatus, call.ClientToken), Is.EqualTo((exchange.Action, exchange.Status, exchange.ClientToken)), exchange.RequestId);
        }

        Assert.That(log.Keys, Is.EquivalentTo(wire.Select(e => e.RequestId)), "the simulator answered nothing the client did not see");

        // Every outcome the client reported is the simulator's last answer to that operation.
        foreach (var op in _ops.Concat(_recoveries))
        {
            var attempts = wire.Skip(op.WireFrom).Take(op.WireTo - op.WireFrom).ToList();
            Assert.That(attempts, Is.Not.Empty, $"op {op.Index} {op.Action}: its attempts");
            Assert.That(attempts.Select(e => e.Action), Has.All.EqualTo(op.Action), $"op {op.Index}: attempts of one operation");
            Assert.That(attempts, Has.Count.LessThanOrEqualTo(2), "first attempt + MaxRetries 1");
            var last = log[attempts[^1].RequestId!];
            if (op.Succeeded)
            {
                Assert.That(last.HttpStatus, Is.EqualTo(200), $"op {op.Index} {op.Action} succeeded");
            }
            else
            {
                Assert.That((last.ErrorCode, last.HttpStatus, last.RequestId), Is.EqualTo((op.Error!.Code, op.Error.HttpStatus, op.Error.RequestId)), $"op {op.Index} {op.Action} failed as the simulator answered");
                if (op.Error.IsRetryable)
                {
                    Assert.That(attempts, Has.Count.EqualTo(2), $"op {op.Index}: a retryable error was retried");
                }
            }

            foreach (var earlier in attempts.Take(attempts.Count - 1))
            {
                Assert.That(log[earlier.RequestId!].ErrorCode, Is.AnyOf("InternalError", "ServiceUnavailable"), $"op {op.Index}: only a retryable answer leads to another attempt");
            }
        }
    }

    private void AssertEveryEniWasReturnedToTheClient(RegionSnapshot s)
    {
        var creates = _ops.Where(o => o.Action == "CreateNetworkInterface").ToDictionary(o => o.Index);
        foreach (var eni in s.NetworkInterfaces.Where(e => e.Tags.Any(t => t.Key == OpTag)))
        {
            var op = creates[int.Parse(eni.Tags.Single(t => t.Key == OpTag).Value)];
            Assert.That(op.ReturnedEni, Is.EqualTo(eni.NetworkInterfaceId),
                $"{eni.NetworkInterfaceId} exists, so create op {op.Index} (reported {(op.Succeeded ? "success" : op.Error!.Code)}) must have returned it{(op.Recovered ? " on its retry" : string.Empty)}");
        }

        foreach (var op in creates.Values.Where(o => o.ReturnedEni is null))
        {
            Assert.That(s.NetworkInterfaces.Where(e => e.Tags.Any(t => t.Key == OpTag && t.Value == op.Index.ToString())), Is.Empty, $"failed create op {op.Index} left no ENI behind");
        }

        var all = s.NetworkInterfaces.Where(e => e.Type != EniType.Primary && e.Type != EniType.Trunk).ToList();
        Assert.That(all.Where(e => !e.Tags.Any(t => t.Key == OpTag)).Select(e => e.NetworkInterfaceId), Is.Empty, "every secondary/member ENI came from one of the operations");
        Assert.That(all.Select(e => e.Tags.Single(t => t.Key == OpTag).Value), Is.Unique, "one ENI per create, however many attempts");
    }
}
