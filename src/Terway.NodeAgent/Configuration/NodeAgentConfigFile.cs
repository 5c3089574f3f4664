using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.Crds.Durations;
using Terway.Crds.Yaml;

namespace Terway.NodeAgent.Configuration;

/// <summary>The configuration is invalid; the message lists every problem.</summary>
public sealed class NodeAgentConfigException(string message) : Exception(message);

/// <summary>
/// Reads the agent's configuration file: JSON or YAML, snake_case keys in the style of Terway's
/// <c>eni_conf</c> (<c>ipam_type</c>, <c>service_cidr</c>, <c>host_stack_cidrs</c>, <c>vlan_strip_type</c>,
/// <c>eniip_virtual_type</c>, <c>mtu</c> ...). Keys of <c>eni_conf</c> that concern the operator (vSwitches,
/// security groups, pool sizes) are accepted and ignored, so Terway's file can be reused as is.
/// </summary>
public static class NodeAgentConfigFile
{
    /// <summary>Path of the file in the DaemonSet.</summary>
    public const string DefaultPath = "/etc/terway/nodeagent.yaml";

    /// <summary>Reads <paramref name="path"/>; <paramref name="nodeName"/> (env NODE_NAME) wins over the file's <c>node_name</c>.</summary>
    public static NodeAgentOptions Load(string path, string? nodeName) => Parse(File.ReadAllText(path), nodeName, path);

    /// <summary>Parses configuration text (JSON or YAML).</summary>
    public static NodeAgentOptions Parse(string text, string? nodeName, string source = "config")
    {
        JsonNode? root;
        try
        {
            root = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) : YamlJson.Parse(text);
        }
        catch (Exception e) when (e is JsonException or FormatException or YamlDotNet.Core.YamlException)
        {
            throw new NodeAgentConfigException($"{source}: not JSON or YAML: {e.Message}");
        }

        var obj = root as JsonObject ?? (root is null ? [] : throw new NodeAgentConfigException($"{source}: expected a mapping at the top level"));
        var problems = new List<string>();
        var reader = new Reader(obj, problems);
        var name = string.IsNullOrEmpty(nodeName) ? reader.String("node_name") : nodeName;
        if (string.IsNullOrEmpty(name))
        {
            problems.Add("node name: set NODE_NAME (or node_name)");
        }

        var defaults = new NodeAgentOptions { NodeName = name ?? "" };
        var options = defaults with
        {
            IpamType = reader.Enum("ipam_type", defaults.IpamType, ("crd", IpamType.Crd), ("", IpamType.Crd), ("vpc", IpamType.Vpc)),
            ServiceCidrs = reader.Cidrs("service_cidr") ?? defaults.ServiceCidrs,
            HostStackCidrs = reader.Cidrs("host_stack_cidrs") ?? defaults.HostStackCidrs,
            VlanStripType = reader.Enum("vlan_strip_type", defaults.VlanStripType, ("filter", VlanStripType.Filter), ("vlan", VlanStripType.Vlan)),
            EniIpVirtualType = reader.Enum("eniip_virtual_type", defaults.EniIpVirtualType, ("veth", EniIpVirtualType.Veth), ("ipvlan", EniIpVirtualType.IPvlan)),
            Mtu = reader.Int("mtu", 576, 9500) ?? defaults.Mtu,
            DisableHostPeer = reader.Bool("disable_host_peer") ?? defaults.DisableHostPeer,
            EnableTrunk = reader.Bool("enable_eni_trunking") ?? defaults.EnableTrunk,
            EnableIPv6 = reader.Enum("ip_stack", "ipv4", ("ipv4", "ipv4"), ("dual", "dual"), ("ipv6", "ipv6")) != "ipv4",
            PatchPodIps = reader.Bool("enable_patch_pod_ips") ?? defaults.PatchPodIps,
            AllocationTimeout = reader.Duration("allocation_timeout") ?? defaults.AllocationTimeout,
            SocketPath = reader.String("cni_socket") ?? defaults.SocketPath,
            StateDirectory = reader.String("state_dir") ?? defaults.StateDirectory,
            PendingReleaseDirectory = reader.String("pending_release_dir") ?? defaults.PendingReleaseDirectory,
            ProcSysRoot = reader.String("proc_sys_root") ?? defaults.ProcSysRoot,
            HostNetnsPath = NullIfEmpty(reader.String("host_netns")),
            HealthListen = reader.Has("health_listen") ? NullIfEmpty(reader.String("health_listen")) : defaults.HealthListen,
            KubeconfigPath = NullIfEmpty(reader.String("kubeconfig")),
            CheckpointFsync = reader.Bool("checkpoint_fsync") ?? defaults.CheckpointFsync,
            PendingReleaseSweepInterval = reader.Duration("pending_release_interval") ?? defaults.PendingReleaseSweepInterval,
        };
        if (problems.Count > 0)
        {
            throw new NodeAgentConfigException($"{source}: {string.Join("; ", problems)}");
        }

        return options with { MeterName = $"Terway.NodeAgent.{options.NodeName}" };
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private sealed class Reader(JsonObject obj, List<string> problems)
    {
        public bool Has(string key) => obj.ContainsKey(key);

        public string? String(string key)
        {
            if (obj[key] is not JsonValue v)
            {
                return null;
            }

            if (v.TryGetValue<string>(out var s))
            {
                return s;
            }

            problems.Add($"{key} must be a string");
            return null;
        }

        public bool? Bool(string key)
        {
            if (obj[key] is not JsonValue v)
            {
                return null;
            }

            if (v.TryGetValue<bool>(out var b))
            {
                return b;
            }

            if (v.TryGetValue<string>(out var s) && bool.TryParse(s, out b))
            {
                return b;
            }

            problems.Add($"{key} must be true or false");
            return null;
        }

        public int? Int(string key, int min, int max)
        {
            if (obj[key] is not JsonValue v)
            {
                return null;
            }

            int? value = v.TryGetValue<int>(out var i) ? i
                : v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i
                : null;
            if (value is null || value < min || value > max)
            {
                problems.Add($"{key} must be an integer between {min} and {max}");
                return null;
            }

            return value;
        }

        public TimeSpan? Duration(string key)
        {
            if (obj[key] is not JsonValue v)
            {
                return null;
            }

            if (v.TryGetValue<int>(out var seconds) && seconds > 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (v.TryGetValue<string>(out var s) && GoDuration.TryParse(s, out var d) && d > TimeSpan.Zero)
            {
                return d;
            }

            problems.Add($"{key} must be a positive duration such as \"90s\" or \"2m\"");
            return null;
        }

        public T Enum<T>(string key, T fallback, params (string Text, T Value)[] values)
        {
            var text = String(key);
            if (text is null)
            {
                return fallback;
            }

            foreach (var (t, value) in values)
            {
                if (string.Equals(t, text, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            problems.Add($"{key} must be one of {string.Join(", ", values.Select(v => v.Text).Where(t => t.Length > 0))}");
            return fallback;
        }

        public List<IPNetwork>? Cidrs(string key)
        {
            var node = obj[key];
            IEnumerable<string> items;
            switch (node)
            {
                case null:
                    return null;
                case JsonArray array:
                    items = array.Select(n => n is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : "");
                    break;
                case JsonValue value when value.TryGetValue<string>(out var text):
                    items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                default:
                    problems.Add($"{key} must be a CIDR list");
                    return null;
            }

            var result = new List<IPNetwork>();
            foreach (var item in items)
            {
                if (IPNetwork.TryParse(item, out var cidr))
                {
                    result.Add(cidr);
                }
                else
                {
                    problems.Add($"{key}: \"{item}\" is not a CIDR");
                }
            }

            return result;
        }
    }
}
