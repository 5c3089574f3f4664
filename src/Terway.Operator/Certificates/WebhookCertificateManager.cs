using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Client;
using Terway.Operator.Webhooks;

namespace Terway.Operator.Certificates;

/// <summary>The certificate the webhook listener presents, and the CA bundle that verifies it.</summary>
internal interface IServingCertificateSource
{
    /// <summary>The current serving certificate, with its private key.</summary>
    X509Certificate2 ServingCertificate { get; }

    /// <summary>PEM of the CA certificates API servers must trust.</summary>
    string CaBundlePem { get; }
}

/// <summary>
/// Keeps the webhook's certificates in one Secret shared by every replica, and the CA bundle in the webhook
/// configurations. On each sync it reads the Secret (creating it when missing, with create-or-get semantics so
/// racing replicas end up with the first one written), renews what is due (a resourceVersion-guarded update, so
/// two replicas renewing at once write once and the other adopts it), loads the serving certificate when it
/// changed, and patches <c>caBundle</c> into every webhook of the configured Mutating/ValidatingWebhookConfiguration
/// whose bundle differs. Syncs run at start and then every <see cref="WebhookOptions.CertificateSyncInterval"/>.
/// </summary>
internal sealed partial class WebhookCertificateManager : IServingCertificateSource
{
    private const int MaxAttempts = 5;
    private static readonly TimeSpan StartupRetryDelay = TimeSpan.FromSeconds(5);

    private readonly IKubeApiClient _client;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CertificatePolicy _policy;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _reportedMissing = new(StringComparer.Ordinal);
    private Loaded? _current;

    public WebhookCertificateManager(IKubeApiClient client, WebhookOptions options, TimeProvider time, ILogger<WebhookCertificateManager> log)
    {
        _client = client;
        _options = options;
        _time = time;
        _log = log;
        _policy = new CertificatePolicy(options.CaValidity, options.ServingCertificateValidity, options.RenewAtLifetimeFraction);
        Names = CertificateIssuer.ServingNames(options.ServiceName, options.Namespace, options.ClusterDomain, options.ExtraSubjectAlternativeNames);
    }

    /// <summary>The names the serving certificate is issued for.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Completes after the first successful sync: a certificate is loaded.</summary>
    public Task WhenReady => _ready.Task;

    /// <inheritdoc/>
    public X509Certificate2 ServingCertificate => Volatile.Read(ref _current)?.Serving ?? throw new InvalidOperationException("no webhook certificate loaded yet");

    /// <inheritdoc/>
    public string CaBundlePem => Volatile.Read(ref _current)?.CaBundlePem ?? throw new InvalidOperationException("no webhook certificate loaded yet");

    /// <summary>One sync: Secret, renewal, load, caBundle.</summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        var bundle = await EnsureSecretAsync(cancellationToken);
        Load(bundle);
        await PatchCaBundleAsync<V1MutatingWebhookConfiguration>(_options.MutatingWebhookConfigurationName, bundle.CaCertificatesPem, c => c.Webhooks?.Select(w => (Admissionregistrationv1WebhookClientConfig?)w.ClientConfig).ToList(), cancellationToken);
        await PatchCaBundleAsync<V1ValidatingWebhookConfiguration>(_options.ValidatingWebhookConfigurationName, bundle.CaCertificatesPem, c => c.Webhooks?.Select(w => (Admissionregistrationv1WebhookClientConfig?)w.ClientConfig).ToList(), cancellationToken);
        _ready.TrySetResult();
    }

    /// <summary>Syncs now (unless <paramref name="syncFirst"/> is false), then every interval until cancelled; failures are logged and retried.</summary>
    public async Task RunAsync(CancellationToken cancellationToken, bool syncFirst = true)
    {
        var skip = !syncFirst;
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = _options.CertificateSyncInterval;
            try
            {
                if (!skip)
                {
                    await SyncOnceAsync(cancellationToken);
                }

                skip = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogSyncFailed(_options.Namespace, _options.CertificateSecretName, ex);
                if (!_ready.Task.IsCompleted && StartupRetryDelay < delay)
                {
                    delay = StartupRetryDelay;
                }
            }

            try
            {
                await Task.Delay(delay, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<CertificateBundle> EnsureSecretAsync(CancellationToken cancellationToken)
    {
        var key = new ObjectKey(_options.Namespace, _options.CertificateSecretName);
        var keyText = key.ToString();
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var now = _time.GetUtcNow();
            V1Secret? secret;
            try
            {
                secret = await _client.GetAsync<V1Secret>(key, cancellationToken);
            }
            catch (KubeApiException ex) when (ex.IsNotFound)
            {
                secret = null;
            }

            if (secret is null)
            {
                var created = CertificatePlanner.Apply(CertificateAction.CreateAll, null, CaCommonName, Names, now, _policy);
                try
                {
                    await _client.CreateAsync(new V1Secret
                    {
                        ApiVersion = "v1",
                        Kind = "Secret",
                        Metadata = new V1ObjectMeta
                        {
                            Name = key.Name,
                            NamespaceProperty = key.Namespace,
                            Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = Crds.Names.InstallNames.Operator },
                        },
                        Type = CertificateBundle.SecretType,
                        Data = created.ToSecretData(),
                    }, cancellationToken);
                    LogSecretWritten(keyText, CertificateAction.CreateAll);
                    return created;
                }
                catch (KubeApiException ex) when (ex.IsAlreadyExists)
                {
                    // Another replica created it first: use theirs.
                    LogLostRace(keyText);
                    continue;
                }
            }

            var stored = CertificateBundle.FromSecretData(secret.Data);
            var action = CertificatePlanner.Evaluate(stored, Names, now, _policy);
            if (action == CertificateAction.Keep)
            {
                return stored!;
            }

            var renewed = CertificatePlanner.Apply(action, stored, CaCommonName, Names, now, _policy);
            var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
            foreach (var (name, value) in renewed.ToSecretData())
            {
                data[name] = value;
            }

            secret.Data = data;
            try
            {
                await _client.UpdateAsync(secret, cancellationToken);
                LogSecretWritten(keyText, action);
                return renewed;
            }
            catch (KubeApiException ex) when (ex.IsConflict || ex.IsNotFound)
            {
                // Another replica renewed (or someone deleted the Secret) since we read it: read again.
                LogLostRace(keyText);
            }
        }

        throw new InvalidOperationException($"the webhook certificate Secret {key} kept changing under us ({MaxAttempts} attempts)");
    }

    private string CaCommonName => $"{_options.ServiceName}-ca";

    private void Load(CertificateBundle bundle)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && current.ServingPem == bundle.ServingCertificatePem && current.CaBundlePem == bundle.CaCertificatesPem)
        {
            return;
        }

        // The previous certificate is not disposed: a handshake may still be using it, and renewals are rare.
        var serving = X509Certificate2.CreateFromPem(bundle.ServingCertificatePem, bundle.ServingKeyPem);
        Volatile.Write(ref _current, new Loaded(serving, bundle.ServingCertificatePem, bundle.CaCertificatesPem));
        if (_log.IsEnabled(LogLevel.Information))
        {
            LogLoaded(serving.Thumbprint, new DateTimeOffset(serving.NotAfter));
        }
    }

    private async Task PatchCaBundleAsync<T>(string? name, string caBundlePem, Func<T, List<Admissionregistrationv1WebhookClientConfig?>?> clientConfigs, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        var expected = Encoding.ASCII.GetBytes(caBundlePem);
        var key = ObjectKey.Cluster(name);
        var kind = typeof(T).Name.Replace("V1", "", StringComparison.Ordinal);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            T config;
            try
            {
                config = await _client.GetAsync<T>(key, cancellationToken);
            }
            catch (KubeApiException ex) when (ex.IsNotFound)
            {
                if (_reportedMissing.Add(kind))
                {
                    LogConfigurationMissing(kind, name);
                }

                return;
            }

            _reportedMissing.Remove(kind);
            var configs = clientConfigs(config) ?? [];
            var stale = Enumerable.Range(0, configs.Count)
                .Where(i => configs[i] is not null && !(configs[i]!.CaBundle ?? []).AsSpan().SequenceEqual(expected))
                .ToList();
            if (stale.Count == 0)
            {
                return;
            }

            // The resourceVersion in the patch is a precondition: the webhook list cannot change between our read
            // and the index-based writes.
            var ops = new JsonArray(new JsonObject { ["op"] = "replace", ["path"] = "/metadata/resourceVersion", ["value"] = config.Metadata.ResourceVersion });
            var encoded = Convert.ToBase64String(expected);
            foreach (var i in stale)
            {
                ops.Add(new JsonObject { ["op"] = "add", ["path"] = $"/webhooks/{i}/clientConfig/caBundle", ["value"] = encoded });
            }

            try
            {
                await _client.PatchAsync<T>(key, new Patch(PatchKind.Json, ops.ToJsonString()), cancellationToken: cancellationToken);
                LogCaBundlePatched(kind, name, stale.Count);
                return;
            }
            catch (KubeApiException ex) when (ex.IsConflict)
            {
                // Changed since we read it: read again.
            }
        }

        throw new InvalidOperationException($"the {kind} {name} kept changing under us ({MaxAttempts} attempts)");
    }

    private sealed record Loaded(X509Certificate2 Serving, string ServingPem, string CaBundlePem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook certificate Secret {Secret} written ({Action})")]
    private partial void LogSecretWritten(string secret, CertificateAction action);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook certificate Secret {Secret} changed concurrently; reading it again")]
    private partial void LogLostRace(string secret);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook serving certificate {Thumbprint} loaded, valid until {NotAfter:O}")]
    private partial void LogLoaded(string thumbprint, DateTimeOffset notAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "caBundle patched into {Count} webhook(s) of {Kind} {Name}")]
    private partial void LogCaBundlePatched(string kind, string name, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {Name} does not exist yet; its caBundle is patched once it is installed")]
    private partial void LogConfigurationMissing(string kind, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Syncing the webhook certificate Secret {Namespace}/{Secret} failed; retrying")]
    private partial void LogSyncFailed(string @namespace, string secret, Exception exception);
}
