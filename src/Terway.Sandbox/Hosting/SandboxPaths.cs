using System.Diagnostics;
using System.Globalization;

namespace Terway.Sandbox.Hosting;

/// <summary>
/// The state folder's layout. Everything except <c>logs/</c> is removed on a clean shutdown;
/// a lock file keeps two sandboxes from sharing one folder.
/// </summary>
public sealed class SandboxPaths
{
    /// <summary>Lays out the folder at <paramref name="root"/> (nothing is created yet).</summary>
    public SandboxPaths(string root) => Root = Path.GetFullPath(root);

    /// <summary>The state folder.</summary>
    public string Root { get; }

    /// <summary>Holds the running sandbox's process ID.</summary>
    public string LockFile => Path.Combine(Root, "sandbox.pid");

    /// <summary>The admin kubeconfig (system:masters).</summary>
    public string AdminKubeconfig => Path.Combine(Root, "kubeconfig");

    /// <summary>The operator's kubeconfig (ServiceAccount kube-system/terway-operator; RBAC applies).</summary>
    public string OperatorKubeconfig => Path.Combine(Root, "operator.kubeconfig");

    /// <summary>The node agents' kubeconfig (ServiceAccount kube-system/terway-nodeagent; RBAC applies).</summary>
    public string NodeAgentKubeconfig => Path.Combine(Root, "nodeagent.kubeconfig");

    /// <summary>The simulated cloud: endpoint, region, AccessKey pair, VPC, vSwitches, security groups (JSON).</summary>
    public string CloudJson => Path.Combine(Root, "cloud.json");

    /// <summary>The same as environment variables for Alibaba Cloud clients (<c>source cloud.env</c>).</summary>
    public string CloudEnv => Path.Combine(Root, "cloud.env");

    /// <summary>Per-node files (CNI conflists and IPAM state, run and lib directories).</summary>
    public string NodesDirectory => Path.Combine(Root, "nodes");

    /// <summary>Logs; kept after shutdown.</summary>
    public string LogsDirectory => Path.Combine(Root, "logs");

    /// <summary>The sandbox's log file.</summary>
    public string LogFile => Path.Combine(LogsDirectory, "sandbox.log");

    /// <summary>A node's folder.</summary>
    public string NodeDirectory(string nodeName) => Path.Combine(NodesDirectory, nodeName);

    /// <summary>
    /// Creates the folder and takes the lock. A lock left by a process that no longer runs is
    /// taken over; one held by a running process is an error.
    /// </summary>
    public void Acquire()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(LogsDirectory);
        // A lock of a process that still runs is held (by this very process too: one sandbox per folder).
        if (File.Exists(LockFile) && int.TryParse(File.ReadAllText(LockFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && IsRunning(pid))
        {
            throw new InvalidOperationException($"another sandbox (process {pid}) uses {Root}; stop it or pass --state-dir");
        }

        File.WriteAllText(LockFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Removes everything the sandbox wrote except the logs, and the lock.</summary>
    public void Clean()
    {
        foreach (var file in new[] { AdminKubeconfig, OperatorKubeconfig, NodeAgentKubeconfig, CloudJson, CloudEnv })
        {
            File.Delete(file);
        }

        if (Directory.Exists(NodesDirectory))
        {
            Directory.Delete(NodesDirectory, recursive: true);
        }

        File.Delete(LockFile);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
