namespace Terway.Sandbox.Cloud.Model;

/// <summary>
/// Publishes knob changes atomically: a change is applied to a private copy, validated, then
/// swapped in, so readers never see a half-applied change and need no lock.
/// </summary>
internal sealed class KnobsHolder
{
    private readonly Lock _gate = new();
    private SimulatorKnobs _current;

    public KnobsHolder(SimulatorKnobs initial)
    {
        var copy = initial.Clone();
        copy.Validate();
        _current = copy;
    }

    /// <summary>The current knobs. Callers must not modify the returned object.</summary>
    public SimulatorKnobs Current => Volatile.Read(ref _current);

    public void Update(Action<SimulatorKnobs> change)
    {
        lock (_gate)
        {
            var copy = _current.Clone();
            change(copy);
            copy.Validate();
            Volatile.Write(ref _current, copy);
        }
    }

    /// <summary>A duration in cloud time converted to simulator time.</summary>
    public TimeSpan Scale(TimeSpan cloudTime) => TimeSpan.FromTicks((long)(cloudTime.Ticks / Current.TimeScale));
}
