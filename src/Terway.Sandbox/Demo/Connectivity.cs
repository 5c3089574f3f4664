using System.Net;
using System.Text;
using Terway.Kube.Client;
using Terway.Sandbox.Fabric;

namespace Terway.Sandbox.Demo;

/// <summary>A pod to ping from or to: its address and its network namespace.</summary>
internal sealed record PingTarget(ObjectKey Pod, string Node, IPAddress Ip, string NetnsPath);

/// <summary>One ping.</summary>
internal sealed record PingResult(int From, int To, bool Reached);

/// <summary>The demo's connectivity check: which pairs to ping, pinging them, and the printout.</summary>
internal static class Connectivity
{
    /// <summary>
    /// Every ordered pair when there are at most <paramref name="fullMatrixUpTo"/> pods; otherwise
    /// the first pod to every other pod, and the first pod of each node to the first pod of every
    /// other node.
    /// </summary>
    public static IReadOnlyList<(int From, int To)> Pairs(IReadOnlyList<PingTarget> pods, int fullMatrixUpTo)
    {
        var pairs = new List<(int, int)>();
        if (pods.Count <= fullMatrixUpTo)
        {
            for (var i = 0; i < pods.Count; i++)
            {
                for (var j = 0; j < pods.Count; j++)
                {
                    if (i != j)
                    {
                        pairs.Add((i, j));
                    }
                }
            }

            return pairs;
        }

        var seen = new HashSet<(int, int)>();
        for (var j = 1; j < pods.Count; j++)
        {
            if (seen.Add((0, j)))
            {
                pairs.Add((0, j));
            }
        }

        var firstOnNode = pods.Select((p, i) => (p.Node, i)).GroupBy(x => x.Node, StringComparer.Ordinal).Select(g => g.First().i).ToList();
        foreach (var a in firstOnNode)
        {
            foreach (var b in firstOnNode)
            {
                if (a != b && seen.Add((a, b)))
                {
                    pairs.Add((a, b));
                }
            }
        }

        return pairs;
    }

    /// <summary>Pings every pair (several at once), each within <paramref name="timeout"/>.</summary>
    public static async Task<IReadOnlyList<PingResult>> RunAsync(IReadOnlyList<PingTarget> pods, IReadOnlyList<(int From, int To)> pairs, TimeSpan timeout, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(8);
        var tasks = pairs.Select(async pair =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return new PingResult(pair.From, pair.To, await Probes.PingAsync(pods[pair.From].NetnsPath, pods[pair.To].Ip, timeout));
            }
            finally
            {
                gate.Release();
            }
        });
        return await Task.WhenAll(tasks);
    }

    /// <summary>A matrix (rows ping columns; <c>✓</c> reached, <c>✗</c> not, blank not tried) with a legend.</summary>
    public static string Render(IReadOnlyList<PingTarget> pods, IReadOnlyList<PingResult> results)
    {
        var text = new StringBuilder();
        for (var i = 0; i < pods.Count; i++)
        {
            text.AppendLine($"    {i + 1,3}  {pods[i].Pod,-40} {pods[i].Ip,-16} {pods[i].Node}");
        }

        var byPair = results.ToDictionary(r => (r.From, r.To));
        text.Append("         ");
        for (var j = 0; j < pods.Count; j++)
        {
            text.Append($"{j + 1,3}");
        }

        text.AppendLine();
        for (var i = 0; i < pods.Count; i++)
        {
            text.Append($"    {i + 1,3}  ");
            for (var j = 0; j < pods.Count; j++)
            {
                var cell = i == j ? "·" : byPair.TryGetValue((i, j), out var r) ? (r.Reached ? "✓" : "✗") : " ";
                text.Append($"  {cell}");
            }

            text.AppendLine();
        }

        var reached = results.Count(r => r.Reached);
        var crossNode = results.Where(r => pods[r.From].Node != pods[r.To].Node).ToList();
        text.AppendLine($"    {reached}/{results.Count} pings answered ({crossNode.Count(r => r.Reached)}/{crossNode.Count} across nodes)");
        return text.ToString();
    }
}
