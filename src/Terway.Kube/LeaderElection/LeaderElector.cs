using k8s.Models;
using Microsoft.Extensions.Logging;
using Terway.Kube.Client;
using Terway.Kube.Metrics;

namespace Terway.Kube.LeaderElection;

/// <summary>Leader election settings (client-go's defaults: 15 s / 10 s / 2 s).</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>Namespace of the Lease.</summary>
    public required string LeaseNamespace { get; init; }

    /// <summary>Name of the Lease.</summary>
    public required string LeaseName { get; init; }

    /// <summary>This candidate's identity (pod name + a random suffix is customary).</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    /// <summary>How long a lease stays valid after its last renewal (written as <c>leaseDurationSeconds</c>).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A leader that could not renew for this long steps down.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between acquire/renew attempts.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// On graceful stop, give the lease up (empty holder, <c>leaseDurationSeconds: 1</c>) so a standby takes
    /// over at its next retry instead of waiting for expiry.
    /// </summary>
    public bool ReleaseOnCancel { get; init; } = true;
}

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease, written for what KubernetesClient's elector
/// lacks: the holder's own <c>leaseDurationSeconds</c> decides expiry (measured from when this candidate
/// last saw the lease change, so clocks need not agree), the lease is released on graceful stop, and the
/// leading work is awaited before the release so no two leaders overlap. Writes are resourceVersion-guarded
/// PUTs, so two candidates can never both win the same round.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly IKubeApiClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KubeMetrics? _metrics;
    private V1LeaseSpec? _observed;
    private string? _observedVersion;
    private long _observedAt;
    private volatile bool _isLeader;
    private volatile string? _leader;
    private volatile bool _running;

    /// <summary>Creates an elector; nothing happens until <see cref="RunAsync"/>.</summary>
    public LeaderElector(IKubeApiClient client, LeaderElectionOptions options, TimeProvider? time = null, ILogger? logger = null, KubeMetrics? metrics = null)
    {
        if (options.RenewDeadline >= options.LeaseDuration)
        {
            throw new ArgumentException("RenewDeadline must be shorter than LeaseDuration", nameof(options));
        }

        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _metrics = metrics;
        _metrics?.SetLeader(options.LeaseName, false);
    }

    /// <summary>This candidate's identity.</summary>
    public string Identity => _options.Identity;

    /// <summary>True while this candidate holds the lease.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holder last observed (null if none).</summary>
    public string? Leader => _leader;

    /// <summary>True while <see cref="RunAsync"/> is participating (a ready standby or the leader).</summary>
    public bool IsRunning => _running;

    /// <summary>Raised (on the election loop) when the observed holder changes.</summary>
    public event Action<string?>? LeaderChanged;

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> fires. Each time leadership is acquired,
    /// <paramref name="whileLeading"/> runs with a token that is cancelled when leadership is lost or the
    /// elector stops; after it returns the candidate campaigns again. On stop the lease is released (if
    /// <see cref="LeaderElectionOptions.ReleaseOnCancel"/>) once <paramref name="whileLeading"/> has returned.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        _running = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (!await AcquireAsync(cancellationToken))
                {
                    return;
                }

                await LeadAsync(whileLeading, cancellationToken);
            }
        }
        finally
        {
            _running = false;
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken))
            {
                return true;
            }

            try
            {
                await Task.Delay(Jitter(_options.RetryPeriod), _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    private async Task LeadAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        SetLeader(true);
        LogAcquired(_options.LeaseName, Identity);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var work = Task.Run(() => whileLeading(leading.Token), CancellationToken.None);
        var lastRenew = _time.GetTimestamp();
        var lost = false;
        while (!cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            try
            {
                await Task.WhenAny(work, Task.Delay(_options.RetryPeriod, _time, cancellationToken));
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (work.IsCompleted || cancellationToken.IsCancellationRequested)
            {
                break;
            }

            var left = _options.RenewDeadline - _time.GetElapsedTime(lastRenew);
            using var attempt = new CancellationTokenSource(left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100), _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
            if (await TryAcquireOrRenewAsync(linked.Token))
            {
                lastRenew = _time.GetTimestamp();
            }
            else if (_time.GetElapsedTime(lastRenew) >= _options.RenewDeadline || (_leader is { } other && other != Identity))
            {
                lost = true;
                break;
            }
        }

        // Stop the leading work first, then (on a graceful stop) hand the lease over.
        await leading.CancelAsync();
        try
        {
            await work;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWorkFailed(_options.LeaseName, ex);
        }

        SetLeader(false);
        if (lost)
        {
            LogLost(_options.LeaseName, Identity);
        }
        else if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
        {
            await ReleaseAsync();
        }
    }

    /// <summary>One acquire-or-renew round; false when someone else holds a valid lease or on any error.</summary>
    internal async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        try
        {
            V1Lease lease;
            try
            {
                lease = await _client.GetAsync<V1Lease>(new ObjectKey(_options.LeaseNamespace, _options.LeaseName), cancellationToken);
            }
            catch (KubeApiException ex) when (ex.IsNotFound)
            {
                var created = await _client.CreateAsync(new V1Lease
                {
                    Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                    Spec = new V1LeaseSpec
                    {
                        HolderIdentity = Identity,
                        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
                        AcquireTime = now,
                        RenewTime = now,
                        LeaseTransitions = 0,
                    },
                }, cancellationToken);
                Observe(created);
                return true;
            }

            Observe(lease);
            var spec = lease.Spec ?? new V1LeaseSpec();
            var holder = spec.HolderIdentity;
            var held = !string.IsNullOrEmpty(holder) && holder != Identity;
            if (held)
            {
                var duration = spec.LeaseDurationSeconds is int s and > 0 ? TimeSpan.FromSeconds(s) : _options.LeaseDuration;
                if (_time.GetElapsedTime(_observedAt) < duration)
                {
                    return false;
                }
            }

            var mine = holder == Identity;
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = Identity,
                LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
                AcquireTime = mine ? spec.AcquireTime ?? now : now,
                RenewTime = now,
                LeaseTransitions = mine ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
            };
            var updated = await _client.UpdateAsync(lease, cancellationToken);
            Observe(updated);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException or OperationCanceledException)
        {
            // Conflicts (someone else won the round) and transient errors are retried next period.
            LogAttemptFailed(_options.LeaseName, ex.Message);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var lease = await _client.GetAsync<V1Lease>(new ObjectKey(_options.LeaseNamespace, _options.LeaseName), timeout.Token);
            if (lease.Spec?.HolderIdentity != Identity)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcDateTime;
            lease.Spec = new V1LeaseSpec
            {
                HolderIdentity = null,
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = lease.Spec.LeaseTransitions,
            };
            await _client.UpdateAsync(lease, timeout.Token);
            LogReleased(_options.LeaseName, Identity);
        }
        catch (Exception ex) when (ex is KubeApiException or HttpRequestException or TimeoutException or IOException or OperationCanceledException)
        {
            // The lease then simply expires; a successor waits one lease duration.
            LogReleaseFailed(_options.LeaseName, ex.Message);
        }
    }

    private void Observe(V1Lease lease)
    {
        var version = lease.Metadata?.ResourceVersion;
        if (version != _observedVersion)
        {
            _observedVersion = version;
            _observed = lease.Spec;
            _observedAt = _time.GetTimestamp();
        }

        var holder = string.IsNullOrEmpty(_observed?.HolderIdentity) ? null : _observed!.HolderIdentity;
        if (holder != _leader)
        {
            _leader = holder;
            LeaderChanged?.Invoke(holder);
        }
    }

    private void SetLeader(bool value)
    {
        _isLeader = value;
        _metrics?.SetLeader(_options.LeaseName, value);
    }

    private static TimeSpan Jitter(TimeSpan period) => period * (1 + (0.2 * Random.Shared.NextDouble()));

    [LoggerMessage(Level = LogLevel.Information, Message = "lease {Lease}: {Identity} became leader")]
    private partial void LogAcquired(string lease, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "lease {Lease}: {Identity} lost leadership")]
    private partial void LogLost(string lease, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "lease {Lease}: {Identity} released the lease")]
    private partial void LogReleased(string lease, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "lease {Lease}: release failed ({Detail}); it will expire instead")]
    private partial void LogReleaseFailed(string lease, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "lease {Lease}: acquire/renew attempt failed: {Detail}")]
    private partial void LogAttemptFailed(string lease, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "lease {Lease}: leading work failed")]
    private partial void LogWorkFailed(string lease, Exception exception);
}
