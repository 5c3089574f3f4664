using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Terway.Sandbox.KubeApi.Admission;
using Terway.Sandbox.KubeApi.Auth;
using Terway.Sandbox.KubeApi.Controllers;
using Terway.Sandbox.KubeApi.Resources;
using Terway.Sandbox.KubeApi.Resources.Builtin;
using Terway.Sandbox.KubeApi.Rest;
using Terway.Sandbox.KubeApi.Server;
using Terway.Sandbox.KubeApi.Storage;
using Terway.Sandbox.KubeApi.Tls;

namespace Terway.Sandbox.KubeApi;

/// <summary>
/// A strict Kubernetes API server emulator served over HTTPS on loopback: schemaless JSON
/// storage, the real server's validation and error bodies, watches, RBAC, admission webhooks
/// and CRDs. Start one per test fixture with <see cref="StartAsync"/>.
/// </summary>
public sealed class KubeApiEmulator : IAsyncDisposable
{
    private readonly KubeApiEmulatorOptions _options;
    private readonly CertificateAuthority _ca;
    private readonly X509Certificate2 _serving;
    private readonly ObjectStore _store;
    private readonly ResourceOperations _ops;
    private readonly TokenAuthenticator _authn;
    private readonly FaultInjector _faults = new();
    private readonly ApiHandler _handler;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<EventLoop> _controllers = [];
    private KubeApiHost? _host;
    private Uri _baseAddress;

    private KubeApiEmulator(KubeApiEmulatorOptions options)
    {
        _options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var time = options.TimeProvider;
        _ca = CertificateAuthority.LoadOrCreate(options.StateDirectory);
        _serving = _ca.IssueServing([options.ListenAddress]);
        _store = new ObjectStore(options.EventHistorySize);
        var registry = new ResourceRegistry();
        BuiltinKinds.Register(registry);
        _ops = new ResourceOperations(_store, registry, time, options.TooLargeResourceVersionWait);
        _authn = new TokenAuthenticator(time, options.AdminToken ?? LoadAdminToken(options.StateDirectory));
        var saType = registry.Find("", "v1", "serviceaccounts")!;
        _authn.ServiceAccountUidLookup = (ns, name) => _ops.TryGetStored(saType, ns, name)?.Uid;
        var authz = new RbacAuthorizer(_store);
        _ops.Admission = new WebhookAdmission(_ops, options.ServiceResolver, time, loggerFactory.CreateLogger("KubeApi.Admission"));
        var watch = new WatchStreamer(_ops, time, () => options.BookmarkInterval, options.WatchQueueCapacity);
        var special = new SpecialResources(_ops, _authn, authz, time);
        _handler = new ApiHandler(_ops, _authn, authz, _faults, watch, special, options.MaxRequestBodyBytes, loggerFactory.CreateLogger("KubeApi"));
        _controllers.Add(new CrdController(_ops, options.CrdEstablishDelay, time, loggerFactory.CreateLogger("KubeApi.Crd")));
        _controllers.Add(new NamespaceController(_ops, time, loggerFactory.CreateLogger("KubeApi.Namespace")));
        _controllers.Add(new GarbageCollector(_ops, time, loggerFactory.CreateLogger("KubeApi.GC")));
        _baseAddress = new Uri("https://127.0.0.1:0");
    }

    /// <summary>The server's address (<c>https://127.0.0.1:PORT</c>).</summary>
    public Uri BaseAddress => _baseAddress;

    /// <summary>The self-signed CA that signed the serving certificate.</summary>
    public X509Certificate2 CaCertificate => _ca.Ca;

    /// <summary>The CA certificate in PEM form (for kubeconfigs and webhook clients).</summary>
    public string CaCertificatePem => _ca.CaPem;

    /// <summary>A bearer token in group <c>system:masters</c>.</summary>
    public string AdminToken => _authn.AdminToken;

    /// <summary>The cluster-wide resourceVersion last handed out.</summary>
    public long CurrentResourceVersion => _store.CurrentRevision;

    /// <summary>Starts an emulator and waits until it serves.</summary>
    public static async Task<KubeApiEmulator> StartAsync(KubeApiEmulatorOptions options, CancellationToken ct = default)
    {
        var emulator = new KubeApiEmulator(options);
        try
        {
            foreach (var c in emulator._controllers)
            {
                c.Start(emulator._shutdown.Token);
            }

            await Bootstrap.SeedAsync(emulator._ops, options.TimeProvider, ct).ConfigureAwait(false);
            await emulator.StartServerAsync(options.Port, ct).ConfigureAwait(false);
            if (options.StateDirectory != null)
            {
                await File.WriteAllTextAsync(Path.Combine(options.StateDirectory, "admin.token"), emulator.AdminToken, ct).ConfigureAwait(false);
            }

            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string? LoadAdminToken(string? stateDir)
    {
        var path = stateDir == null ? null : Path.Combine(stateDir, "admin.token");
        return path != null && File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    private async Task StartServerAsync(int port, CancellationToken ct)
    {
        _host = await KubeApiHost.StartAsync(IPAddress.Parse(_options.ListenAddress), port, _serving, _handler, _options.LoggerFactory, ct).ConfigureAwait(false);
        _baseAddress = _host.BaseAddress;
    }

    /// <summary>Issues a bearer token for a ServiceAccount; it authenticates while that ServiceAccount exists.</summary>
    public string IssueServiceAccountToken(string @namespace, string name) => _authn.IssueServiceAccountToken(@namespace, name);

    /// <summary>Issues a bearer token for a user with the given groups (plus <c>system:authenticated</c>).</summary>
    public string IssueUserToken(string user, params string[] groups) => _authn.IssueUserToken(user, groups);

    /// <summary>Writes a kubeconfig (CA embedded, bearer token) that kubectl and KubernetesClient use as is.</summary>
    public void WriteKubeconfig(string path, string? token = null, string @namespace = "default")
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(CaCertificatePem));
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: terway-emulator
              cluster:
                server: {BaseAddress.ToString().TrimEnd('/')}
                certificate-authority-data: {ca}
            users:
            - name: terway-emulator-user
              user:
                token: {token ?? AdminToken}
            contexts:
            - name: terway-emulator
              context:
                cluster: terway-emulator
                user: terway-emulator-user
                namespace: {@namespace}
            current-context: terway-emulator

            """;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, text);
    }

    /// <summary>A KubernetesClient configuration for this server (admin token unless another is given).</summary>
    public KubernetesClientConfiguration CreateClientConfiguration(string? token = null) => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        AccessToken = token ?? AdminToken,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(CaCertificate.RawData)],
        Namespace = "default",
    };

    /// <summary>
    /// Test hook: ends every open watch stream mid-stream. With <paramref name="abort"/> the
    /// connection is reset (as when the server dies); otherwise the stream ends cleanly (as on a timeout).
    /// </summary>
    public int DropWatches(bool abort = true)
    {
        lock (_store.Gate)
        {
            return _store.CloseAllWatches(abort);
        }
    }

    /// <summary>Test hook: forgets the event history, so every older resourceVersion answers 410 Expired.</summary>
    public void CompactHistory()
    {
        lock (_store.Gate)
        {
            _store.Compact();
        }
    }

    /// <summary>Test hook: makes matching requests fail (see <see cref="KubeApiFault"/>).</summary>
    public void InjectFault(KubeApiFault fault) => _faults.Add(fault);

    /// <summary>Removes every injected fault.</summary>
    public void ClearFaults() => _faults.Clear();

    /// <summary>Test hook: stops serving (open connections are cut) while keeping all stored state.</summary>
    public async Task StopAsync()
    {
        if (_host != null)
        {
            lock (_store.Gate)
            {
                _store.CloseAllWatches();
            }

            await _host.DisposeAsync().ConfigureAwait(false);
            _host = null;
        }
    }

    /// <summary>Test hook: serves again after <see cref="StopAsync"/> (or restarts), on the same port or a new one.</summary>
    public async Task RestartAsync(bool samePort = true, CancellationToken ct = default)
    {
        var port = samePort ? _baseAddress.Port : 0;
        await StopAsync().ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await StartServerAsync(port, ct).ConfigureAwait(false);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                // The port can linger briefly after close; try again.
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the server and the in-process controllers.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _shutdown.CancelAsync().ConfigureAwait(false);
        foreach (var c in _controllers)
        {
            try
            {
                await c.Completion.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected on shutdown.
            }
        }

        _shutdown.Dispose();
        _serving.Dispose();
        _ca.Dispose();
    }

    internal ResourceOperations Operations => _ops;

    internal static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;
}
