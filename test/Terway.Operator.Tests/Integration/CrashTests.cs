using k8s.Models;
using Terway.Crds.Names;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>
/// The operator killed at random moments while pods come and go (so mid-create, mid-attach, mid-detach and
/// mid-delete), restarted each time: no ENI is ever duplicated, nothing leaks once GC has run, and every
/// PodENI converges.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class CrashTests
{
    private const int Iterations = 20;

    [Test]
    public async Task KilledAtRandomPoints_NeverDuplicatesOrLeaksAndEveryPodEniConverges([Values(20260724)] int seed)
    {
        var random = new Random(seed);
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
        {
            o.Seed = seed;
            o.Knobs.WithoutThrottling();
            // Real (short) asynchronous states, so kills land inside attaches, detaches and deletes.
            o.Knobs.Durations = new AsyncDurations
            {
                Attach = TimeSpan.FromMilliseconds(150),
                Detach = TimeSpan.FromMilliseconds(150),
                MemberAttach = TimeSpan.FromMilliseconds(80),
                MemberDetach = TimeSpan.FromMilliseconds(80),
                Delete = TimeSpan.FromMilliseconds(60),
            };

            // Calls that take a while, so kills also land while a write is on the wire (its answer is lost).
            o.Knobs.Api("CreateNetworkInterface").Latency = TimeSpan.FromMilliseconds(60);
            o.Knobs.Api("AttachNetworkInterface").Latency = TimeSpan.FromMilliseconds(40);
            o.Knobs.Api("DetachNetworkInterface").Latency = TimeSpan.FromMilliseconds(40);
            o.Knobs.Api("DeleteNetworkInterface").Latency = TimeSpan.FromMilliseconds(40);
        }, configure: o =>
        {
            o.GcPeriod = TimeSpan.FromMilliseconds(500);
            o.GcMinAge = TimeSpan.FromSeconds(3);
        });
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH, OperatorRig.VSwitchI];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreatePodNetworkingAsync("db", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "2s" };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        string[] nodes = ["node-1", "node-2", "node-3"];
        string[] zoneH = ["node-1", "node-2"];
        await rig.CreateNodeAsync("node-1", OperatorRig.Instance1, OperatorRig.ZoneH);
        await rig.CreateNodeAsync("node-2", OperatorRig.Instance2, OperatorRig.ZoneH);
        await rig.CreateNodeAsync("node-3", OperatorRig.Instance3, OperatorRig.ZoneI);
        await LifecycleTests.WaitReadyAsync(rig, "web");
        await LifecycleTests.WaitReadyAsync(rig, "db");

        var live = new Dictionary<string, string>(StringComparer.Ordinal);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        var web = new Dictionary<string, string> { ["app"] = "web" };
        var db = new Dictionary<string, string> { ["app"] = "db" };
        var kills = 0;
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            for (var j = 0; j < 2; j++)
            {
                var name = $"web-{iteration}-{j}";
                await rig.CreatePodAsync("apps", name, nodes[random.Next(nodes.Length)], web, replicaSet: "web-rs");
                live[name] = "web";
            }

            var webLive = live.Where(kv => kv.Value == "web").Select(kv => kv.Key).ToList();
            if (webLive.Count > 2)
            {
                var victim = webLive[random.Next(webLive.Count)];
                await rig.DeletePodAsync("apps", victim);
                live.Remove(victim);
                gone.Add(victim);
            }

            var dbName = $"db-{random.Next(3)}";
            if (live.Remove(dbName))
            {
                await rig.DeletePodAsync("apps", dbName);
                if (random.Next(2) == 0)
                {
                    // Recreated at once, maybe on the other node of the zone: it must keep its ENI.
                    await rig.CreatePodAsync("apps", dbName, zoneH[random.Next(2)], db, statefulSet: "db");
                    live[dbName] = "db";
                }
                else
                {
                    gone.Add(dbName);
                }
            }
            else
            {
                await rig.CreatePodAsync("apps", dbName, zoneH[random.Next(2)], db, statefulSet: "db");
                live[dbName] = "db";
                gone.Remove(dbName);
            }

            var crashes = random.Next(3) == 0 ? 2 : 1;
            for (var c = 0; c < crashes; c++)
            {
                await Task.Delay(random.Next(0, 400));
                await rig.StopOperatorAsync(graceful: false);
                kills++;
                AssertNoDuplicates(rig, $"after kill {kills}");
                await rig.StartOperatorAsync();
            }
        }

        TestContext.Progress.WriteLine($"seed {seed}: {kills} kills; {live.Count} pods live, {gone.Count} deleted");

        // Convergence: live pods bound with their own UID, deleted pods' PodENIs gone (Elastic at once, Fixed after the TTL).
        var elapsed = await OperatorRig.EventuallyAsync(async () =>
        {
            var podEnis = (await rig.Admin.ListPageAsync<V1Beta1PodEni>(new ListOptions { Namespace = "apps" }, null, null)).Items.ToDictionary(p => p.Metadata.Name, StringComparer.Ordinal);
            foreach (var name in live.Keys)
            {
                var pod = await rig.TryGetAsync<V1Pod>(new ObjectKey("apps", name));
                if (!podEnis.TryGetValue(name, out var pe) || pe.Status?.Phase != PodEniPhases.Bind || pe.GetAnnotation(Annotations.PodUid) != pod?.Metadata.Uid)
                {
                    return false;
                }
            }

            return podEnis.Keys.All(live.ContainsKey);
        }, TimeSpan.FromSeconds(90), "every live pod's PodENI to be bound and every deleted pod's PodENI to be gone");
        AssertNoDuplicates(rig, "after convergence");

        // No leak once GC has had its two sweeps past the minimum age: every ENI of ours is referenced.
        await OperatorRig.EventuallyAsync(async () =>
        {
            var referenced = await ReferencedAsync(rig);
            return rig.OwnedEnis().All(e => referenced.Contains(e.NetworkInterfaceId));
        }, TimeSpan.FromSeconds(30), () => $"leaked ENIs to be collected: {string.Join(", ", rig.OwnedEnis().Select(e => $"{e.NetworkInterfaceId} {e.Type} {e.Status}"))}");

        var snapshot = rig.Cloud.Snapshot();
        var final = (await rig.Admin.ListPageAsync<V1Beta1PodEni>(new ListOptions { Namespace = "apps" }, null, null)).Items;
        Assert.Multiple(() =>
        {
            foreach (var pe in final)
            {
                var eni = snapshot.FindEni(pe.Spec.Allocations![0].Eni!.Id!);
                Assert.That(eni?.Status, Is.EqualTo(EniStatus.InUse), pe.Metadata.Name);
                Assert.That(eni?.TrunkNetworkInterfaceId, Is.EqualTo(pe.Status!.TrunkEniId), pe.Metadata.Name);
                Assert.That(pe.Status.EniInfos![eni!.NetworkInterfaceId].Vid, Is.EqualTo(eni.DeviceIndex), pe.Metadata.Name);
            }

            Assert.That(rig.OwnedEnis().Count(e => e.Type == EniType.Trunk), Is.EqualTo(3), "one trunk per node");
        });
        TestContext.Progress.WriteLine($"converged {elapsed.TotalSeconds:0.0} s after the last restart");
    }

    private static async Task<HashSet<string>> ReferencedAsync(OperatorRig rig)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pe in (await rig.Admin.ListPageAsync<V1Beta1PodEni>(ListOptions.All, null, null)).Items)
        {
            foreach (var a in pe.Spec.Allocations ?? [])
            {
                if (a.Eni?.Id is { } id)
                {
                    ids.Add(id);
                }
            }
        }

        foreach (var cr in (await rig.Admin.ListPageAsync<V1Beta1Node>(ListOptions.All, null, null)).Items)
        {
            foreach (var id in cr.Status?.NetworkInterfaces?.Keys ?? [])
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    // At most one live ENI per PodENI name at any moment: a crash between create and record must replay
    // the ClientToken, never create a second ENI.
    private static void AssertNoDuplicates(OperatorRig rig, string when)
    {
        var byOwner = rig.OwnedEnis()
            .Where(e => e.Type != EniType.Trunk && e.Status != EniStatus.Deleting)
            .GroupBy(e => e.Tags.FirstOrDefault(t => t.Key == EniTags.OwnerPodEniKey)?.Value ?? "(none)")
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.NetworkInterfaceId))}")
            .ToList();
        Assert.That(byOwner, Is.Empty, $"duplicate ENIs {when}");
    }
}
