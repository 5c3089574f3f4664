using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Terway.Sandbox.Cloud.Model;

/// <summary>An IPv4 CIDR block with a clean network address.</summary>
internal readonly record struct Ipv4Cidr(uint Network, int PrefixLength)
{
    /// <summary>Number of addresses in the block.</summary>
    public long Size => 1L << (32 - PrefixLength);

    /// <summary>The last address of the block.</summary>
    public uint Last => (uint)(Network + (Size - 1));

    public bool Contains(uint address) => address >= Network && address <= Last;

    /// <summary>True when <paramref name="other"/> lies entirely inside this block (or equals it).</summary>
    public bool Contains(Ipv4Cidr other) => Contains(other.Network) && Contains(other.Last);

    public bool Overlaps(Ipv4Cidr other) => Network <= other.Last && other.Network <= Last;

    public override string ToString() => Ipv4.Format(Network) + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses <c>a.b.c.d/n</c> (or a bare address when <paramref name="allowBareAddress"/>, as /32).
    /// Host bits must be zero.
    /// </summary>
    public static bool TryParse(string text, bool allowBareAddress, out Ipv4Cidr cidr)
    {
        cidr = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        int prefix;
        if (slash < 0)
        {
            if (!allowBareAddress)
            {
                return false;
            }

            prefix = 32;
        }
        else if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 32)
        {
            return false;
        }

        if (!Ipv4.TryParse(addressText, out var network))
        {
            return false;
        }

        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        if ((network & ~mask) != 0)
        {
            return false;
        }

        cidr = new Ipv4Cidr(network, prefix);
        return true;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, false, out var c) ? c : throw new FormatException($"'{text}' is not an IPv4 CIDR block with a clean network address.");
}

/// <summary>Dotted-quad helpers; only the strict four-part decimal form is accepted.</summary>
internal static class Ipv4
{
    public static bool TryParse(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')
                || !byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                return false;
            }

            address = (address << 8) | b;
        }

        return true;
    }

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");
}

/// <summary>An IPv6 CIDR block with a clean network address.</summary>
internal readonly record struct Ipv6Cidr(UInt128 Network, int PrefixLength)
{
    public UInt128 HostMask => PrefixLength == 128 ? UInt128.Zero : (UInt128.One << (128 - PrefixLength)) - UInt128.One;

    public bool Contains(UInt128 address) => (address & ~HostMask) == Network;

    public bool Contains(Ipv6Cidr other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    public override string ToString() => Ipv6.Format(Network) + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string text, bool allowBareAddress, out Ipv6Cidr cidr)
    {
        cidr = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        int prefix;
        if (slash < 0)
        {
            if (!allowBareAddress)
            {
                return false;
            }

            prefix = 128;
        }
        else if (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > 128)
        {
            return false;
        }

        if (!Ipv6.TryParse(addressText, out var network))
        {
            return false;
        }

        var candidate = new Ipv6Cidr(network, prefix);
        if ((network & candidate.HostMask) != UInt128.Zero)
        {
            return false;
        }

        cidr = candidate;
        return true;
    }

    public static Ipv6Cidr Parse(string text) =>
        TryParse(text, false, out var c) ? c : throw new FormatException($"'{text}' is not an IPv6 CIDR block with a clean network address.");
}

/// <summary>IPv6 text helpers (RFC 5952 formatting through <see cref="IPAddress"/>).</summary>
internal static class Ipv6
{
    public static bool TryParse(string text, out UInt128 address)
    {
        address = UInt128.Zero;
        if (!text.Contains(':', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = ToUInt128(bytes);
        return true;
    }

    public static string Format(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 15; i >= 0; i--)
        {
            bytes[i] = (byte)(address & 0xFF);
            address >>= 8;
        }

        return new IPAddress(bytes).ToString();
    }

    private static UInt128 ToUInt128(ReadOnlySpan<byte> bytes)
    {
        UInt128 value = UInt128.Zero;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }
}
