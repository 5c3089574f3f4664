namespace Terway.Sandbox.Hosting;

/// <summary>A fault injected into one cloud API (or every API with <c>*</c>).</summary>
/// <param name="Action">The API (<c>AttachNetworkInterface</c>) or <c>*</c>.</param>
/// <param name="Rate">Probability a call fails (0..1).</param>
/// <param name="Code">The error code returned (its HTTP status follows from the code).</param>
public sealed record CloudFault(string Action, double Rate, string Code);

/// <summary>Everything the sandbox can be told on its command line (see docs/sandbox.md).</summary>
public sealed record SandboxOptions
{
    /// <summary>The default state folder.</summary>
    public const string DefaultStateDirectory = "/tmp/terway-sandbox";

    /// <summary>Simulated nodes (instances).</summary>
    public int Nodes { get; init; } = 4;

    /// <summary>Instance type of every node; a trunk-capable type by default (ecs.g7.xlarge: 4 ENIs, 16 member ENIs).</summary>
    public string InstanceType { get; init; } = "ecs.g7.xlarge";

    /// <summary>Region.</summary>
    public string RegionId { get; init; } = "cn-hangzhou";

    /// <summary>Zones; nodes are spread over them in turn.</summary>
    public IReadOnlyList<string> Zones { get; init; } = ["cn-hangzhou-h", "cn-hangzhou-i"];

    /// <summary>Latency added to every cloud API call (cloud time, divided by <see cref="TimeScale"/>).</summary>
    public TimeSpan CloudLatency { get; init; }

    /// <summary>Faults injected into cloud APIs.</summary>
    public IReadOnlyList<CloudFault> Faults { get; init; } = [];

    /// <summary>Speed-up of the cloud's asynchronous states, latencies and rate-limit windows.</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Where kubeconfigs, cloud credentials, node files and logs go.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory;

    /// <summary>End after the demo's summary (for CI) instead of serving until Ctrl-C.</summary>
    public bool ExitAfterDemo { get; init; }

    /// <summary>No fabric and no kubelets even as root: the API, the cloud, nodes, scheduler and controllers only.</summary>
    public bool ControlPlaneOnly { get; init; }

    /// <summary>Skip the demo workload (serve an empty cluster).</summary>
    public bool NoDemo { get; init; }

    /// <summary>A demo plan file (JSON); null uses the built-in plan (config/sandbox/demo.json).</summary>
    public string? DemoPlanPath { get; init; }

    /// <summary>Port of the Kubernetes API (0 = any free port; the kubeconfig names it).</summary>
    public int KubeApiPort { get; init; }

    /// <summary>Port of the cloud OpenAPI endpoint (0 = any free port; cloud.json names it).</summary>
    public int CloudPort { get; init; }

    /// <summary>Debug-level logs in the log file.</summary>
    public bool Verbose { get; init; }

    /// <summary>Where progress goes (the console by default).</summary>
    public TextWriter? Output { get; init; }

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (Nodes is < 1 or > 250)
        {
            throw new ArgumentException("--nodes must be between 1 and 250");
        }

        if (Zones.Count is < 1 or > 4)
        {
            throw new ArgumentException("--zones needs 1 to 4 zones");
        }

        if (TimeScale <= 0)
        {
            throw new ArgumentException("--time-scale must be positive");
        }

        foreach (var f in Faults)
        {
            if (f.Rate is < 0 or > 1)
            {
                throw new ArgumentException($"fault rate for {f.Action} must be between 0 and 1");
            }
        }
    }
}
