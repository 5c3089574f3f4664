using Terway.NodeAgent.Netlink;

namespace Terway.NodeAgent.Datapath.Shared;

/// <summary>A veth pair with one end in the node (host) namespace and the other in the pod.</summary>
internal static class VethPair
{
    /// <summary>
    /// Creates the pair (pod end created up and directly inside the pod namespace) or, when it
    /// exists already, converges MTU and link state. A pod interface with the wanted name that
    /// is not the peer of the host end is someone else's: that is an error.
    /// </summary>
    public static (LinkInfo Host, LinkInfo Pod) Ensure(HostContext host, PodNamespace pod, string hostName, string podName, int mtu, string podKey)
    {
        var podLink = pod.Netlink.GetLink(podName);
        var hostLink = host.Netlink.GetLink(hostName);
        if (podLink is not null)
        {
            if (!IsPair(hostLink, podLink))
            {
                throw new InterfaceExistsException(
                    $"pod {podKey}: interface {podName} already exists in {pod.Path} and is not the peer of {hostName}");
            }

            return (Converge(host.Netlink, hostLink!, mtu), Converge(pod.Netlink, podLink, mtu));
        }

        if (hostLink is not null)
        {
            // A host end left from an earlier sandbox whose pod end is gone or elsewhere.
            host.Netlink.DeleteLink(hostLink.Index, hostName);
        }

        host.Netlink.CreateVeth(
            podName,
            hostName,
            new NewLinkOptions { Up = true, Mtu = mtu, NamespaceFd = pod.Handle.Fd },
            new NewLinkOptions { Up = true, Mtu = mtu });
        hostLink = host.Netlink.GetLink(hostName) ?? throw new NetlinkException($"RTM_GETLINK {hostName}", Interop.Errno.ENODEV);
        podLink = pod.Netlink.GetLink(podName) ?? throw new NetlinkException($"RTM_GETLINK {podName} in {pod.Path}", Interop.Errno.ENODEV);
        return (hostLink, podLink);
    }

    /// <summary>True when the two links are the two ends of one veth.</summary>
    public static bool IsPair(LinkInfo? hostLink, LinkInfo? podLink) =>
        hostLink is { Kind: "veth" } && podLink is { Kind: "veth" }
        && hostLink.ParentIndex == podLink.Index && podLink.ParentIndex == hostLink.Index;

    public static LinkInfo Converge(RtNetlink nl, LinkInfo link, int mtu)
    {
        if (link.IsUp && link.Mtu == mtu)
        {
            return link;
        }

        nl.ChangeLink(link.Index, new LinkChange { Up = true, Mtu = mtu }, link.Name);
        return link with { Mtu = mtu, Flags = link.Flags | Ifla.IFF_UP };
    }
}
