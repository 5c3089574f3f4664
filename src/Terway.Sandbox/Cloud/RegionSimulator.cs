using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Sandbox.Cloud.Api;
using Terway.Sandbox.Cloud.Http;
using Terway.Sandbox.Cloud.Model;
using Terway.Sandbox.Cloud.Signing;

namespace Terway.Sandbox.Cloud;

/// <summary>
/// A strict, stateful simulated Alibaba Cloud region serving the ECS (2014-05-26) and VPC
/// (2016-04-28) RPC OpenAPI over HTTP on loopback. Start it, point a client at
/// <see cref="Endpoint"/> with one of <see cref="Credentials"/>, turn <see cref="ConfigureKnobs"/>
/// and inspect everything with <see cref="Snapshot"/>.
/// </summary>
public sealed class RegionSimulator : IAsyncDisposable
{
    private readonly RegionModel _model;
    private readonly KnobsHolder _knobs;
    private readonly CredentialStore _credentials;
    private readonly FaultInjector _faults;
    private readonly CallLog _callLog;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ChangeSignal _changes = new();
    private KestrelHost? _host;

    private RegionSimulator(RegionSimulatorOptions options)
    {
        TimeProvider = options.TimeProvider;
        AccountId = options.AccountId;
        _knobs = new KnobsHolder(options.Knobs);
        _model = BuildModel(options, _knobs);
        _credentials = new CredentialStore(options.AccessKeys.Count > 0
            ? options.AccessKeys
            : [new AccessKeyDefinition { AccessKeyId = "testid", AccessKeySecret = "testsecret" }]);
        _faults = new FaultInjector(options.Seed + 1);
        _callLog = new CallLog();
    }

    /// <summary>The base URI of the OpenAPI endpoint, e.g. <c>http://127.0.0.1:41234/</c> (requests go to path <c>/</c>).</summary>
    public Uri Endpoint => _host?.Address ?? throw new InvalidOperationException("The simulator is not started.");

    /// <summary>The URI of the read-only JSON state dump.</summary>
    public Uri StateDumpUri => new(Endpoint, OpenApiHandler.StatePath);

    /// <summary>The region ID.</summary>
    public string RegionId => _model.RegionId;

    /// <summary>The account ID reported as OwnerId.</summary>
    public string AccountId { get; }

    /// <summary>The clock the simulator runs on.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The AccessKey pairs (and STS tokens) currently accepted.</summary>
    public IReadOnlyList<AccessKeyDefinition> Credentials => _credentials.All;

    /// <summary>The first accepted AccessKey pair (<c>testid</c>/<c>testsecret</c> by default).</summary>
    public AccessKeyDefinition DefaultCredential => _credentials.All[0];

    /// <summary>A copy of the current knobs (changing it changes nothing; use <see cref="ConfigureKnobs"/>).</summary>
    public SimulatorKnobs Knobs => _knobs.Current.Clone();

    /// <summary>Starts the simulator on <see cref="RegionSimulatorOptions.Listen"/> (default 127.0.0.1, a free port).</summary>
    public static async Task<RegionSimulator> StartAsync(RegionSimulatorOptions options, CancellationToken ct = default)
    {
        var simulator = new RegionSimulator(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var time = options.TimeProvider;
        var authenticator = new RequestAuthenticator(simulator._credentials, new NonceCache(time), time);
        var dispatcher = new ApiDispatcher(simulator._model, simulator._knobs, new ApiThrottle(time), simulator._faults,
            new IdempotencyStore(), time, options.AccountId, loggerFactory.CreateLogger<ApiDispatcher>(), simulator._changes.Notify);
        var handler = new OpenApiHandler(new EndpointHosts(options.RegionId, options.ExtraHosts), authenticator, dispatcher,
            simulator._callLog, time, simulator.Snapshot, loggerFactory.CreateLogger<OpenApiHandler>(), simulator._stopping.Token);
        simulator._host = await KestrelHost.StartAsync(ParseListen(options.Listen), handler.HandleAsync, options.LoggerFactory, ct);
        return simulator;
    }

    /// <summary>
    /// A counter that moves whenever the region's state may have changed: after every API call
    /// that reached the model (reads too, since they apply due transitions) and every mutator
    /// call on this facade. Asynchronous transitions (Attaching → InUse, …) that fall due with
    /// nobody calling are not signalled: a watcher takes a <see cref="Snapshot"/> at the
    /// earliest <see cref="EniSnapshot.TransitionDueAt"/> it saw, which applies them.
    /// </summary>
    public long ChangeVersion => _changes.Version;

    /// <summary>
    /// Completes when <see cref="ChangeVersion"/> differs from <paramref name="knownVersion"/>
    /// and returns the new version (possibly at once). Wake-ups may be spurious; none is lost.
    /// </summary>
    public Task<long> WaitForChangeAsync(long knownVersion, CancellationToken ct = default) => _changes.WaitAsync(knownVersion, ct);

    /// <summary>Changes knobs atomically (validated; an invalid change throws and changes nothing).</summary>
    public void ConfigureKnobs(Action<SimulatorKnobs> change) => _knobs.Update(change);

    /// <summary>
    /// Makes the next <paramref name="count"/> calls of <paramref name="action"/> fail with
    /// <paramref name="code"/> (status derived from the code unless given). With
    /// <paramref name="afterApply"/> the operation takes effect first, so only the answer is lost.
    /// </summary>
    public void InjectError(string action, string code, int count = 1, int? httpStatus = null, bool afterApply = false) =>
        _faults.Enqueue(action, new ScriptedFault(code, httpStatus, afterApply, TimeSpan.Zero), count);

    /// <summary>
    /// Makes the next <paramref name="count"/> calls of <paramref name="action"/> hang for
    /// <paramref name="hold"/> (on the simulator's clock). With <paramref name="afterApply"/> the
    /// operation takes effect and the answer comes after the hold; otherwise nothing happens and
    /// the connection is dropped after the hold.
    /// </summary>
    public void InjectTimeout(string action, TimeSpan hold, int count = 1, bool afterApply = true) =>
        _faults.Enqueue(action, new ScriptedFault(null, null, afterApply, hold), count);

    /// <summary>Forgets faults queued with <see cref="InjectError"/> and <see cref="InjectTimeout"/>.</summary>
    public void ClearInjectedFaults() => _faults.Clear();

    /// <summary>The whole state: resources, ENIs, addresses, routes, call log.</summary>
    public RegionSnapshot Snapshot()
    {
        var state = _model.Capture();
        var (calls, counts) = _callLog.Capture();
        return new RegionSnapshot
        {
            Time = state.Time,
            RegionId = _model.RegionId,
            Zones = _model.Zones.ToList(),
            Vpcs = state.Vpcs,
            VSwitches = state.VSwitches,
            SecurityGroups = state.Groups,
            Instances = state.Instances,
            NetworkInterfaces = state.Enis,
            RouteTables = state.Tables,
            Calls = calls,
            CallCounts = counts,
        };
    }

    /// <summary>Adds a zone.</summary>
    public void AddZone(string zoneId) => Mutate(() => _model.AddZone(zoneId));

    /// <summary>Adds a VPC (with its system route table).</summary>
    public void AddVpc(VpcDefinition vpc) => Mutate(() => _model.AddVpc(vpc));

    /// <summary>Adds a vSwitch (its zone is added if new).</summary>
    public void AddVSwitch(VSwitchDefinition vSwitch)
    {
        Mutate(() =>
        {
            _model.AddZone(vSwitch.ZoneId);
            _model.AddVSwitch(vSwitch);
        });
    }

    /// <summary>Adds a security group.</summary>
    public void AddSecurityGroup(SecurityGroupDefinition group) => Mutate(() => _model.AddSecurityGroup(group));

    /// <summary>Adds (or replaces) an instance type.</summary>
    public void AddInstanceType(InstanceTypeDefinition type) => Mutate(() => _model.AddInstanceType(type));

    /// <summary>Adds an instance with its primary ENI.</summary>
    public void AddInstance(InstanceDefinition instance) => Mutate(() => _model.AddInstance(instance));

    /// <summary>Sets an instance's status (Running, Stopped, Starting, ...).</summary>
    public void SetInstanceStatus(string instanceId, string status) => Mutate(() => _model.SetInstanceStatus(instanceId, status));

    /// <summary>Adds or replaces an accepted AccessKey (e.g. a rotated STS credential).</summary>
    public void AddAccessKey(AccessKeyDefinition key) => _credentials.Add(key);

    /// <summary>Stops accepting an AccessKey.</summary>
    public bool RemoveAccessKey(string accessKeyId) => _credentials.Remove(accessKeyId);

    /// <summary>Takes free addresses of a vSwitch as another tenant would (shrinks AvailableIpAddressCount).</summary>
    public IReadOnlyList<string> ReserveAddresses(string vSwitchId, int count) => Mutate(() => _model.ReserveAddresses(vSwitchId, count));

    /// <summary>Gives back addresses taken with <see cref="ReserveAddresses"/>.</summary>
    public void ReleaseReservedAddresses(string vSwitchId, IEnumerable<string> addresses) => Mutate(() => _model.ReleaseReservedAddresses(vSwitchId, addresses));

    /// <summary>Detaches an ENI at once without an API call (as from the console); a trunk loses its members too.</summary>
    public void DetachOutOfBand(string networkInterfaceId) => Mutate(() => _model.DetachOutOfBand(networkInterfaceId));

    /// <summary>Makes the ENI's next detach (or the one in progress) stick in Detaching; false undoes it.</summary>
    public void StickInDetaching(string networkInterfaceId, bool stuck = true) => Mutate(() => _model.StickInDetaching(networkInterfaceId, stuck));

    /// <summary>Makes the ENI's next attach fall back to Available.</summary>
    public void FailNextAttach(string networkInterfaceId, bool fail = true) => Mutate(() => _model.FailNextAttach(networkInterfaceId, fail));

    /// <summary>Stops the server; held requests are released.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private void Mutate(Action change)
    {
        try
        {
            change();
        }
        finally
        {
            _changes.Notify();
        }
    }

    private T Mutate<T>(Func<T> change)
    {
        try
        {
            return change();
        }
        finally
        {
            _changes.Notify();
        }
    }

    internal static RegionModel BuildModel(RegionSimulatorOptions options, KnobsHolder knobs)
    {
        var zones = options.Zones.Concat(options.VSwitches.Select(v => v.ZoneId)).Concat(options.Instances.Select(i => i.ZoneId))
            .Distinct(StringComparer.Ordinal);
        var model = new RegionModel(options.RegionId, zones, knobs, options.TimeProvider, options.Seed);
        foreach (var t in options.InstanceTypes)
        {
            model.AddInstanceType(t);
        }

        foreach (var rg in options.ResourceGroupIds)
        {
            model.AddResourceGroup(rg);
        }

        if (options.Vpcs.Count == 0)
        {
            throw new ArgumentException("The region needs at least one VPC.");
        }

        options.Vpcs.ForEach(model.AddVpc);
        options.VSwitches.ForEach(model.AddVSwitch);
        options.SecurityGroups.ForEach(model.AddSecurityGroup);
        options.Instances.ForEach(model.AddInstance);
        return model;
    }

    private static IPEndPoint ParseListen(string listen)
    {
        var colon = listen.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(listen.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535
            || !IPAddress.TryParse(listen[..colon].Trim('[', ']'), out var address))
        {
            throw new ArgumentException($"Listen address '{listen}' is not HOST:PORT with an IP address.");
        }

        return new IPEndPoint(address, port);
    }
}
