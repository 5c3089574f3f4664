using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Terway.Crds.Addressing;

/// <summary>
/// The gateway of an Alibaba Cloud vSwitch is the third-to-last address of its CIDR ("CIDR
/// index −3": 10.0.0.253 in 10.0.0.0/24), for IPv4 and IPv6 alike. Terway derives pod
/// gateways from PodENI <c>ipv4CIDR</c>/<c>ipv6CIDR</c> this way.
/// </summary>
public static class VSwitchGateway
{
    /// <summary>Derives the gateway from a CIDR such as <c>10.0.0.0/24</c>; host bits in the address are ignored.</summary>
    /// <param name="cidr">The vSwitch CIDR.</param>
    /// <param name="gateway">The gateway address.</param>
    /// <returns>False when the text is not a CIDR or the network has fewer than four addresses.</returns>
    public static bool TryDerive([NotNullWhen(true)] string? cidr, [NotNullWhen(true)] out IPAddress? gateway)
    {
        gateway = null;
        if (string.IsNullOrWhiteSpace(cidr))
        {
            return false;
        }

        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0
            || !IsStrictAddress(cidr.AsSpan(0, slash))
            || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var address)
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefixLength))
        {
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefixLength > bits || bits - prefixLength < 2)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var hostBits = bits - prefixLength;
        var size = BigInteger.One << hostBits;
        var network = value - (value % size);
        var gatewayValue = network + size - 3;

        var output = new byte[bytes.Length];
        gatewayValue.TryWriteBytes(output, out var written, isUnsigned: true, isBigEndian: true);
        if (written < output.Length)
        {
            // BigInteger writes the minimal number of bytes; right-align them.
            Array.Copy(output, 0, output, output.Length - written, written);
            Array.Clear(output, 0, output.Length - written);
        }

        gateway = new IPAddress(output);
        return true;
    }

    // IPAddress also accepts legacy IPv4 forms ("10.0.0", "0x0a.0.0.1"); CIDRs from the cloud
    // and from Go's net.ParseCIDR are dotted quads of decimal numbers.
    private static bool IsStrictAddress(ReadOnlySpan<char> text)
    {
        if (text.Contains(':'))
        {
            return true;
        }

        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (part.Length is 0 or > 3 || part.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }

    /// <summary>Derives the gateway from a CIDR.</summary>
    /// <param name="cidr">The vSwitch CIDR.</param>
    /// <returns>The gateway address.</returns>
    /// <exception cref="FormatException">Not a CIDR, or a network too small to have a gateway.</exception>
    public static IPAddress Derive(string cidr) =>
        TryDerive(cidr, out var gw) ? gw : throw new FormatException($"'{cidr}' is not a vSwitch CIDR with a gateway.");
}
