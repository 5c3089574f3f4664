using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Terway.NodeAgent.Netlink;

namespace Terway.Sandbox.Fabric;

/// <summary>
/// Waits for an IPv6 address the fabric added to be fully in place. Even with NODAD the kernel
/// finishes an IPv6 address on its address workqueue: the address may still be tentative and its
/// local route (table 255) is inserted a moment after the netlink request returned. A namespace
/// snapshot taken in between differs from one taken later, so the fabric does not return before
/// the address has settled.
/// </summary>
internal static class Ipv6Settle
{
    /// <summary>IFA_F_DADFAILED (linux/if_addr.h), not among the node agent's constants.</summary>
    private const uint DadFailed = 0x08;

    /// <summary>Longest wait; the kernel normally finishes within a millisecond or two.</summary>
    internal static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Returns once <paramref name="address"/> on link <paramref name="index"/> is non-tentative
    /// and its local route exists; throws <see cref="TimeoutException"/> after <see cref="Deadline"/>.
    /// </summary>
    public static void WaitForAddress(RtNetlink netlink, int index, IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (IsSettled(netlink, index, address))
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > Deadline)
            {
                throw new TimeoutException($"IPv6 address {address} on link #{index} did not settle (non-tentative with a local route) within {Deadline.TotalSeconds} s");
            }

            // Polled with a deadline: the kernel sends no reply for "local route inserted" on this socket.
            Thread.Sleep(1);
        }
    }

    private static bool IsSettled(RtNetlink netlink, int index, IPAddress address)
    {
        var present = netlink.ListAddresses(index, AddressFamily.InterNetworkV6)
            .Any(a => a.Address.Equals(address) && (a.Flags & (Ifa.F_TENTATIVE | DadFailed)) == 0);
        return present && netlink.ListRoutes(AddressFamily.InterNetworkV6, Rta.RT_TABLE_LOCAL)
            .Any(r => r.Type == Rta.RTN_LOCAL && r.DestinationPrefix == 128 && address.Equals(r.Destination));
    }
}
