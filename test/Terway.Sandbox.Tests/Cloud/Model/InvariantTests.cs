using System.Net;
using Terway.Sandbox.Cloud;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Tests.Cloud.Support;

namespace Terway.Sandbox.Tests.Cloud.Model;

/// <summary>
/// Seeded random operation sequences against the model. Whatever is accepted or rejected, the
/// region must never break a quota, give one address to two owners, or let a vSwitch's
/// available count drift from what its ENIs and reservations hold.
/// </summary>
[TestFixture]
public sealed class InvariantTests
{
    private static readonly string[] VSwitches = [Ids.VSwitchH, Ids.VSwitchI, Ids.TinyVSwitch, "vsw-small-h", "vsw-small-i"];
    private static readonly string[] Instances = [Ids.Node1, Ids.Node2, Ids.Node3, Ids.SmallNode, "i-c7-i"];

    [Test]
    public void RandomOperationSequences_KeepEveryInvariant([Range(1, 24)] int seed)
    {
        var h = ModelHarness.CreateExtended(o =>
        {
            o.Seed = seed;
            o.VSwitches.Add(new VSwitchDefinition { VSwitchId = "vsw-small-h", ZoneId = Ids.ZoneH, CidrBlock = "192.168.200.0/27", Ipv6CidrBlock = "2408:4005:3ed:d03::/64" });
            o.VSwitches.Add(new VSwitchDefinition { VSwitchId = "vsw-small-i", ZoneId = Ids.ZoneI, CidrBlock = "192.168.201.0/28" });
            o.Instances.Add(new InstanceDefinition { InstanceId = "i-c7-i", InstanceType = "ecs.c7.large", ZoneId = Ids.ZoneI, VSwitchId = "vsw-small-i" });
            o.Knobs.AttachFailureRate = 0.1;
            o.Knobs.DetachStuckRate = 0.05;
            o.Knobs.MaxEniCount = 40;
            o.Knobs.Durations = new AsyncDurations
            {
                Attach = TimeSpan.FromSeconds(2),
                Detach = TimeSpan.FromSeconds(2),
                MemberAttach = TimeSpan.FromSeconds(1),
                MemberDetach = TimeSpan.FromSeconds(1),
                Delete = TimeSpan.FromSeconds(1),
            };
        });
        var m = h.Model;
        var random = new Random(seed * 7919);
        var accepted = 0;
        var rejected = new Dictionary<string, int>();

        for (var step = 0; step < 400; step++)
        {
            var snapshot = m.QueryNetworkInterfaces(new EniFilter(), 0, 10_000).Items;
            var nonPrimary = snapshot.Where(e => e.Type != EniType.Primary).ToList();
            EniSnapshot? Pick(Func<EniSnapshot, bool>? where = null)
            {
                var c = nonPrimary.Where(where ?? (_ => true)).ToList();
                return c.Count == 0 ? null : c[random.Next(c.Count)];
            }

            string AnyEniId() => random.Next(10) == 0
                ? snapshot[random.Next(snapshot.Count)].NetworkInterfaceId // sometimes a primary ENI
                : Pick()?.NetworkInterfaceId ?? "eni-none";

            var instance = Instances[random.Next(Instances.Length)];
            try
            {
                switch (random.Next(13))
                {
                    case 0 or 1:
                        m.CreateNetworkInterface(new CreateEniArgs
                        {
                            VSwitchId = VSwitches[random.Next(VSwitches.Length)],
                            SecurityGroupIds = [Ids.SgPods],
                            InstanceType = random.Next(6) == 0 ? EniType.Trunk : EniType.Secondary,
                            SecondaryPrivateIpAddressCount = random.Next(0, 20),
                            Ipv6AddressCount = random.Next(3) == 0 ? random.Next(1, 4) : 0,
                        });
                        break;
                    case 2 or 3:
                    {
                        var trunk = random.Next(2) == 0
                            ? Pick(e => e.Type == EniType.Trunk && e.Status == EniStatus.InUse)
                            : null;
                        m.AttachNetworkInterface(AnyEniId(), trunk?.InstanceId ?? instance, trunk?.NetworkInterfaceId);
                        break;
                    }

                    case 4:
                    {
                        var e = Pick(x => x.InstanceId is not null);
                        m.DetachNetworkInterface(e?.NetworkInterfaceId ?? AnyEniId(), e?.InstanceId ?? instance,
                            e?.TrunkNetworkInterfaceId);
                        break;
                    }

                    case 5:
                        m.DeleteNetworkInterface(AnyEniId());
                        break;
                    case 6 or 7:
                        m.AssignPrivateIpAddresses(AnyEniId(), [], random.Next(1, 12));
                        break;
                    case 8:
                    {
                        var e = snapshot[random.Next(snapshot.Count)];
                        var secondaries = e.PrivateIpAddresses.Skip(random.Next(3) == 0 ? 0 : 1).Take(random.Next(1, 4)).ToList();
                        m.UnassignPrivateIpAddresses(e.NetworkInterfaceId, secondaries.Count == 0 ? [e.PrimaryIpAddress] : secondaries);
                        break;
                    }

                    case 9:
                        m.AssignIpv6Addresses(AnyEniId(), [], random.Next(1, 4));
                        break;
                    case 10:
                    {
                        var e = Pick(x => x.Ipv6Addresses.Count > 0);
                        m.UnassignIpv6Addresses(e?.NetworkInterfaceId ?? AnyEniId(), e?.Ipv6Addresses.Take(2).ToList() ?? ["2408:4005:3ed:d01::1"]);
                        break;
                    }

                    case 11:
                        if (random.Next(4) == 0)
                        {
                            m.DetachOutOfBand(AnyEniId());
                        }
                        else
                        {
                            m.ReserveAddresses(VSwitches[random.Next(VSwitches.Length)], random.Next(1, 3));
                        }

                        break;
                    default:
                        h.Time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 2500)));
                        break;
                }

                accepted++;
            }
            catch (CloudErrorException e)
            {
                rejected[e.Code] = rejected.GetValueOrDefault(e.Code) + 1;
            }

            CheckInvariants(m, $"seed {seed}, step {step}");
        }

        h.Time.Advance(TimeSpan.FromMinutes(5));
        CheckInvariants(m, $"seed {seed}, settled");
        Assert.That(accepted, Is.GreaterThan(100), "the sequence must mostly do things");
        Assert.That(rejected.Keys, Is.Not.Empty, "and hit some rules");
    }

    private static void CheckInvariants(RegionModel m, string where)
    {
        var enis = m.QueryNetworkInterfaces(new EniFilter(), 0, 10_000).Items;
        var vSwitches = m.VSwitches().ToDictionary(v => v.VSwitchId);
        var instances = m.Instances().ToDictionary(i => i.InstanceId);

        // One owner per address, each inside its vSwitch and not reserved.
        var v4 = enis.SelectMany(e => e.PrivateIpAddresses.Select(ip => (ip, e))).ToList();
        var duplicate = v4.GroupBy(x => x.ip).FirstOrDefault(g => g.Count() > 1);
        Assert.That(duplicate, Is.Null, $"{where}: {duplicate?.Key} is held by two ENIs");
        var v6 = enis.SelectMany(e => e.Ipv6Addresses).ToList();
        Assert.That(v6, Is.Unique, $"{where}: an IPv6 address is held twice");
        Assert.That(enis.Select(e => e.MacAddress), Is.Unique, $"{where}: MAC reused");
        foreach (var (ip, e) in v4)
        {
            var cidr = Ipv4Cidr.Parse(vSwitches[e.VSwitchId].CidrBlock);
            Assert.That(Ipv4.TryParse(ip, out var a), Is.True);
            Assert.That(a > cidr.Network && a < cidr.Last - 2, Is.True, $"{where}: {ip} is outside or reserved in {cidr}");
        }

        // The available count is exactly capacity − held − reserved-out-of-band.
        foreach (var v in vSwitches.Values)
        {
            var held = enis.Where(e => e.VSwitchId == v.VSwitchId).Sum(e => e.PrivateIpAddresses.Count);
            Assert.That(v.AvailableIpAddressCount, Is.EqualTo(v.Capacity - held - v.ReservedOutOfBand), $"{where}: accounting of {v.VSwitchId}");
            Assert.That(v.AvailableIpAddressCount, Is.GreaterThanOrEqualTo(0));
        }

        // Quotas.
        Assert.That(enis.Count(e => e.Type != EniType.Primary), Is.LessThanOrEqualTo(40), $"{where}: region ENI quota");
        foreach (var instance in instances.Values)
        {
            var type = instance.InstanceType;
            var onInstance = enis.Where(e => e.InstanceId == instance.InstanceId && e.Type != EniType.Member).ToList();
            Assert.That(onInstance, Has.Count.LessThanOrEqualTo(type.EniQuantity), $"{where}: ENIs on {instance.InstanceId}");
            Assert.That(onInstance.Count(e => e.Type == EniType.Trunk), Is.LessThanOrEqualTo(type.EniTrunkSupported ? 1 : 0), $"{where}: trunks on {instance.InstanceId}");
            Assert.That(onInstance.Select(e => e.DeviceIndex), Is.Unique, $"{where}: device indexes on {instance.InstanceId}");
        }

        foreach (var e in enis)
        {
            Assert.That(e.ZoneId, Is.EqualTo(vSwitches[e.VSwitchId].ZoneId));
            if (e.Status == EniStatus.InUse)
            {
                var type = instances[e.InstanceId!].InstanceType;
                Assert.That(e.PrivateIpAddresses, Has.Count.LessThanOrEqualTo(type.EniPrivateIpAddressQuantity), $"{where}: IPv4 on {e.NetworkInterfaceId}");
                Assert.That(e.Ipv6Addresses, Has.Count.LessThanOrEqualTo(type.EniIpv6AddressQuantity), $"{where}: IPv6 on {e.NetworkInterfaceId}");
            }
            else
            {
                Assert.That(e.PrivateIpAddresses, Has.Count.LessThanOrEqualTo(50), $"{where}: IPv4 on {e.NetworkInterfaceId}");
                Assert.That(e.Ipv6Addresses, Has.Count.LessThanOrEqualTo(10), $"{where}: IPv6 on {e.NetworkInterfaceId}");
            }

            if (e.InstanceId is not null)
            {
                Assert.That(instances[e.InstanceId].ZoneId, Is.EqualTo(e.ZoneId), $"{where}: zone of {e.NetworkInterfaceId}");
                Assert.That(e.Status, Is.AnyOf(EniStatus.Attaching, EniStatus.InUse, EniStatus.Detaching));
            }
            else
            {
                Assert.That(e.Status, Is.AnyOf(EniStatus.Available, EniStatus.Deleting), $"{where}: {e.NetworkInterfaceId} unattached but {e.Status}");
            }

            if (e.Type == EniType.Member)
            {
                var trunk = enis.Single(t => t.NetworkInterfaceId == e.TrunkNetworkInterfaceId);
                Assert.That(trunk.Type, Is.EqualTo(EniType.Trunk));
                Assert.That(trunk.InstanceId, Is.EqualTo(e.InstanceId));
                Assert.That(trunk.MemberNetworkInterfaceIds, Does.Contain(e.NetworkInterfaceId));
            }

            if (e.Type == EniType.Trunk && e.InstanceId is not null)
            {
                var type = instances[e.InstanceId].InstanceType;
                Assert.That(e.MemberNetworkInterfaceIds, Has.Count.LessThanOrEqualTo(type.EniTotalQuantity - type.EniQuantity), $"{where}: members of {e.NetworkInterfaceId}");
                var vlans = e.MemberNetworkInterfaceIds.Select(id => enis.Single(x => x.NetworkInterfaceId == id).DeviceIndex).ToList();
                Assert.That(vlans, Is.Unique, $"{where}: VLAN IDs on {e.NetworkInterfaceId}");
            }
        }

        Assert.That(enis.Where(e => e.Ipv6Addresses.Count > 0).All(e => IPAddress.TryParse(e.Ipv6Addresses[0], out _)), Is.True);
    }
}
