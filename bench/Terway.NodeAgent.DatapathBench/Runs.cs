using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using Terway.NodeAgent.Datapath;
using Terway.NodeAgent.Datapath.Shared;

namespace Terway.NodeAgent.DatapathBench;

/// <summary>Per-pod latencies of one run, in milliseconds.</summary>
internal sealed record Timings(List<double> Setup, List<double> Teardown);

/// <summary>The two ways of wiring the same pods: the library and ip/tc commands.</summary>
internal static class Runs
{
    private const int Warmup = 5;

    public static async Task<Timings> LibraryAsync(Lab lab, DatapathMode mode, int pods)
    {
        var node = await lab.NodeAsync($"{mode}-lib", mode == DatapathMode.ExclusiveEni ? pods + Warmup : 0);
        var netns = await lab.PodNamespacesAsync($"{mode}-lib", pods + Warmup);
        using var datapath = await NodeDatapath.OpenAsync(new DatapathOptions { HostNetnsPath = node.Path });
        var dp = datapath.For(mode);
        var requests = Enumerable.Range(0, pods + Warmup).Select(i => Request(mode, node, netns[i], i)).ToList();

        // JIT and first-use costs are paid by pods that are not counted.
        for (var i = 0; i < Warmup; i++)
        {
            await dp.SetupAsync(requests[i]);
            await dp.TeardownAsync(requests[i]);
        }

        var setup = new List<double>(pods);
        var teardown = new List<double>(pods);
        for (var i = Warmup; i < pods + Warmup; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await dp.SetupAsync(requests[i]);
            setup.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        for (var i = Warmup; i < pods + Warmup; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await dp.TeardownAsync(requests[i]);
            teardown.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new Timings(setup, teardown);
    }

    public static async Task<Timings?> CommandsAsync(Lab lab, DatapathMode mode, int pods)
    {
        if (mode is not (DatapathMode.Vpc or DatapathMode.EniIpVeth or DatapathMode.ExclusiveEni or DatapathMode.TrunkTc))
        {
            return null;
        }

        var node = await lab.NodeAsync($"{mode}-ip", mode == DatapathMode.ExclusiveEni ? pods + Warmup : 0);
        var netns = await lab.PodNamespacesAsync($"{mode}-ip", pods + Warmup);
        var objects = mode == DatapathMode.TrunkTc ? await TcObjects.CompileAsync(lab, pods + Warmup) : null;
        if (mode == DatapathMode.TrunkTc && objects is null)
        {
            Console.WriteLine("TrunkTc: no clang/libbpf headers, so no tc objects; command run skipped");
            return null;
        }

        if (mode == DatapathMode.TrunkTc)
        {
            await Cmd.RunAsync("tc", "-n", node.Name, "qdisc", "add", "dev", node.Trunk.Name, "clsact");
        }

        var script = await CommandScript.CreateAsync(mode, node, objects);
        for (var i = 0; i < Warmup; i++)
        {
            await script.SetupAsync(netns[i], i);
            await script.TeardownAsync(netns[i], i);
        }

        var setup = new List<double>(pods);
        var teardown = new List<double>(pods);
        for (var i = Warmup; i < pods + Warmup; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await script.SetupAsync(netns[i], i);
            setup.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        for (var i = Warmup; i < pods + Warmup; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await script.TeardownAsync(netns[i], i);
            teardown.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return new Timings(setup, teardown);
    }

    public static IPAddress PodIP(int i) => new([10, 100, (byte)(i / 250), (byte)((i % 250) + 2)]);

    public static IPAddress MemberIP(int i) => new([10, 200, (byte)(i / 250), (byte)((i % 250) + 2)]);

    public static ushort Vlan(int i) => (ushort)(100 + i);

    private static PodNetworkRequest Request(DatapathMode mode, Lab.Node node, string netns, int i)
    {
        var request = new PodNetworkRequest
        {
            PodNamespace = "bench",
            PodName = $"pod-{i}",
            NetnsPath = netns,
            ServiceCidrs = [Lab.ServiceCidr],
            NodeIPv4 = Lab.NodeIP,
        };
        return mode switch
        {
            DatapathMode.Vpc => request with { IPv4 = new PodIPConfig(PodIP(i), 16) },
            DatapathMode.EniIpVeth or DatapathMode.EniIpIpvlan => request with { IPv4 = new PodIPConfig(PodIP(i), 16, Lab.Gateway), EniMac = node.SharedEni.Mac },
            DatapathMode.ExclusiveEni => request with { IPv4 = new PodIPConfig(PodIP(i), 16, Lab.Gateway), EniMac = node.Exclusive[i].Mac },
            DatapathMode.TrunkTc or DatapathMode.TrunkVlan => request with { IPv4 = new PodIPConfig(MemberIP(i), 16, Lab.MemberGateway), EniMac = node.Trunk.Mac, VlanId = Vlan(i) },
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
    }
}

/// <summary>The same wiring as the library, as iproute2 commands (one process each).</summary>
internal sealed class CommandScript(DatapathMode mode, Lab.Node node, IReadOnlyList<string>? objects, string table)
{
    private const string HostMac = "ee:ee:ee:ee:ee:ee";

    /// <summary>Looks up the per-ENI table number (1000 + ifindex) once, before timing.</summary>
    public static async Task<CommandScript> CreateAsync(DatapathMode mode, Lab.Node node, IReadOnlyList<string>? objects)
    {
        using var ns = Netns.NetworkNamespace.Open(node.Path);
        using var nl = await ns.OpenNetlinkAsync();
        var eni = nl.GetLink(mode == DatapathMode.TrunkTc ? node.Trunk.Name : node.SharedEni.Name)!;
        return new CommandScript(mode, node, objects, (1000 + eni.Index).ToString(CultureInfo.InvariantCulture));
    }

    public async Task SetupAsync(string netnsPath, int i)
    {
        var pod = Path.GetFileName(netnsPath);
        var cali = Conventions.HostVethName("bench", $"pod-{i}", "eth0");
        switch (mode)
        {
            case DatapathMode.Vpc:
                await VethAsync(pod, cali, Runs.PodIP(i));
                break;
            case DatapathMode.EniIpVeth:
                await VethAsync(pod, cali, Runs.PodIP(i));
                await Ip(node.Name, "route", "replace", "default", "via", Lab.Gateway, "dev", node.SharedEni.Name, "onlink", "table", table);
                await Ip(node.Name, "rule", "add", "to", $"{Runs.PodIP(i)}/32", "lookup", "main", "prio", "512");
                await Ip(node.Name, "rule", "add", "from", $"{Runs.PodIP(i)}/32", "lookup", table, "prio", "2048");
                break;
            case DatapathMode.TrunkTc:
                var ip = Runs.MemberIP(i);
                var vlan = Runs.Vlan(i).ToString(CultureInfo.InvariantCulture);
                await VethAsync(pod, cali, ip);
                await Ip(node.Name, "neigh", "replace", Lab.MemberGateway, "lladdr", "ee:ff:ff:ff:ff:ff", "dev", node.Trunk.Name, "nud", "permanent");
                await Ip(node.Name, "route", "replace", "default", "via", Lab.MemberGateway, "dev", node.Trunk.Name, "onlink", "table", table);
                await Ip(node.Name, "rule", "add", "to", $"{ip}/32", "lookup", "main", "prio", "512");
                await Ip(node.Name, "rule", "add", "from", $"{ip}/32", "lookup", table, "prio", "2048");
                await Cmd.RunAsync("tc", "-n", node.Name, "filter", "add", "dev", node.Trunk.Name, "egress", "prio", "50001", "handle", vlan, "protocol", "ip", "bpf", "da", "obj", objects![i], "sec", "push");
                await Cmd.RunAsync("tc", "-n", node.Name, "filter", "add", "dev", node.Trunk.Name, "ingress", "prio", "20000", "handle", vlan, "protocol", "all", "bpf", "da", "obj", objects[i], "sec", "pop");
                break;
            case DatapathMode.ExclusiveEni:
                var eni = node.Exclusive[i].Name;
                var podIP = Runs.PodIP(i);
                await Ip(node.Name, "link", "set", eni, "down");
                await Ip(node.Name, "link", "set", eni, "netns", pod);
                await Ip(pod, "link", "set", eni, "name", "eth0");
                await Ip(pod, "link", "set", "eth0", "mtu", "1500", "up");
                await Ip(pod, "addr", "add", $"{podIP}/16", "dev", "eth0");
                await Ip(pod, "route", "replace", "default", "via", Lab.Gateway, "dev", "eth0", "onlink");
                await Ip(node.Name, "link", "add", cali, "address", HostMac, "type", "veth", "peer", "name", "veth1", "netns", pod);
                await Ip(node.Name, "link", "set", cali, "up");
                await Ip(pod, "link", "set", "veth1", "up");
                await Ip(pod, "neigh", "replace", "169.254.1.1", "lladdr", HostMac, "dev", "veth1", "nud", "permanent");
                await Ip(pod, "route", "replace", Lab.ServiceCidr, "via", "169.254.1.1", "dev", "veth1", "onlink", "src", podIP);
                await Ip(pod, "route", "replace", $"{Lab.NodeIP}/32", "via", "169.254.1.1", "dev", "veth1", "onlink", "src", podIP);
                await Ip(node.Name, "route", "replace", $"{podIP}/32", "dev", cali, "scope", "link");
                break;
        }
    }

    public async Task TeardownAsync(string netnsPath, int i)
    {
        var pod = Path.GetFileName(netnsPath);
        var cali = Conventions.HostVethName("bench", $"pod-{i}", "eth0");
        switch (mode)
        {
            case DatapathMode.Vpc:
                await Ip(node.Name, "link", "del", cali);
                break;
            case DatapathMode.EniIpVeth or DatapathMode.TrunkTc:
                var ip = mode == DatapathMode.TrunkTc ? Runs.MemberIP(i) : Runs.PodIP(i);
                if (mode == DatapathMode.TrunkTc)
                {
                    var vlan = Runs.Vlan(i).ToString(CultureInfo.InvariantCulture);
                    await Cmd.RunAsync("tc", "-n", node.Name, "filter", "del", "dev", node.Trunk.Name, "egress", "prio", "50001", "handle", vlan, "protocol", "ip", "bpf");
                    await Cmd.RunAsync("tc", "-n", node.Name, "filter", "del", "dev", node.Trunk.Name, "ingress", "prio", "20000", "handle", vlan, "protocol", "all", "bpf");
                }

                await Ip(node.Name, "rule", "del", "to", $"{ip}/32", "lookup", "main", "prio", "512");
                await Ip(node.Name, "rule", "del", "from", $"{ip}/32", "prio", "2048");
                await Ip(node.Name, "link", "del", cali);
                break;
            case DatapathMode.ExclusiveEni:
                var eni = node.Exclusive[i].Name;
                await Ip(node.Name, "link", "del", cali);
                await Ip(pod, "link", "set", "eth0", "down");
                await Ip(pod, "link", "set", "eth0", "name", eni);
                await Ip(pod, "link", "set", eni, "netns", node.Name);
                await Ip(node.Name, "link", "set", eni, "up");
                break;
        }
    }

    private async Task VethAsync(string pod, string cali, IPAddress ip)
    {
        await Ip(node.Name, "link", "add", cali, "address", HostMac, "mtu", "1500", "type", "veth", "peer", "name", "eth0", "netns", pod);
        await Ip(node.Name, "link", "set", cali, "up");
        await Ip(pod, "link", "set", "eth0", "up");
        await Ip(pod, "addr", "add", $"{ip}/32", "dev", "eth0");
        await Ip(pod, "neigh", "replace", "169.254.1.1", "lladdr", HostMac, "dev", "eth0", "nud", "permanent");
        await Ip(pod, "route", "replace", "default", "via", "169.254.1.1", "dev", "eth0", "onlink");
        await Ip(node.Name, "route", "replace", $"{ip}/32", "dev", cali, "scope", "link");
    }

    private static Task Ip(string ns, params object[] args) =>
        Cmd.RunAsync("ip", ["-n", ns, .. args.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture)!)]);
}

/// <summary>Runs one command and fails loudly if it fails.</summary>
internal static class Cmd
{
    public static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        }
    }
}
