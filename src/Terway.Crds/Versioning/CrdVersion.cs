using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Terway.Crds.Versioning;

/// <summary>
/// Terway's CRD upgrade rule: an installed CRD is replaced only when its
/// <c>crd.network.alibabacloud.com/version</c> annotation is missing, unparseable or lower
/// than the version being installed. Versions are <c>vMAJOR.MINOR.PATCH</c> (the leading v
/// optional); pre-release and build suffixes are not used.
/// </summary>
public static class CrdVersion
{
    /// <summary>Parses <c>v1.2.3</c> or <c>1.2.3</c>.</summary>
    /// <param name="text">The version text.</param>
    /// <param name="version">The parsed version.</param>
    /// <returns>False when the text is not a three-part version.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Version? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s[0] is 'v' or 'V')
        {
            s = s[1..];
        }

        var parts = s.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var numbers = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (parts[i].Length == 0 || !int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return false;
            }
        }

        version = new Version(numbers[0], numbers[1], numbers[2]);
        return true;
    }

    /// <summary>Whether an installed CRD should be replaced by one carrying <paramref name="candidate"/>.</summary>
    /// <param name="installed">The installed CRD's version annotation, or null when absent.</param>
    /// <param name="candidate">The version about to be installed.</param>
    /// <returns>True when the installed version is missing, unparseable or lower.</returns>
    /// <exception cref="ArgumentException"><paramref name="candidate"/> is not a version.</exception>
    public static bool ShouldReplace(string? installed, string candidate)
    {
        if (!TryParse(candidate, out var next))
        {
            throw new ArgumentException($"'{candidate}' is not a vMAJOR.MINOR.PATCH version.", nameof(candidate));
        }

        return !TryParse(installed, out var current) || current < next;
    }
}
