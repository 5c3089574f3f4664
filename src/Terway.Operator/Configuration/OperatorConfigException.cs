namespace Terway.Operator.Configuration;

/// <summary>The configuration is unusable; <see cref="Errors"/> lists every problem found, one per line.</summary>
public sealed class OperatorConfigException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public OperatorConfigException(IReadOnlyList<string> errors)
        : base("invalid operator configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>The problems, each naming its key.</summary>
    public IReadOnlyList<string> Errors { get; }
}
