using System.Net.Sockets;
using Terway.CniShim.Protocol;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Cni;

/// <summary>
/// Turns what the datapath built into a CNI result: the container interface (with its sandbox) first,
/// the host-side interface (sandbox empty, so <c>bandwidth</c> finds the host veth), every address with
/// <c>interface: 0</c> (so <c>portmap</c> finds the container IP), and the pod's routes.
/// </summary>
internal static class ResultMapping
{
    public static CniResult ToCni(PodInterfaceResult result)
    {
        var cni = new CniResult();
        cni.Interfaces.Add(Interface(result.Container));
        if (result.Host is { } host)
        {
            cni.Interfaces.Add(Interface(host with { Sandbox = null }));
        }

        foreach (var ip in result.IPs)
        {
            cni.IPs.Add(new CniIPConfig { Address = $"{ip.Address}/{ip.PrefixLength}", Gateway = ip.Gateway?.ToString(), Interface = 0 });
        }

        foreach (var route in result.Routes)
        {
            cni.Routes.Add(new CniRoute { Dst = route.Destination.ToString(), Gateway = route.Gateway?.ToString() });
        }

        return cni;
    }

    /// <summary>Addresses as Terway's event prints them: <c>10.0.1.17/24</c> with the allocation's prefix.</summary>
    public static string Describe(PodNetworkRequest request) =>
        string.Join(",", request.Addresses.Select(a => $"{a.Address}/{a.PrefixLength}"));

    /// <summary>The <c>k8s.aliyun.com/pod-ips</c> value: IPv4 then IPv6, comma-separated.</summary>
    public static string PodIps(PodNetworkRequest request) =>
        string.Join(",", request.Addresses.OrderBy(a => a.Address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).Select(a => a.Address.ToString()));

    private static CniInterface Interface(PodInterface i) => new()
    {
        Name = i.Name,
        Mac = i.MacString,
        Mtu = i.Mtu,
        Sandbox = i.Sandbox,
    };
}
