using System.Net;
using System.Numerics;
using System.Net.Sockets;

namespace Terway.NodeAgent.Allocation;

/// <summary>
/// Node-local IPAM of VPC mode: the lowest free address of the node's podCIDR. The network address,
/// the first host address (kept free, as host-local keeps its gateway) and, for IPv4, the broadcast
/// address are never handed out. What is in use comes from the checkpoint, so there is no second
/// store to keep consistent with it.
/// </summary>
internal static class VpcIpam
{
    public static IPAddress? Allocate(IPNetwork podCidr, IReadOnlySet<IPAddress> inUse)
    {
        var bits = podCidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var hostBits = bits - podCidr.PrefixLength;
        if (hostBits < 2)
        {
            return null;
        }

        var size = BigInteger.One << hostBits;
        var last = bits == 32 ? size - 2 : size - 1;
        var baseValue = new BigInteger(podCidr.BaseAddress.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        for (var offset = new BigInteger(2); offset <= last; offset++)
        {
            var candidate = ToAddress(baseValue + offset, bits / 8);
            if (!inUse.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static IPAddress ToAddress(BigInteger value, int length)
    {
        var bytes = new byte[length];
        value.TryWriteBytes(bytes, out var written, isUnsigned: true, isBigEndian: true);
        if (written < length)
        {
            Array.Copy(bytes, 0, bytes, length - written, written);
            Array.Clear(bytes, 0, length - written);
        }

        return new IPAddress(bytes);
    }
}
