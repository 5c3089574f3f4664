using System.Globalization;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>The CNI specification versions terway speaks, and what each allows.</summary>
internal static class CniVersions
{
    /// <summary>The newest version: what VERSION reports and what errors use when the request's is unknown.</summary>
    public const string Latest = "1.1.0";

    /// <summary>Every version terway accepts, oldest first.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    /// <summary>The version a configuration without <c>cniVersion</c> has, per the specification.</summary>
    public const string Implicit = "0.1.0";

    /// <summary>True when <paramref name="version"/> is one of <see cref="Supported"/>.</summary>
    public static bool IsSupported(string version) => Supported.Contains(version, StringComparer.Ordinal);

    /// <summary>Compares two <c>major.minor.patch</c> versions; unparseable parts count as 0.</summary>
    public static int Compare(string a, string b)
    {
        var x = Parse(a);
        var y = Parse(b);
        for (var i = 0; i < 3; i++)
        {
            var c = x[i].CompareTo(y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    /// <summary>Results before 1.0.0 carry <c>ips[].version</c> ("4"/"6").</summary>
    public static bool HasIPVersionField(string version) => Compare(version, "1.0.0") < 0;

    /// <summary>Interface <c>mtu</c>/<c>socketPath</c>/<c>pciID</c> and route <c>mtu</c>/<c>advmss</c>/... exist from 1.1.0.</summary>
    public static bool HasExtendedFields(string version) => Compare(version, "1.1.0") >= 0;

    /// <summary>
    /// Fails with code 1 when <paramref name="version"/> is not supported or does not allow
    /// <paramref name="command"/> (CHECK from 0.4.0, STATUS and GC from 1.1.0), like the reference skel.
    /// </summary>
    public static void RequireFor(string command, string version)
    {
        if (!IsSupported(version))
        {
            throw new CniException(CniErrorCodes.IncompatibleVersion, "incompatible CNI versions",
                $"config is \"{version}\", plugin supports [\"{string.Join("\" \"", Supported)}\"]");
        }

        var minimum = command switch
        {
            CniCommands.Check => "0.4.0",
            CniCommands.Status or CniCommands.Gc => "1.1.0",
            _ => null,
        };
        if (minimum is not null && Compare(version, minimum) < 0)
        {
            throw new CniException(CniErrorCodes.IncompatibleVersion, $"config version does not allow {command}",
                $"{command} needs cniVersion {minimum} or later; the configuration has {version}");
        }
    }

    private static int[] Parse(string version)
    {
        var parts = new int[3];
        var fields = version.Split('.');
        for (var i = 0; i < 3 && i < fields.Length; i++)
        {
            _ = int.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out parts[i]);
        }

        return parts;
    }
}
