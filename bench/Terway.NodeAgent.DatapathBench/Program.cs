using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.DatapathBench;
using Terway.NodeAgent.Netlink;
using Terway.NodeAgent.Netns;

// Setup and teardown latency per datapath mode over N pods: the agent's rtnetlink library
// against the same work done with ip/tc commands (one process per command), with the ratio.
// Needs root. Usage: dotnet run -c Release --project bench/Terway.NodeAgent.DatapathBench [-- --pods 200 --modes Vpc,EniIpVeth]
var pods = 200;
var modes = new List<DatapathMode> { DatapathMode.Vpc, DatapathMode.EniIpVeth, DatapathMode.ExclusiveEni, DatapathMode.TrunkTc, DatapathMode.EniIpIpvlan, DatapathMode.TrunkVlan };
var commands = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--modes": modes = args[++i].Split(',').Select(Enum.Parse<DatapathMode>).ToList(); break;
        case "--no-commands": commands = false; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("needs root (network namespaces)");
    return 1;
}

var prefix = "twb" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
await using var lab = await Lab.CreateAsync(prefix);
using (var probe = await NodeDatapath.OpenAsync())
{
    Console.WriteLine($"kernel {Environment.OSVersion.Version}; features: {probe.Kernel}");
    modes = modes.Where(m =>
    {
        var missing = probe.MissingFeatures(m);
        if (missing.Count > 0)
        {
            Console.WriteLine($"{m}: skipped, kernel lacks {string.Join(", ", missing)}");
        }

        return missing.Count == 0;
    }).ToList();
}

var rows = new List<string>();
foreach (var mode in modes)
{
    var library = await Runs.LibraryAsync(lab, mode, pods);
    var tools = commands ? await Runs.CommandsAsync(lab, mode, pods) : null;
    rows.Add(Report.Row(mode, pods, library, tools));
    Console.WriteLine(rows[^1]);
}

Console.WriteLine();
Console.WriteLine(Report.Header);
foreach (var row in rows)
{
    Console.WriteLine(row);
}

return 0;
