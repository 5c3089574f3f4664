using System.Text.Json;
using Terway.CniShim.Protocol;

namespace Terway.CniShim.Cni;

/// <summary>
/// Prints results, errors and VERSION output in the CNI version the runtime asked for:
/// <list type="bullet">
/// <item>0.3.0, 0.3.1, 0.4.0: <c>ips[].version</c> ("4"/"6") is present;</item>
/// <item>1.0.0: <c>ips[].version</c> is gone;</item>
/// <item>1.1.0: interfaces may carry <c>mtu</c>, <c>socketPath</c>, <c>pciID</c>; routes <c>mtu</c>,
/// <c>advmss</c>, <c>priority</c>, <c>table</c>, <c>scope</c>.</item>
/// </list>
/// Written by hand with <see cref="Utf8JsonWriter"/>: the plugin is Native AOT, and the shape
/// differs per version.
/// </summary>
internal static class ResultWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true };

    public static byte[] Result(CniResult result, string version)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            var extended = CniVersions.HasExtendedFields(version);
            w.WriteStartObject();
            w.WriteString("cniVersion", version);
            if (result.Interfaces.Count > 0)
            {
                w.WriteStartArray("interfaces");
                foreach (var i in result.Interfaces)
                {
                    w.WriteStartObject();
                    w.WriteString("name", i.Name);
                    WriteIfSet(w, "mac", i.Mac);
                    if (extended && i.Mtu is > 0)
                    {
                        w.WriteNumber("mtu", i.Mtu.Value);
                    }

                    WriteIfSet(w, "sandbox", i.Sandbox);
                    if (extended)
                    {
                        WriteIfSet(w, "socketPath", i.SocketPath);
                        WriteIfSet(w, "pciID", i.PciId);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (result.IPs.Count > 0)
            {
                w.WriteStartArray("ips");
                foreach (var ip in result.IPs)
                {
                    w.WriteStartObject();
                    if (CniVersions.HasIPVersionField(version))
                    {
                        w.WriteString("version", ip.Address.Contains(':', StringComparison.Ordinal) ? "6" : "4");
                    }

                    if (ip.Interface is { } index)
                    {
                        w.WriteNumber("interface", index);
                    }

                    w.WriteString("address", ip.Address);
                    WriteIfSet(w, "gateway", ip.Gateway);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (result.Routes.Count > 0)
            {
                w.WriteStartArray("routes");
                foreach (var r in result.Routes)
                {
                    w.WriteStartObject();
                    w.WriteString("dst", r.Dst);
                    WriteIfSet(w, "gw", r.Gateway);
                    if (extended)
                    {
                        WriteIfSet(w, "mtu", r.Mtu);
                        WriteIfSet(w, "advmss", r.AdvMss);
                        WriteIfSet(w, "priority", r.Priority);
                        WriteIfSet(w, "table", r.Table);
                        WriteIfSet(w, "scope", r.Scope);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (result.Dns is { IsEmpty: false } dns)
            {
                w.WriteStartObject("dns");
                WriteList(w, "nameservers", dns.Nameservers);
                WriteIfSet(w, "domain", dns.Domain);
                WriteList(w, "search", dns.Search);
                WriteList(w, "options", dns.Options);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A CNI error: <c>{cniVersion, code, msg, details}</c>.</summary>
    public static byte[] Error(CniErrorBody error, string version)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", version);
            w.WriteNumber("code", error.Code);
            w.WriteString("msg", error.Message);
            WriteIfSet(w, "details", error.Details);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>VERSION output: the requested version and every supported one.</summary>
    public static byte[] Version(string version)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("cniVersion", version);
            w.WriteStartArray("supportedVersions");
            foreach (var v in CniVersions.Supported)
            {
                w.WriteStringValue(v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void WriteList(Utf8JsonWriter w, string name, List<string>? values)
    {
        if (values is { Count: > 0 })
        {
            w.WriteStartArray(name);
            foreach (var v in values)
            {
                w.WriteStringValue(v);
            }

            w.WriteEndArray();
        }
    }
}
