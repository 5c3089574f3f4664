using k8s.Models;
using Terway.Crds.V1Beta1;
using Terway.Kube.Client;
using Terway.Kube.Controllers;
using Terway.Operator.Configuration;
using Terway.Operator.Tests.Support;
using Terway.Sandbox.Cloud;

namespace Terway.Operator.Tests.Integration;

/// <summary>No resync storm: a restart with hundreds of bound PodENIs writes nothing to the cloud.</summary>
[TestFixture]
[Category("Integration")]
public sealed class RestartTests
{
    private static readonly string[] WriteApis =
        ["CreateNetworkInterface", "AttachNetworkInterface", "DetachNetworkInterface", "DeleteNetworkInterface", "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"];

    [Test]
    public async Task RestartWith500BoundPodEnis_MakesZeroCloudWriteCalls()
    {
        const int pods = 500;
        const int nodes = 5;
        await using var rig = await OperatorRig.StartAsync(cloud: o =>
        {
            o.Knobs.WithoutThrottling();
            o.InstanceTypes.Add(new InstanceTypeDefinition
            {
                InstanceTypeId = "ecs.test.trunk128",
                InstanceTypeFamily = "ecs.test",
                CpuCoreCount = 64,
                MemorySize = 256,
                EniQuantity = 8,
                EniPrivateIpAddressQuantity = 20,
                EniIpv6AddressQuantity = 1,
                EniTotalQuantity = 136,
                EniTrunkSupported = true,
            });
            for (var i = 0; i < nodes; i++)
            {
                o.Instances.Add(new InstanceDefinition { InstanceId = $"i-bp1bignode{i:D11}", InstanceType = "ecs.test.trunk128", ZoneId = OperatorRig.ZoneH, VSwitchId = OperatorRig.VSwitchH });
            }
        }, configure: o =>
        {
            // Terway's per-minute defaults would spread 500 pods over two minutes; this test is about restarts.
            foreach (var api in new[] { "CreateNetworkInterface", "AttachNetworkInterface", "DescribeNetworkInterfaces", "DescribeVSwitches" })
            {
                o.RateLimit[api] = 100_000;
            }

            o.PodEniMaxConcurrent = 16;
        });
        await rig.CreatePodNetworkingAsync("web", s =>
        {
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        await rig.CreatePodNetworkingAsync("db", s =>
        {
            s.AllocationType = new AllocationType { Type = IPAllocTypes.Fixed, ReleaseStrategy = ReleaseStrategies.Ttl, ReleaseAfter = "1h" };
            s.Selector = new PodNetworkingSelector { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } } };
            s.VSwitchOptions = [OperatorRig.VSwitchH];
            s.SecurityGroupIds = [OperatorRig.SgPods];
        });
        for (var i = 0; i < nodes; i++)
        {
            await rig.CreateNodeAsync($"big-{i}", $"i-bp1bignode{i:D11}", OperatorRig.ZoneH, "ecs.test.trunk128");
        }

        await LifecycleTests.WaitReadyAsync(rig, "web");
        await LifecycleTests.WaitReadyAsync(rig, "db");
        var started = System.Diagnostics.Stopwatch.StartNew();
        var web = new Dictionary<string, string> { ["app"] = "web" };
        var db = new Dictionary<string, string> { ["app"] = "db" };
        for (var i = 0; i < pods; i++)
        {
            // One in ten is a fixed-IP pod, whose PodENI is refreshed (podLastSeen) rather than left alone.
            await rig.CreatePodAsync("apps", $"pod-{i}", $"big-{i % nodes}", i % 10 == 0 ? db : web, statefulSet: i % 10 == 0 ? "db" : null, replicaSet: i % 10 == 0 ? null : "web-rs");
        }

        await OperatorRig.EventuallyAsync(async () =>
        {
            var list = await rig.Admin.ListPageAsync<V1Beta1PodEni>(new ListOptions { Namespace = "apps" }, null, null);
            return list.Items.Count(p => p.Status?.Phase == PodEniPhases.Bind) == pods;
        }, TimeSpan.FromSeconds(120), $"{pods} PodENIs to bind");
        TestContext.Progress.WriteLine($"{pods} pods created and bound in {started.Elapsed.TotalSeconds:0.0} s");

        await rig.StopOperatorAsync(graceful: false);
        var before = rig.Cloud.Snapshot();
        await rig.StartOperatorAsync();
        await WaitIdleAsync(rig);
        var after = rig.Cloud.Snapshot();

        var writes = WriteApis.ToDictionary(a => a, a => after.CountOf(a) - before.CountOf(a));
        var reads = after.CallCounts.Keys.Except(WriteApis).ToDictionary(a => a, a => after.CountOf(a) - before.CountOf(a));
        TestContext.Progress.WriteLine("cloud calls during the restart: writes " + string.Join(", ", writes.Select(kv => $"{kv.Key}={kv.Value}"))
            + "; reads " + string.Join(", ", reads.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Multiple(() =>
        {
            Assert.That(writes.Values.Sum(), Is.Zero, "no cloud writes after a restart when nothing changed");
            Assert.That(reads.GetValueOrDefault("DescribeVSwitches"), Is.Zero, "PodNetworkings are not re-resolved");
            Assert.That(reads.GetValueOrDefault("DescribeInstanceTypes"), Is.Zero, "node capacities are not re-read");
        });
    }

    // The restarted operator has synced, reconciled every key once, and its queue stays empty.
    private static async Task WaitIdleAsync(OperatorRig rig)
    {
        var controller = rig.Operator!.Manager.Controllers.OfType<Controller<V1Beta1PodEni>>().Single();
        var quietSince = DateTime.UtcNow;
        await OperatorRig.EventuallyAsync(() =>
        {
            if (!rig.Operator.IsReady || !controller.IsRunning || controller.Queue is not { Length: 0 })
            {
                quietSince = DateTime.UtcNow;
                return Task.FromResult(false);
            }

            return Task.FromResult(DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(3));
        }, TimeSpan.FromSeconds(60), "the restarted operator to go quiet");
    }
}
