using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Terway.Crds.Durations;

/// <summary>
/// Go <c>time.Duration</c> strings (<c>5m0s</c>, <c>1h30m</c>, <c>300ms</c>), as Terway writes
/// them in <c>releaseAfter</c>, <c>poolSyncPeriod</c> and the reclaim policy. Parsing accepts
/// exactly what Go's <c>time.ParseDuration</c> accepts; formatting produces what Go's
/// <c>Duration.String</c> produces.
/// </summary>
public static class GoDuration
{
    /// <summary>
    /// RE2/.NET regular expression for the Go duration syntax. The CRD's CEL rule for
    /// <c>releaseAfter</c> is built from this constant, so the API server and the parser agree.
    /// It cannot see overflow (more than about 292 years), which only the parser rejects.
    /// </summary>
    public const string Pattern = "^[-+]?(0|(([0-9]+([.][0-9]*)?|[.][0-9]+)(ns|us|\u00B5s|\u03BCs|ms|s|m|h))+)$";

    private const long NanosecondsPerTick = 100;
    private const ulong Microsecond = 1_000;
    private const ulong Millisecond = 1_000_000;
    private const ulong Second = 1_000_000_000;
    private const ulong Minute = 60 * Second;
    private const ulong Hour = 60 * Minute;
    private const ulong MaxMagnitude = 1UL << 63; // |long.MinValue|

    /// <summary>Parses a Go duration into nanoseconds.</summary>
    /// <param name="text">The duration text.</param>
    /// <param name="nanoseconds">The parsed value; 0 when parsing fails.</param>
    /// <returns>False for anything <c>time.ParseDuration</c> rejects, including overflow.</returns>
    public static bool TryParseNanoseconds([NotNullWhen(true)] string? text, out long nanoseconds)
    {
        nanoseconds = 0;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        ulong total = 0;
        while (!s.IsEmpty)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                return false;
            }

            // Integer part: overflow here is an error, as in Go.
            var digits = 0;
            ulong whole = 0;
            while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            {
                if (whole > MaxMagnitude / 10)
                {
                    return false;
                }

                whole = (whole * 10) + (ulong)(s[digits] - '0');
                if (whole > MaxMagnitude)
                {
                    return false;
                }

                digits++;
            }

            var hasWhole = digits > 0;
            s = s[digits..];

            // Fraction part: digits beyond what fits are consumed and ignored, as in Go.
            ulong fraction = 0;
            var scale = 1.0;
            var hasFraction = false;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                var fractionDigits = 0;
                var saturated = false;
                while (fractionDigits < s.Length && char.IsAsciiDigit(s[fractionDigits]))
                {
                    if (!saturated)
                    {
                        var next = (fraction * 10) + (ulong)(s[fractionDigits] - '0');
                        if (fraction > long.MaxValue / 10 || next > MaxMagnitude)
                        {
                            saturated = true;
                        }
                        else
                        {
                            fraction = next;
                            scale *= 10;
                        }
                    }

                    fractionDigits++;
                }

                hasFraction = fractionDigits > 0;
                s = s[fractionDigits..];
            }

            if (!hasWhole && !hasFraction)
            {
                return false;
            }

            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            if (unitLength == 0 || !TryUnit(s[..unitLength], out var unit))
            {
                return false;
            }

            s = s[unitLength..];
            if (whole > MaxMagnitude / unit)
            {
                return false;
            }

            var value = whole * unit;
            if (fraction > 0)
            {
                value += (ulong)(fraction * (unit / scale));
                if (value > MaxMagnitude)
                {
                    return false;
                }
            }

            total += value;
            if (total > MaxMagnitude)
            {
                return false;
            }
        }

        if (negative)
        {
            nanoseconds = total == MaxMagnitude ? long.MinValue : -(long)total;
            return true;
        }

        if (total > long.MaxValue)
        {
            return false;
        }

        nanoseconds = (long)total;
        return true;
    }

    /// <summary>Parses a Go duration into a <see cref="TimeSpan"/> (truncated to 100 ns ticks).</summary>
    /// <param name="text">The duration text.</param>
    /// <param name="duration">The parsed value; zero when parsing fails.</param>
    /// <returns>False for anything <c>time.ParseDuration</c> rejects.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan duration)
    {
        if (TryParseNanoseconds(text, out var ns))
        {
            duration = TimeSpan.FromTicks(ns / NanosecondsPerTick);
            return true;
        }

        duration = TimeSpan.Zero;
        return false;
    }

    /// <summary>Parses a Go duration into a <see cref="TimeSpan"/>.</summary>
    /// <param name="text">The duration text.</param>
    /// <returns>The duration, truncated to 100 ns ticks.</returns>
    /// <exception cref="FormatException">The text is not a Go duration.</exception>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d) ? d : throw new FormatException($"'{text}' is not a Go duration (e.g. 5m0s, 1h30m, 300ms).");

    /// <summary>Formats nanoseconds the way Go's <c>Duration.String</c> does (<c>1h30m0s</c>, <c>1.5s</c>, <c>300ms</c>).</summary>
    /// <param name="nanoseconds">The duration in nanoseconds.</param>
    /// <returns>The Go duration text.</returns>
    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return "0s";
        }

        var magnitude = nanoseconds < 0 ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var sb = new StringBuilder(24);
        if (nanoseconds < 0)
        {
            sb.Append('-');
        }

        if (magnitude < Second)
        {
            // Below one second Go picks the largest sub-second unit that keeps the integer part non-zero.
            var (unit, suffix, decimals) = magnitude switch
            {
                < Microsecond => (1UL, "ns", 0),
                < Millisecond => (Microsecond, "\u00B5s", 3),
                _ => (Millisecond, "ms", 6),
            };
            AppendDecimal(sb, magnitude / unit, magnitude % unit, decimals);
            sb.Append(suffix);
            return sb.ToString();
        }

        var hours = magnitude / Hour;
        var minutes = magnitude % Hour / Minute;
        var secondsPart = magnitude % Minute;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        AppendDecimal(sb, secondsPart / Second, secondsPart % Second, 9);
        sb.Append('s');
        return sb.ToString();
    }

    /// <summary>Formats a <see cref="TimeSpan"/> the way Go's <c>Duration.String</c> does.</summary>
    /// <param name="duration">The duration.</param>
    /// <returns>The Go duration text.</returns>
    public static string Format(TimeSpan duration) => Format(checked(duration.Ticks * NanosecondsPerTick));

    private static void AppendDecimal(StringBuilder sb, ulong whole, ulong fraction, int decimals)
    {
        sb.Append(whole.ToString(CultureInfo.InvariantCulture));
        if (fraction == 0)
        {
            return;
        }

        var digits = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0').TrimEnd('0');
        sb.Append('.').Append(digits);
    }

    private static bool TryUnit(ReadOnlySpan<char> unit, out ulong nanoseconds)
    {
        nanoseconds = unit switch
        {
            "ns" => 1,
            "us" or "\u00B5s" or "\u03BCs" => Microsecond,
            "ms" => Millisecond,
            "s" => Second,
            "m" => Minute,
            "h" => Hour,
            _ => 0,
        };
        return nanoseconds != 0;
    }
}
