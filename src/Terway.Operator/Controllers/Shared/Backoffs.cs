using Terway.Operator.Configuration;

namespace Terway.Operator.Controllers.Shared;

/// <summary>Delays from Terway's named backoffs, with jitter.</summary>
internal static class Backoffs
{
    /// <summary>The delay before poll <paramref name="attempt"/> (0 = right after the action).</summary>
    public static TimeSpan Delay(BackoffSpec spec, int attempt, Random random)
    {
        var delay = spec.DelayFor(attempt);
        if (spec.Jitter > 0)
        {
            delay += TimeSpan.FromTicks((long)(delay.Ticks * spec.Jitter * random.NextDouble()));
        }

        return delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay;
    }
}
