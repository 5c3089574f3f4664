using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;
using Terway.Kube.Client;
using Terway.Sandbox.Hosting;
using Terway.Sandbox.Kubelet;

namespace Terway.Sandbox.Demo;

/// <summary>What the demo did, for the summary and for tests.</summary>
public sealed record DemoReport
{
    /// <summary>Pods the plan's workloads ask for.</summary>
    public required int ExpectedPods { get; init; }

    /// <summary>Of them, bound to a node.</summary>
    public required int Scheduled { get; init; }

    /// <summary>Of them, Running with an IP.</summary>
    public required int Running { get; init; }

    /// <summary>Whether pods were wired (fabric mode) or only scheduled (control-plane-only).</summary>
    public required bool Wired { get; init; }

    /// <summary>Time to apply the manifests.</summary>
    public required TimeSpan ApplyTime { get; init; }

    /// <summary>From applying to every pod Running (or bound, without the fabric); null if that never happened.</summary>
    public TimeSpan? TimeToReady { get; init; }

    /// <summary>Per-pod time from first seen to Running, 50th percentile.</summary>
    public TimeSpan? PodReadyP50 { get; init; }

    /// <summary>Per-pod time from first seen to Running, slowest.</summary>
    public TimeSpan? PodReadyMax { get; init; }

    /// <summary>Pings sent by the connectivity check (0 when it did not run).</summary>
    public int Pings { get; init; }

    /// <summary>Pings answered.</summary>
    public int PingsAnswered { get; init; }

    /// <summary>Time the connectivity check took.</summary>
    public TimeSpan ConnectivityTime { get; init; }

    /// <summary>With a Terway network: the pods' member ENIs as checked against their PodENIs and the cloud; else null.</summary>
    public MemberEniReport? MemberEnis { get; init; }

    /// <summary>What went wrong (empty when the demo succeeded).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>True when every expected pod ran (or was scheduled, without the fabric) and every ping was answered.</summary>
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>Applies the demo plan, waits for its pods, checks pod-to-pod connectivity and prints a summary.</summary>
/// <remarks>With <paramref name="checkMemberEnis"/> (a Terway network), every running pod must also be on its own member ENI.</remarks>
internal sealed class DemoRunner(SandboxContext context, PodProgress progress, Func<ObjectKey, PodSandbox?> sandboxOf, bool wired, string network, TextWriter output,
    bool checkMemberEnis = false)
{
    public async Task<DemoReport> RunAsync(DemoPlan plan, string? configDirectory, string? planDirectory, CancellationToken ct)
    {
        var problems = new List<string>();
        var objects = plan.Objects(context.CloudInfo, configDirectory, planDirectory);
        var workloads = DemoPlan.Workloads(objects);
        output.WriteLine($"Demo: applying {objects.Count} objects ({string.Join(", ", workloads.Select(w => $"{w.Kind} {w.Namespace}/{w.Name} ×{w.Replicas}"))}).");
        output.WriteLine($"  Pods are wired by {network}." + (wired ? "" : " Without the fabric no kubelet runs: pods are scheduled and stay Pending."));
        var applyClock = Stopwatch.StartNew();
        await new ManifestApplier(context.Admin).ApplyAllAsync(objects, "default", ct);
        var applyTime = applyClock.Elapsed;

        // Without kubelets no pod ever runs, so an OrderedReady StatefulSet stops after its first pod.
        var orderedReady = objects.Where(o => o["kind"]?.GetValue<string>() == "StatefulSet" && o["spec"]?["podManagementPolicy"]?.GetValue<string>() != "Parallel")
            .Select(o => $"{o["metadata"]?["namespace"]?.GetValue<string>() ?? "default"}/{o["metadata"]?["name"]?.GetValue<string>()}").ToHashSet(StringComparer.Ordinal);
        var expected = workloads.Sum(w => wired || w.Kind != "StatefulSet" || !orderedReady.Contains($"{w.Namespace}/{w.Name}") ? w.Replicas : Math.Min(1, w.Replicas));
        if (!wired && orderedReady.Count > 0)
        {
            output.WriteLine($"  OrderedReady StatefulSets ({string.Join(", ", orderedReady)}) create their next pod only once the previous one runs: one pod each without kubelets.");
        }

        var selectors = objects.Where(o => o["kind"]?.GetValue<string>() is "StatefulSet" or "Deployment")
            .Select(o => (Namespace: o["metadata"]?["namespace"]?.GetValue<string>() ?? "default", Labels: MatchLabels(o))).ToList();
        List<V1Pod> Mine() => [.. progress.Pods.Where(p => p.Metadata.DeletionTimestamp is null && selectors.Any(s => s.Namespace == p.Metadata.NamespaceProperty
            && s.Labels.All(l => p.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value)))];
        bool Done(List<V1Pod> pods) => pods.Count == expected && pods.All(p => wired ? IsRunning(p) : !string.IsNullOrEmpty(p.Spec?.NodeName));

        TimeSpan? timeToReady = null;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(plan.Timeout);
            try
            {
                while (!Done(Mine()))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
                }

                timeToReady = applyClock.Elapsed;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                problems.Add($"not every pod was {(wired ? "running" : "scheduled")} within {plan.Timeout}");
            }
        }

        var pods = Mine();
        var running = pods.Count(IsRunning);
        var scheduled = pods.Count(p => !string.IsNullOrEmpty(p.Spec?.NodeName));
        var readyTimes = pods.Select(p => progress.Find(ObjectKey.From(p))).Where(r => r?.Running is not null)
            .Select(r => r!.Running!.Value - r.Seen).Order().ToList();

        var pings = 0;
        var answered = 0;
        var connectivityTime = TimeSpan.Zero;
        if (wired && running > 1)
        {
            var targets = pods.Where(IsRunning).OrderBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
                .Select(p => (Pod: p, Sandbox: sandboxOf(ObjectKey.From(p))))
                .Where(x => x.Sandbox is not null)
                .Select(x => new PingTarget(ObjectKey.From(x.Pod), x.Pod.Spec.NodeName, IPAddress.Parse(x.Pod.Status.PodIP), x.Sandbox!.NetnsPath))
                .ToList();
            var pairs = Connectivity.Pairs(targets, plan.FullMatrixUpTo);
            output.WriteLine(targets.Count <= plan.FullMatrixUpTo
                ? $"Connectivity: every pod pings every other pod ({pairs.Count} pings)."
                : $"Connectivity: one pod pings every pod, one pod per node pings every other node ({pairs.Count} pings).");
            var clock = Stopwatch.StartNew();
            var results = await Connectivity.RunAsync(targets, pairs, TimeSpan.FromSeconds(3), ct);
            connectivityTime = clock.Elapsed;
            output.Write(Connectivity.Render(targets, results));
            pings = results.Count;
            answered = results.Count(r => r.Reached);
            if (answered < pings)
            {
                problems.Add($"{pings - answered} of {pings} pings went unanswered");
            }
        }

        MemberEniReport? memberEnis = null;
        if (checkMemberEnis)
        {
            var podVSwitches = context.CloudInfo.Zones.Select(z => z.PodVSwitchId).ToHashSet(StringComparer.Ordinal);
            memberEnis = MemberEniCheck.Evaluate([.. pods.Where(IsRunning)], progress.PodEni, context.Cloud.Snapshot(), podVSwitches);
            problems.AddRange(memberEnis.Problems);
        }

        if (pods.Count < expected)
        {
            problems.Add($"{pods.Count} of {expected} pods exist");
        }

        var report = new DemoReport
        {
            ExpectedPods = expected,
            Scheduled = scheduled,
            Running = running,
            Wired = wired,
            ApplyTime = applyTime,
            TimeToReady = timeToReady,
            PodReadyP50 = readyTimes.Count > 0 ? readyTimes[readyTimes.Count / 2] : null,
            PodReadyMax = readyTimes.Count > 0 ? readyTimes[^1] : null,
            Pings = pings,
            PingsAnswered = answered,
            ConnectivityTime = connectivityTime,
            MemberEnis = memberEnis,
            Problems = problems,
        };
        PrintSummary(report);
        return report;
    }

    private void PrintSummary(DemoReport r)
    {
        static string S(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "-";
        output.WriteLine("Summary:");
        output.WriteLine($"  network        {network}");
        output.WriteLine($"  pods           {r.ExpectedPods} expected, {r.Scheduled} scheduled, {r.Running} running");
        output.WriteLine($"  apply          {S(r.ApplyTime)}");
        output.WriteLine($"  all {(r.Wired ? "running" : "scheduled"),-10} {S(r.TimeToReady)} after apply");
        if (r.Wired)
        {
            output.WriteLine($"  pod → running  p50 {S(r.PodReadyP50)}, max {S(r.PodReadyMax)}");
            output.WriteLine($"  connectivity   {r.PingsAnswered}/{r.Pings} pings answered in {S(r.ConnectivityTime)}");
        }

        if (r.MemberEnis is { } m)
        {
            output.WriteLine($"  member ENIs    {m.OnOwnMemberEni}/{m.Pods} pods on their own member ENI (PodENI Bind, ENI InUse on the node's trunk, pod IP = ENI IP in a pod vSwitch)");
            output.WriteLine($"  cloud          {m.MemberEnis} member ENIs on {m.TrunkEnis} trunk ENIs");
        }

        output.WriteLine(r.Succeeded ? "  result         OK" : $"  result         FAILED: {string.Join("; ", r.Problems)}");
    }

    private static bool IsRunning(V1Pod p) => p.Status?.Phase == "Running" && !string.IsNullOrEmpty(p.Status.PodIP);

    private static Dictionary<string, string> MatchLabels(JsonObject workload) =>
        (workload["spec"]?["selector"]?["matchLabels"] as JsonObject ?? [])
            .ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal);
}
