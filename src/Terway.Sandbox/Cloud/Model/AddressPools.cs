using System.Collections;

namespace Terway.Sandbox.Cloud.Model;

/// <summary>
/// The IPv4 address book of one vSwitch. The cloud reserves the first address and the last three
/// of every vSwitch CIDR (a /24 loses .0, .253, .254, .255), so the capacity is size − 4; every
/// other address is either free or held by exactly one owner (an ENI, or an out-of-band reservation).
/// </summary>
internal sealed class Ipv4Pool
{
    private readonly BitArray _used;
    private readonly int _size;

    public Ipv4Pool(Ipv4Cidr cidr)
    {
        if (cidr.PrefixLength > 29)
        {
            throw new ArgumentException($"vSwitch CIDR {cidr} is smaller than /29, which the cloud does not allow.", nameof(cidr));
        }

        Cidr = cidr;
        _size = (int)cidr.Size;
        _used = new BitArray(_size);
    }

    public Ipv4Cidr Cidr { get; }

    /// <summary>Addresses usable by ENIs: the block minus the four reserved ones.</summary>
    public int Capacity => _size - 4;

    /// <summary>Addresses currently held.</summary>
    public int Used { get; private set; }

    /// <summary>What DescribeVSwitches reports as <c>AvailableIpAddressCount</c>.</summary>
    public int Available => Capacity - Used;

    /// <summary>True when the address is inside the block and not one of the reserved four.</summary>
    public bool IsAssignable(uint address)
    {
        if (!Cidr.Contains(address))
        {
            return false;
        }

        var offset = (int)(address - Cidr.Network);
        return offset != 0 && offset < _size - 3;
    }

    public bool IsUsed(uint address) => Cidr.Contains(address) && _used[(int)(address - Cidr.Network)];

    /// <summary>Takes a specific assignable, free address.</summary>
    public bool TryClaim(uint address)
    {
        if (!IsAssignable(address) || IsUsed(address))
        {
            return false;
        }

        _used[(int)(address - Cidr.Network)] = true;
        Used++;
        return true;
    }

    /// <summary>
    /// Takes a free address at a pseudo-random position (the cloud does not hand out addresses in
    /// order; clients must not rely on contiguity).
    /// </summary>
    public bool TryAllocate(Random random, out uint address)
    {
        address = 0;
        if (Available <= 0)
        {
            return false;
        }

        var span = _size - 4; // offsets 1 .. size-4
        var start = random.Next(span);
        for (var i = 0; i < span; i++)
        {
            var offset = 1 + ((start + i) % span);
            if (!_used[offset])
            {
                _used[offset] = true;
                Used++;
                address = Cidr.Network + (uint)offset;
                return true;
            }
        }

        return false;
    }

    public void Release(uint address)
    {
        if (!IsUsed(address))
        {
            throw new InvalidOperationException($"Address {Ipv4.Format(address)} is not held in {Cidr}.");
        }

        _used[(int)(address - Cidr.Network)] = false;
        Used--;
    }
}

/// <summary>The IPv6 address book of one vSwitch (a /64 in practice): held addresses only.</summary>
internal sealed class Ipv6Pool(Ipv6Cidr cidr)
{
    private readonly HashSet<UInt128> _used = [];

    public Ipv6Cidr Cidr { get; } = cidr;

    public int Used => _used.Count;

    /// <summary>Any address of the block except the all-zero host part.</summary>
    public bool IsAssignable(UInt128 address) => Cidr.Contains(address) && (address & Cidr.HostMask) != UInt128.Zero;

    public bool IsUsed(UInt128 address) => _used.Contains(address);

    public bool TryClaim(UInt128 address) => IsAssignable(address) && _used.Add(address);

    public UInt128 Allocate(Random random)
    {
        Span<byte> buf = stackalloc byte[8];
        while (true)
        {
            random.NextBytes(buf);
            var host = (UInt128)BitConverter.ToUInt64(buf) & Cidr.HostMask;
            var candidate = Cidr.Network | host;
            if (IsAssignable(candidate) && _used.Add(candidate))
            {
                return candidate;
            }
        }
    }

    public void Release(UInt128 address)
    {
        if (!_used.Remove(address))
        {
            throw new InvalidOperationException($"Address {Ipv6.Format(address)} is not held in {Cidr}.");
        }
    }
}
