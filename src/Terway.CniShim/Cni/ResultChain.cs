using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>
/// How terway's result joins a chain. First in the chain (no prevResult) the result is terway's own.
/// Later in a chain, prevResult is passed through and terway's interfaces, addresses and routes are
/// appended after it, with terway's <c>ips[].interface</c> indexes shifted past the previous
/// interfaces. DNS from the network configuration wins over prevResult's, which wins over nothing.
/// </summary>
internal static class ResultChain
{
    public static CniResult Merge(CniResult? previous, CniResult own, CniDns? configuredDns)
    {
        var merged = new CniResult();
        if (previous is not null)
        {
            merged.Interfaces.AddRange(previous.Interfaces);
            merged.IPs.AddRange(previous.IPs);
            merged.Routes.AddRange(previous.Routes);
        }

        var offset = merged.Interfaces.Count;
        merged.Interfaces.AddRange(own.Interfaces);
        merged.IPs.AddRange(own.IPs.Select(ip => new CniIPConfig
        {
            Address = ip.Address,
            Gateway = ip.Gateway,
            Interface = ip.Interface is { } i ? i + offset : null,
        }));
        merged.Routes.AddRange(own.Routes);
        merged.Dns = configuredDns is { IsEmpty: false } ? configuredDns : own.Dns ?? previous?.Dns;
        return merged;
    }
}
