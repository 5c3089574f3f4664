using System.Text.Json;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>
/// Reads a CNI result of any version terway supports (prevResult): 0.3.x/0.4.0 results carry
/// <c>ips[].version</c>, 1.x results do not, 1.1.0 adds interface and route fields. Delegated IPAM
/// results (no interfaces, no <c>ips[].interface</c>) are accepted too.
/// </summary>
internal static class ResultReader
{
    public static CniResult Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Decode("prevResult", "an object");
        }

        var result = new CniResult();
        foreach (var item in Array(element, "interfaces"))
        {
            result.Interfaces.Add(new CniInterface
            {
                Name = String(item, "interfaces[].name") ?? throw Decode("prevResult.interfaces[].name", "a string"),
                Mac = String(item, "mac"),
                Mtu = Int(item, "mtu"),
                Sandbox = String(item, "sandbox"),
                SocketPath = String(item, "socketPath"),
                PciId = String(item, "pciID"),
            });
        }

        foreach (var item in Array(element, "ips"))
        {
            var address = String(item, "address") ?? throw Decode("prevResult.ips[].address", "a CIDR string");
            if (!address.Contains('/', StringComparison.Ordinal))
            {
                throw Decode("prevResult.ips[].address", $"a CIDR string (got \"{address}\")");
            }

            var index = Int(item, "interface");
            if (index is { } i && (i < 0 || i >= result.Interfaces.Count))
            {
                throw Decode("prevResult.ips[].interface", $"an index into interfaces (got {i}, {result.Interfaces.Count} interfaces)");
            }

            result.IPs.Add(new CniIPConfig { Address = address, Gateway = String(item, "gateway"), Interface = index });
        }

        foreach (var item in Array(element, "routes"))
        {
            result.Routes.Add(new CniRoute
            {
                Dst = String(item, "dst") ?? throw Decode("prevResult.routes[].dst", "a CIDR string"),
                Gateway = String(item, "gw"),
                Mtu = Int(item, "mtu"),
                AdvMss = Int(item, "advmss"),
                Priority = Int(item, "priority"),
                Table = Int(item, "table"),
                Scope = Int(item, "scope"),
            });
        }

        if (element.TryGetProperty("dns", out var dns) && dns.ValueKind != JsonValueKind.Null)
        {
            var parsed = ReadDns(dns, "prevResult.dns");
            result.Dns = parsed.IsEmpty ? null : parsed;
        }

        return result;
    }

    public static CniDns ReadDns(JsonElement dns, string where)
    {
        if (dns.ValueKind != JsonValueKind.Object)
        {
            throw Decode(where, "an object");
        }

        return new CniDns
        {
            Nameservers = Strings(dns, "nameservers", where),
            Domain = String(dns, "domain"),
            Search = Strings(dns, "search", where),
            Options = Strings(dns, "options", where),
        };
    }

    private static List<JsonElement> Array(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
        {
            throw Decode("prevResult." + key, "an array of objects");
        }

        return [.. v.EnumerateArray()];
    }

    private static List<string>? Strings(JsonElement obj, string key, string where)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw Decode($"{where}.{key}", "an array of strings");
        }

        return [.. v.EnumerateArray().Select(e => e.GetString()!)];
    }

    private static string? String(JsonElement obj, string key)
    {
        var name = key.Contains('.', StringComparison.Ordinal) ? key[(key.LastIndexOf('.') + 1)..] : key;
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Decode("prevResult." + key, "a string");
    }

    private static int? Int(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Decode("prevResult." + key, "an integer");
    }

    private static CniException Decode(string key, string expected) =>
        new(CniErrorCodes.DecodingFailure, "error decoding prevResult", $"{key} must be {expected}");
}
