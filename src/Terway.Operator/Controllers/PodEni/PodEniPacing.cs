namespace Terway.Operator.Controllers.PodEni;

/// <summary>
/// Keeps PodENI workers off saturated cloud APIs. The cloud client's per-API limiter makes a caller wait for its
/// permit; a worker waiting there (up to a minute at the default limits) is a worker that cannot finish pods whose
/// next step needs another API with budget left — e.g. marking attached ENIs Bound while CreateNetworkInterface is
/// at its limit. An action whose API would wait longer than <see cref="MaxBlockingWait"/> is requeued for when the
/// permit frees instead (nothing is reserved, so the decision is made again then).
/// </summary>
internal static class PodEniPacing
{
    /// <summary>The longest a worker waits in the client's limiter; longer waits are requeues.</summary>
    public static readonly TimeSpan MaxBlockingWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The rate-limited cloud APIs an action needs: the one it calls and, for <see cref="FindStrays"/>, the
    /// <c>CreateNetworkInterface</c> it precedes — looking for strays while creates are at their limit only spends
    /// DescribeNetworkInterfaces budget on a lookup that is repeated once the create can go (the strays are not kept
    /// across reconciles), budget that pods waiting for their attach to show InUse need.
    /// </summary>
    public static IReadOnlyList<string> ApisOf(PodEniAction action) => action switch
    {
        CreateEni => ["CreateNetworkInterface"],
        Attach => ["AttachNetworkInterface"],
        Detach => ["DetachNetworkInterface"],
        DeleteEni => ["DeleteNetworkInterface"],
        ReadCloud => ["DescribeNetworkInterfaces"],
        FindStrays => ["DescribeNetworkInterfaces", "CreateNetworkInterface"],
        _ => [],
    };

    /// <summary>The longest wait among <paramref name="action"/>'s APIs, or zero for actions without a cloud call.</summary>
    public static TimeSpan WaitFor(PodEniAction action, Func<string, TimeSpan> rateLimitDelay)
    {
        var wait = TimeSpan.Zero;
        foreach (var api in ApisOf(action))
        {
            var d = rateLimitDelay(api);
            wait = d > wait ? d : wait;
        }

        return wait;
    }

    /// <summary>The requeue delay for a step whose API would wait <paramref name="wait"/> for its permit, or null to call it now.</summary>
    public static TimeSpan? Defer(TimeSpan wait) => wait > MaxBlockingWait ? wait : null;
}
