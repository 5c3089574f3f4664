using System.Text.Json.Serialization;

// This file is compiled into both the terway CNI plugin and the node agent (linked from
// src/Terway.NodeAgent), so the two ends of the unix socket share one definition of the wire.
namespace Terway.CniShim.Protocol;

/// <summary>
/// The CNI plugin ↔ node agent protocol: one request and one response per connection, each a
/// frame of a 4-byte big-endian length followed by that many bytes of UTF-8 JSON
/// (<see cref="AgentFraming"/>). The plugin converts the version-neutral result to the CNI
/// version the runtime asked for; the agent never sees CNI versions except for logging.
/// </summary>
internal static class AgentProtocol
{
    /// <summary>The protocol version both ends speak; the agent rejects any other.</summary>
    public const int Version = 1;

    /// <summary>Default path of the agent's socket on the node.</summary>
    public const string DefaultSocketPath = "/var/run/terway/cni.sock";

    /// <summary>Default directory of DEL records written while the agent was unreachable.</summary>
    public const string DefaultPendingReleaseDirectory = "/var/lib/terway/pending-release";
}

/// <summary>CNI commands, as in <c>CNI_COMMAND</c>.</summary>
internal static class CniCommands
{
    public const string Add = "ADD";
    public const string Del = "DEL";
    public const string Check = "CHECK";
    public const string Status = "STATUS";
    public const string Gc = "GC";
    public const string Version = "VERSION";
}

/// <summary>
/// CNI error codes: the specification's (1–11, 50, 51, 999) and terway's own (100 and up,
/// documented in docs/cni.md).
/// </summary>
internal static class CniErrorCodes
{
    /// <summary>The requested CNI version is not supported (or does not allow the command).</summary>
    public const int IncompatibleVersion = 1;

    /// <summary>A network configuration field terway does not support; the message names key and value.</summary>
    public const int UnsupportedField = 2;

    /// <summary>The container is unknown; the runtime need not clean anything up.</summary>
    public const int UnknownContainer = 3;

    /// <summary>A required environment variable is missing or invalid; the message names it.</summary>
    public const int InvalidEnvironment = 4;

    /// <summary>An I/O failure (reading stdin, writing the pending-release record).</summary>
    public const int IOFailure = 5;

    /// <summary>The configuration (or prevResult) on stdin could not be decoded.</summary>
    public const int DecodingFailure = 6;

    /// <summary>The network configuration is invalid.</summary>
    public const int InvalidNetworkConfig = 7;

    /// <summary>Transient: the runtime should retry (agent unreachable, allocation not ready, kernel error).</summary>
    public const int TryAgainLater = 11;

    /// <summary>STATUS: the plugin cannot serve ADD now.</summary>
    public const int PluginNotAvailable = 50;

    /// <summary>STATUS: not available, and existing containers may have limited connectivity.</summary>
    public const int LimitedConnectivity = 51;

    /// <summary>Plugin: CNI_IFNAME already exists in the pod's namespace and is not terway's.</summary>
    public const int InterfaceExists = 100;

    /// <summary>Plugin: the pod's network namespace (CNI_NETNS) cannot be opened.</summary>
    public const int NetnsUnusable = 101;

    /// <summary>Plugin: the pod named in CNI_ARGS does not exist on this node, or its UID differs.</summary>
    public const int PodNotFound = 102;

    /// <summary>Plugin: the pod's PodENI is bound through a different trunk ENI than this node's.</summary>
    public const int TrunkMismatch = 103;

    /// <summary>Plugin: the kernel lacks a feature the pod's datapath needs.</summary>
    public const int KernelFeatureMissing = 104;

    /// <summary>Plugin: CHECK found drift it could not repair, or prevResult disagrees with the attachment.</summary>
    public const int CheckFailed = 105;

    /// <summary>Plugin: the agent's answer could not be understood (version skew between plugin and agent).</summary>
    public const int AgentProtocol = 106;

    /// <summary>Plugin: the agent failed unexpectedly (see its log).</summary>
    public const int AgentInternal = 107;

    /// <summary>Plugin: the pod's allocation is malformed (missing MAC, VLAN id, CIDR ...).</summary>
    public const int InvalidAllocation = 108;
}

/// <summary>One CNI call forwarded to the agent.</summary>
internal sealed class AgentRequest
{
    /// <summary>Protocol version (<see cref="AgentProtocol.Version"/>).</summary>
    [JsonPropertyName("v")]
    public int ProtocolVersion { get; set; } = AgentProtocol.Version;

    /// <summary>ADD, DEL, CHECK, STATUS or GC.</summary>
    [JsonPropertyName("command")]
    public string Command { get; set; } = "";

    /// <summary>CNI_CONTAINERID.</summary>
    [JsonPropertyName("containerID")]
    public string? ContainerId { get; set; }

    /// <summary>CNI_NETNS (absent on DEL when the runtime has none).</summary>
    [JsonPropertyName("netns")]
    public string? Netns { get; set; }

    /// <summary>CNI_IFNAME.</summary>
    [JsonPropertyName("ifName")]
    public string? IfName { get; set; }

    /// <summary>The cniVersion of the call (for logs and events).</summary>
    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; set; }

    /// <summary>The network name from the configuration.</summary>
    [JsonPropertyName("network")]
    public string? NetworkName { get; set; }

    /// <summary>The pod, from CNI_ARGS.</summary>
    [JsonPropertyName("pod")]
    public PodReference? Pod { get; set; }

    /// <summary>GC: the attachments the runtime still uses (<c>cni.dev/valid-attachments</c>).</summary>
    [JsonPropertyName("validAttachments")]
    public List<AttachmentKey>? ValidAttachments { get; set; }

    /// <summary>CHECK: the final result of ADD the runtime cached (prevResult).</summary>
    [JsonPropertyName("expected")]
    public CniResult? Expected { get; set; }
}

/// <summary>The pod a CNI call is for, from CNI_ARGS.</summary>
internal sealed class PodReference
{
    /// <summary>K8S_POD_NAMESPACE.</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>K8S_POD_NAME.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>K8S_POD_UID (containerd ≥ 1.6 sends it).</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>K8S_POD_INFRA_CONTAINER_ID.</summary>
    [JsonPropertyName("infraContainerID")]
    public string? InfraContainerId { get; set; }
}

/// <summary>An attachment: what CNI keys a pod interface by.</summary>
internal sealed class AttachmentKey
{
    /// <summary>The container ID.</summary>
    [JsonPropertyName("containerID")]
    public string ContainerId { get; set; } = "";

    /// <summary>The interface name in the container.</summary>
    [JsonPropertyName("ifname")]
    public string IfName { get; set; } = "";
}

/// <summary>The agent's answer: a result (ADD), nothing (DEL, CHECK, STATUS, GC) or an error.</summary>
internal sealed class AgentResponse
{
    /// <summary>ADD: the interfaces, addresses and routes terway set up.</summary>
    [JsonPropertyName("result")]
    public CniResult? Result { get; set; }

    /// <summary>The CNI error, when the call failed.</summary>
    [JsonPropertyName("error")]
    public CniErrorBody? Error { get; set; }
}

/// <summary>A CNI error: code, message and details.</summary>
internal sealed class CniErrorBody
{
    /// <summary>The code (<see cref="CniErrorCodes"/>).</summary>
    [JsonPropertyName("code")]
    public int Code { get; set; }

    /// <summary>A short message.</summary>
    [JsonPropertyName("msg")]
    public string Message { get; set; } = "";

    /// <summary>Longer details.</summary>
    [JsonPropertyName("details")]
    public string? Details { get; set; }
}

/// <summary>A CNI result without a version: the plugin prints it in the version the runtime asked for.</summary>
internal sealed class CniResult
{
    /// <summary>Interfaces: the container interface (with its sandbox) first, then host-side ones (sandbox empty).</summary>
    [JsonPropertyName("interfaces")]
    public List<CniInterface> Interfaces { get; set; } = [];

    /// <summary>Addresses; <c>interface</c> indexes <see cref="Interfaces"/>.</summary>
    [JsonPropertyName("ips")]
    public List<CniIPConfig> IPs { get; set; } = [];

    /// <summary>Routes inside the container.</summary>
    [JsonPropertyName("routes")]
    public List<CniRoute> Routes { get; set; } = [];

    /// <summary>DNS settings.</summary>
    [JsonPropertyName("dns")]
    public CniDns? Dns { get; set; }
}

/// <summary>An interface in a CNI result.</summary>
internal sealed class CniInterface
{
    /// <summary>Name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    /// <summary>MAC address, lower-case with colons.</summary>
    [JsonPropertyName("mac")]
    public string? Mac { get; set; }

    /// <summary>MTU (printed from CNI 1.1.0 on).</summary>
    [JsonPropertyName("mtu")]
    public int? Mtu { get; set; }

    /// <summary>The netns path for container interfaces; empty for host-side interfaces.</summary>
    [JsonPropertyName("sandbox")]
    public string? Sandbox { get; set; }

    /// <summary>Socket path (CNI 1.1.0; passed through from prevResult).</summary>
    [JsonPropertyName("socketPath")]
    public string? SocketPath { get; set; }

    /// <summary>PCI ID (CNI 1.1.0; passed through from prevResult).</summary>
    [JsonPropertyName("pciID")]
    public string? PciId { get; set; }
}

/// <summary>An address in a CNI result.</summary>
internal sealed class CniIPConfig
{
    /// <summary>Address with prefix length, e.g. <c>10.0.1.17/32</c>.</summary>
    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    /// <summary>Gateway.</summary>
    [JsonPropertyName("gateway")]
    public string? Gateway { get; set; }

    /// <summary>Index into the result's interfaces.</summary>
    [JsonPropertyName("interface")]
    public int? Interface { get; set; }
}

/// <summary>A route in a CNI result.</summary>
internal sealed class CniRoute
{
    /// <summary>Destination.</summary>
    [JsonPropertyName("dst")]
    public string Dst { get; set; } = "";

    /// <summary>Next hop.</summary>
    [JsonPropertyName("gw")]
    public string? Gateway { get; set; }

    /// <summary>MTU (1.1.0).</summary>
    [JsonPropertyName("mtu")]
    public int? Mtu { get; set; }

    /// <summary>Advertised MSS (1.1.0).</summary>
    [JsonPropertyName("advmss")]
    public int? AdvMss { get; set; }

    /// <summary>Priority (1.1.0).</summary>
    [JsonPropertyName("priority")]
    public int? Priority { get; set; }

    /// <summary>Table (1.1.0).</summary>
    [JsonPropertyName("table")]
    public int? Table { get; set; }

    /// <summary>Scope (1.1.0).</summary>
    [JsonPropertyName("scope")]
    public int? Scope { get; set; }
}

/// <summary>DNS settings of a CNI result.</summary>
internal sealed class CniDns
{
    /// <summary>Name servers.</summary>
    [JsonPropertyName("nameservers")]
    public List<string>? Nameservers { get; set; }

    /// <summary>Local domain.</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; set; }

    /// <summary>Search domains.</summary>
    [JsonPropertyName("search")]
    public List<string>? Search { get; set; }

    /// <summary>resolv.conf options.</summary>
    [JsonPropertyName("options")]
    public List<string>? Options { get; set; }

    /// <summary>True when nothing is set.</summary>
    [JsonIgnore]
    public bool IsEmpty => (Nameservers?.Count ?? 0) == 0 && string.IsNullOrEmpty(Domain) && (Search?.Count ?? 0) == 0 && (Options?.Count ?? 0) == 0;
}

/// <summary>
/// A DEL the plugin could not deliver (agent down or not answering): one file per
/// (containerID, ifname) in the pending-release directory, applied by the agent when it starts
/// and whenever it next sees that directory.
/// </summary>
internal sealed class PendingRelease
{
    /// <summary>Record format version.</summary>
    [JsonPropertyName("v")]
    public int FormatVersion { get; set; } = 1;

    /// <summary>CNI_CONTAINERID.</summary>
    [JsonPropertyName("containerID")]
    public string ContainerId { get; set; } = "";

    /// <summary>CNI_IFNAME.</summary>
    [JsonPropertyName("ifName")]
    public string IfName { get; set; } = "";

    /// <summary>CNI_NETNS, if the runtime still had one.</summary>
    [JsonPropertyName("netns")]
    public string? Netns { get; set; }

    /// <summary>The pod from CNI_ARGS.</summary>
    [JsonPropertyName("pod")]
    public PodReference? Pod { get; set; }

    /// <summary>The network name.</summary>
    [JsonPropertyName("network")]
    public string? NetworkName { get; set; }

    /// <summary>When the plugin wrote the record (UTC, RFC 3339).</summary>
    [JsonPropertyName("recordedAt")]
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>Why the DEL could not be delivered.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    /// <summary>
    /// The record's file name: deterministic per (containerID, ifname) so repeated DELs overwrite one
    /// record. The container ID is restricted to <c>[A-Za-z0-9_.-]</c> by the CNI spec; the interface
    /// name is hex-encoded because it may contain any byte but '/', ':' and whitespace.
    /// </summary>
    public static string FileNameFor(string containerId, string ifName) =>
        $"del-{containerId}-{Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(ifName))}.json";
}

/// <summary>Source-generated JSON for the protocol (the plugin is Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentRequest))]
[JsonSerializable(typeof(AgentResponse))]
[JsonSerializable(typeof(PendingRelease))]
[JsonSerializable(typeof(CniResult))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
