using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using System.Xml;

namespace Terway.Sandbox.Cloud.Http;

/// <summary>
/// Serializes responses as the cloud does: JSON (flat result object with RequestId) or, when the
/// RPC request asked for XML or left ECS's default, XML with root <c>ActionResponse</c> (errors:
/// root <c>Error</c>) where an array becomes repeated elements of its singular name.
/// </summary>
internal static class ResponseWriter
{
    public const string JsonContentType = "application/json;charset=utf-8";
    public const string XmlContentType = "text/xml;charset=utf-8";

    public static JsonObject ErrorBody(CloudErrorException error, string requestId, string hostId, string product) => new()
    {
        ["RequestId"] = requestId,
        ["HostId"] = hostId,
        ["Code"] = error.Code,
        ["Message"] = error.Message,
        ["Recommend"] = $"https://api.aliyun.com/troubleshoot?q={Uri.EscapeDataString(error.Code)}&product={product}&requestId={requestId}",
    };

    /// <summary>Like the cloud, no HTML-safe escaping of <c>&amp;</c>, <c>&lt;</c> or non-ASCII text.</summary>
    public static readonly JsonSerializerOptions WireJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Json(JsonObject body) => JsonSerializer.SerializeToUtf8Bytes(body, WireJson);

    public static byte[] Xml(string rootName, JsonObject body)
    {
        var sb = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = false, Encoding = new UTF8Encoding(false) };
        using (var w = XmlWriter.Create(sb, settings))
        {
            w.WriteStartElement(rootName);
            WriteMembers(w, body);
            w.WriteEndElement();
        }

        // StringBuilder output declares utf-16; the body is sent as UTF-8.
        return Encoding.UTF8.GetBytes(sb.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal));
    }

    private static void WriteMembers(XmlWriter w, JsonObject o)
    {
        foreach (var (name, value) in o)
        {
            if (value is JsonArray array)
            {
                foreach (var item in array)
                {
                    WriteElement(w, name, item);
                }
            }
            else
            {
                WriteElement(w, name, value);
            }
        }
    }

    private static void WriteElement(XmlWriter w, string name, JsonNode? value)
    {
        w.WriteStartElement(name);
        switch (value)
        {
            case JsonObject child:
                WriteMembers(w, child);
                break;
            case JsonValue v when v.TryGetValue<bool>(out var b):
                w.WriteString(b ? "true" : "false");
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                w.WriteString(s);
                break;
            case JsonValue v:
                w.WriteString(v.ToJsonString()); // numbers: their JSON text is the invariant form
                break;
            default:
                break;
        }

        w.WriteEndElement();
    }
}
