using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json.Serialization;
using Terway.CniShim.Protocol;
using Terway.NodeAgent.Datapath;

namespace Terway.NodeAgent.Checkpoint;

/// <summary>States of an attachment record.</summary>
internal static class AttachmentStates
{
    /// <summary>Written before wiring starts: after a crash the agent rolls the attachment back.</summary>
    public const string Intent = "intent";

    /// <summary>Written once the pod is wired and the result known: the pod owns these resources until DEL or GC.</summary>
    public const string Committed = "committed";
}

/// <summary>
/// One pod interface the agent set up, keyed like host-local's reservations by (containerID, ifname).
/// It holds everything DEL, CHECK and GC need (the full datapath request), so none of them needs
/// the Kubernetes API or the pod's namespace.
/// </summary>
internal sealed class AttachmentRecord
{
    [JsonPropertyName("v")]
    public int FormatVersion { get; set; } = 1;

    [JsonPropertyName("state")]
    public string State { get; set; } = AttachmentStates.Intent;

    [JsonPropertyName("containerID")]
    public string ContainerId { get; set; } = "";

    [JsonPropertyName("ifName")]
    public string IfName { get; set; } = "";

    /// <summary>The CNI network name of the ADD: GC only collects attachments of the network it is called for.</summary>
    [JsonPropertyName("network")]
    public string? Network { get; set; }

    [JsonPropertyName("podNamespace")]
    public string PodNamespace { get; set; } = "";

    [JsonPropertyName("podName")]
    public string PodName { get; set; } = "";

    [JsonPropertyName("podUID")]
    public string? PodUid { get; set; }

    [JsonPropertyName("mode")]
    public DatapathMode Mode { get; set; }

    /// <summary>Where the address came from, for people: "PodENI default/web-0 (eni-…)", "Node CR n1 eni-…", "podCIDR 10.244.1.0/24".</summary>
    [JsonPropertyName("source")]
    public string? Source { get; set; }

    [JsonPropertyName("request")]
    public StoredRequest Request { get; set; } = new();

    /// <summary>The CNI result of the ADD (committed records).</summary>
    [JsonPropertyName("result")]
    public CniResult? Result { get; set; }

    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; set; }

    [JsonIgnore]
    public (string ContainerId, string IfName) Key => (ContainerId, IfName);

    [JsonIgnore]
    public string PodKey => $"{PodNamespace}/{PodName}";

    [JsonIgnore]
    public bool IsCommitted => State == AttachmentStates.Committed;

    public AttachmentRecord With(string state, CniResult? result) => new()
    {
        FormatVersion = FormatVersion,
        State = state,
        ContainerId = ContainerId,
        IfName = IfName,
        Network = Network,
        PodNamespace = PodNamespace,
        PodName = PodName,
        PodUid = PodUid,
        Mode = Mode,
        Source = Source,
        Request = Request,
        Result = result,
        CreatedAt = CreatedAt,
    };

    /// <summary>The addresses the attachment holds.</summary>
    public IEnumerable<IPAddress> Addresses()
    {
        foreach (var text in new[] { Request.IPv4?.Address, Request.IPv6?.Address })
        {
            if (text is not null && IPAddress.TryParse(text, out var ip))
            {
                yield return ip;
            }
        }
    }
}

/// <summary>A <see cref="PodNetworkRequest"/> in JSON-friendly form.</summary>
internal sealed class StoredRequest
{
    [JsonPropertyName("netns")]
    public string? NetnsPath { get; set; }

    [JsonPropertyName("ipv4")]
    public StoredIP? IPv4 { get; set; }

    [JsonPropertyName("ipv6")]
    public StoredIP? IPv6 { get; set; }

    [JsonPropertyName("eniMAC")]
    public string? EniMac { get; set; }

    [JsonPropertyName("vlanID")]
    public int? VlanId { get; set; }

    [JsonPropertyName("mtu")]
    public int Mtu { get; set; } = 1500;

    [JsonPropertyName("serviceCIDRs")]
    public List<string> ServiceCidrs { get; set; } = [];

    [JsonPropertyName("hostStackCIDRs")]
    public List<string> HostStackCidrs { get; set; } = [];

    [JsonPropertyName("nodeIPv4")]
    public string? NodeIPv4 { get; set; }

    [JsonPropertyName("nodeIPv6")]
    public string? NodeIPv6 { get; set; }

    [JsonPropertyName("disableHostPeer")]
    public bool DisableHostPeer { get; set; }

    public static StoredRequest From(PodNetworkRequest r) => new()
    {
        NetnsPath = r.NetnsPath,
        IPv4 = StoredIP.From(r.IPv4),
        IPv6 = StoredIP.From(r.IPv6),
        EniMac = r.EniMac is null ? null : FormatMac(r.EniMac),
        VlanId = r.VlanId,
        Mtu = r.Mtu,
        ServiceCidrs = [.. r.ServiceCidrs.Select(c => c.ToString())],
        HostStackCidrs = [.. r.HostStackCidrs.Select(c => c.ToString())],
        NodeIPv4 = r.NodeIPv4?.ToString(),
        NodeIPv6 = r.NodeIPv6?.ToString(),
        DisableHostPeer = r.DisableHostPeer,
    };

    public PodNetworkRequest ToRequest(string podNamespace, string podName, string containerId, string ifName) => new()
    {
        PodNamespace = podNamespace,
        PodName = podName,
        ContainerId = containerId,
        InterfaceName = ifName,
        NetnsPath = NetnsPath,
        IPv4 = IPv4?.ToConfig(),
        IPv6 = IPv6?.ToConfig(),
        EniMac = EniMac is null ? null : PhysicalAddress.Parse(EniMac.Replace(':', '-')),
        VlanId = VlanId is { } v ? (ushort)v : null,
        Mtu = Mtu,
        ServiceCidrs = [.. ServiceCidrs.Select(IPNetwork.Parse)],
        HostStackCidrs = [.. HostStackCidrs.Select(IPNetwork.Parse)],
        NodeIPv4 = NodeIPv4 is null ? null : IPAddress.Parse(NodeIPv4),
        NodeIPv6 = NodeIPv6 is null ? null : IPAddress.Parse(NodeIPv6),
        DisableHostPeer = DisableHostPeer,
    };

    public static string FormatMac(PhysicalAddress mac) => string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));
}

/// <summary>An address, its prefix length and gateway.</summary>
internal sealed class StoredIP
{
    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    [JsonPropertyName("prefixLength")]
    public int PrefixLength { get; set; }

    [JsonPropertyName("gateway")]
    public string? Gateway { get; set; }

    public static StoredIP? From(PodIPConfig? c) => c is null ? null : new StoredIP
    {
        Address = c.Address.ToString(),
        PrefixLength = c.PrefixLength,
        Gateway = c.Gateway?.ToString(),
    };

    public PodIPConfig ToConfig() => new(IPAddress.Parse(Address), PrefixLength, Gateway is null ? null : IPAddress.Parse(Gateway));
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(AttachmentRecord))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
