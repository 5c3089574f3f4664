using Microsoft.Extensions.Logging.Abstractions;
using Terway.Cloud.Credentials;
using Terway.Cloud.Ecs;
using Terway.Cloud.Signing;
using Terway.Cloud.Vpc;
using Terway.Sandbox.Cloud;

namespace Terway.Cloud.Tests.Contract.Support;

/// <summary>The resources of <see cref="RegionSimulatorOptions.CreateDefault"/> the contract tests use by name.</summary>
internal static class Region
{
    public const string Id = "cn-hangzhou";
    public const string ZoneH = "cn-hangzhou-h";
    public const string ZoneI = "cn-hangzhou-i";
    public const string Vpc = "vpc-bp1sandbox00000000001";
    public const string RouteTable = "vtb-bp1sandbox00000000001";
    public const string VRouter = "vrt-bp1sandbox00000000001";
    public const string VSwitchH = "vsw-bp1sandboxh0000000001";
    public const string VSwitchI = "vsw-bp1sandboxi0000000001";
    public const string SgNodes = "sg-bp1sandboxnodes000001";
    public const string SgPods = "sg-bp1sandboxpods0000001";
    public const string Node1 = "i-bp1sandboxnode00000001";
    public const string Node2 = "i-bp1sandboxnode00000002";
    public const string Node3 = "i-bp1sandboxnode00000003";
    public const string ResourceGroup = "rg-acfmsandbox0000001";
}

/// <summary>
/// The real client (<see cref="AlibabaCloudClient"/>) wired to the real region simulator over
/// loopback HTTP, with a <see cref="WireRecorder"/> in between. The simulator starts from the
/// default region with instant transitions and no throttling unless a test says otherwise; the
/// client retries with millisecond backoff so retry paths cost no real time.
/// </summary>
internal sealed class ContractRig : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];

    private ContractRig(RegionSimulator simulator, SignatureAlgorithm algorithm)
    {
        Simulator = simulator;
        Algorithm = algorithm;
    }

    public RegionSimulator Simulator { get; }

    public SignatureAlgorithm Algorithm { get; }

    /// <summary>The client built by <see cref="StartAsync"/>.</summary>
    public AlibabaCloudClient Client { get; private set; } = null!;

    /// <summary>The client-side record of every HTTP exchange of <see cref="Client"/>.</summary>
    public WireRecorder Wire { get; private set; } = null!;

    public IEcsClient Ecs => Client.Ecs;

    public IVpcClient Vpc => Client.Vpc;

    public static async Task<ContractRig> StartAsync(
        SignatureAlgorithm algorithm,
        Action<RegionSimulatorOptions>? simulator = null,
        Action<AlibabaCloudOptions>? client = null,
        TimeProvider? clientTime = null)
    {
        var options = RegionSimulatorOptions.CreateDefault();
        options.Seed = 42;
        options.Knobs.WithInstantTransitions().WithoutThrottling();
        simulator?.Invoke(options);
        var sim = await RegionSimulator.StartAsync(options);
        var rig = new ContractRig(sim, algorithm);
        (rig.Client, rig.Wire) = rig.NewClient(client, clientTime);
        return rig;
    }

    /// <summary>Client options pointing at the simulator; millisecond backoff, no environment, no RAM role.</summary>
    public AlibabaCloudOptions ClientOptions(Action<AlibabaCloudOptions>? configure = null)
    {
        var options = new AlibabaCloudOptions
        {
            RegionId = Simulator.RegionId,
            EcsEndpoint = Simulator.Endpoint,
            VpcEndpoint = Simulator.Endpoint,
            SignatureAlgorithm = Algorithm,
            Environment = static _ => null,
            AttemptTimeout = TimeSpan.FromSeconds(15),
            CallTimeout = TimeSpan.FromSeconds(60),
        };
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        options.Credentials.DisableEcsRamRole = true;
        configure?.Invoke(options);
        return options;
    }

    /// <summary>
    /// Another client against the same simulator (a restarted operator, a client with a wrong
    /// secret, a skewed clock...). Disposed with the rig.
    /// </summary>
    public (AlibabaCloudClient Client, WireRecorder Wire) NewClient(
        Action<AlibabaCloudOptions>? configure = null,
        TimeProvider? time = null,
        ICloudCredentialProvider? credentials = null)
    {
        var key = Simulator.DefaultCredential;
        var socket = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        var wire = new WireRecorder(socket);
        var client = AlibabaCloudClient.Create(
            ClientOptions(configure),
            credentials ?? CloudCredentialProviders.Static(key.AccessKeyId, key.AccessKeySecret),
            wire,
            time,
            NullLoggerFactory.Instance);
        _owned.Add(client);
        _owned.Add(wire);
        return (client, wire);
    }

    /// <summary>The simulator's secondary, trunk and member ENIs (everything but the instances' primary ENIs).</summary>
    public IReadOnlyList<EniSnapshot> CreatedEnis() =>
        Simulator.Snapshot().NetworkInterfaces.Where(e => e.Type != EniType.Primary).ToList();

    /// <summary>Polls until <paramref name="condition"/> holds or a real-time deadline passes.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        await Simulator.DisposeAsync();
    }
}
