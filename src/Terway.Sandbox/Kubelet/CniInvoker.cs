using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Terway.Sandbox.Kubelet;

/// <summary>A CNI plugin chain's answer to ADD: the pod's addresses and the raw result.</summary>
/// <param name="IPs">Addresses of the pod (the CNI result's <c>ips</c>, prefix dropped), IPv4 first.</param>
/// <param name="Json">The CNI result as printed by libcni.</param>
public sealed record CniAddResult(IReadOnlyList<IPAddress> IPs, string Json);

/// <summary>A failed CNI call: libcni's message (the plugin's error when a plugin failed).</summary>
public sealed class CniException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CniException(string command, string message, int exitCode)
        : base(message)
    {
        Command = command;
        ExitCode = exitCode;
    }

    /// <summary>add, del or check.</summary>
    public string Command { get; }

    /// <summary>The driver's exit code (-1 for a timeout).</summary>
    public int ExitCode { get; }
}

/// <summary>Everything one CNI call needs.</summary>
/// <param name="ConfListPath">The network configuration list.</param>
/// <param name="PluginDirectories">CNI_PATH: where the plugin binaries are.</param>
/// <param name="NetnsPath">The pod's network namespace.</param>
/// <param name="ContainerId">The pod sandbox ID.</param>
/// <param name="InterfaceName">The pod-side interface (eth0).</param>
/// <param name="Args">CNI_ARGS pairs (K8S_POD_NAMESPACE, K8S_POD_NAME, …).</param>
public sealed record CniCall(string ConfListPath, IReadOnlyList<string> PluginDirectories, string NetnsPath, string ContainerId, string InterfaceName, IReadOnlyList<KeyValuePair<string, string>> Args);

/// <summary>Runs CNI ADD and DEL; an interface so the kubelet stand-in can be tested without plugins.</summary>
public interface ICniRuntime
{
    /// <summary>CNI ADD through the whole plugin chain.</summary>
    Task<CniAddResult> AddAsync(CniCall call, CancellationToken ct);

    /// <summary>CNI DEL through the whole plugin chain.</summary>
    Task DeleteAsync(CniCall call, CancellationToken ct);
}

/// <summary>
/// CNI through libcni, as containerd and CRI-O call plugins: the <c>cnirt</c> driver, run inside the
/// node's network namespace (<c>ip netns exec</c>, which also gives it the node's /sys), so that
/// plugins treat the node as their host exactly as on a real node.
/// </summary>
public sealed class LibCniRuntime : ICniRuntime
{
    /// <summary>Creates the runtime.</summary>
    /// <param name="cnirtPath">The libcni driver.</param>
    /// <param name="nodeNamespaceName">The node's named network namespace; null runs in the caller's namespace.</param>
    /// <param name="timeout">Longest a call may take (Terway's CNI allows 120 s per command).</param>
    public LibCniRuntime(string cnirtPath, string? nodeNamespaceName, TimeSpan? timeout = null)
    {
        CnirtPath = cnirtPath;
        NodeNamespaceName = nodeNamespaceName;
        Timeout = timeout ?? TimeSpan.FromSeconds(150);
    }

    /// <summary>The libcni driver.</summary>
    public string CnirtPath { get; }

    /// <summary>The node's named network namespace.</summary>
    public string? NodeNamespaceName { get; }

    /// <summary>Longest a call may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The driver: <c>TERWAY_CNIRT</c>, else <c>/usr/local/bin/cnirt</c>; null when neither exists.</summary>
    public static string? FindDriver()
    {
        var path = Environment.GetEnvironmentVariable("TERWAY_CNIRT");
        path = string.IsNullOrEmpty(path) ? "/usr/local/bin/cnirt" : path;
        return File.Exists(path) ? path : null;
    }

    /// <inheritdoc/>
    public async Task<CniAddResult> AddAsync(CniCall call, CancellationToken ct)
    {
        var output = await RunAsync("add", call, ct);
        return new CniAddResult(ParseIps(output), output.Trim());
    }

    /// <inheritdoc/>
    public Task DeleteAsync(CniCall call, CancellationToken ct) => RunAsync("del", call, ct);

    /// <summary>The pod addresses in a CNI result (<c>ips[].address</c>, prefix dropped), IPv4 first.</summary>
    public static IReadOnlyList<IPAddress> ParseIps(string resultJson)
    {
        var ips = new List<IPAddress>();
        if (string.IsNullOrWhiteSpace(resultJson) || JsonNode.Parse(resultJson) is not JsonObject result)
        {
            return ips;
        }

        foreach (var entry in result["ips"] as JsonArray ?? [])
        {
            if (entry?["address"]?.GetValue<string>() is { } cidr && IPNetwork.TryParse(cidr, out _))
            {
                var slash = cidr.IndexOf('/', StringComparison.Ordinal);
                ips.Add(IPAddress.Parse(slash < 0 ? cidr : cidr[..slash]));
            }
        }

        return [.. ips.OrderBy(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 0 : 1)];
    }

    private async Task<string> RunAsync(string command, CniCall call, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (NodeNamespaceName is not null)
        {
            start.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", NodeNamespaceName, CnirtPath })
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = CnirtPath;
        }

        foreach (var a in new[] { command, call.ConfListPath, call.NetnsPath, call.ContainerId, call.InterfaceName, string.Join(";", call.Args.Select(kv => $"{kv.Key}={kv.Value}")) })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["CNI_PATH"] = string.Join(":", call.PluginDirectories);
        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Timed out or stopping: the driver and its plugin must not outlive the call.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            throw new CniException(command, $"CNI {command} timed out after {Timeout.TotalSeconds:0} s", -1);
        }

        // WaitForExitAsync returns after the redirected streams reached EOF.
        if (process.ExitCode != 0)
        {
            string message;
            lock (stderr)
            {
                message = stderr.ToString().Trim();
            }

            throw new CniException(command, message.Length > 0 ? message : $"exit code {process.ExitCode}", process.ExitCode);
        }

        lock (stdout)
        {
            return stdout.ToString();
        }
    }
}
