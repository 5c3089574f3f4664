using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Terway.Cloud.Errors;

/// <summary>The fields of an OpenAPI error body, JSON (<c>Code</c>/<c>code</c>, ...) or XML (<c>&lt;Error&gt;</c>).</summary>
internal readonly record struct ErrorBody(string? Code, string? Message, string? RequestId, string? HostId, string? Recommend);

/// <summary>Reads error bodies and throttling headers. Pure; never throws on bad input.</summary>
internal static class ErrorResponseParser
{
    public static ErrorBody Parse(ReadOnlySpan<byte> body)
    {
        var start = 0;
        while (start < body.Length && (body[start] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t' || (start == 0 && body.Length >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF)))
        {
            start += body[start] == 0xEF ? 3 : 1;
        }

        var trimmed = body[start..];
        if (trimmed.IsEmpty)
        {
            return default;
        }

        return trimmed[0] switch
        {
            (byte)'{' => ParseJson(trimmed),
            (byte)'<' => ParseXml(trimmed),
            _ => default,
        };
    }

    private static ErrorBody ParseJson(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            return new ErrorBody(
                Get(root, "Code") ?? Get(root, "code"),
                Get(root, "Message") ?? Get(root, "message"),
                Get(root, "RequestId") ?? Get(root, "requestId"),
                Get(root, "HostId") ?? Get(root, "hostId"),
                Get(root, "Recommend") ?? Get(root, "recommend"));
        }
        catch (JsonException)
        {
            // Truncated or otherwise broken JSON has no usable code; the status decides the class.
            return default;
        }
    }

    private static string? Get(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static ErrorBody ParseXml(ReadOnlySpan<byte> body)
    {
        string? code = null, message = null, requestId = null, hostId = null, recommend = null;
        try
        {
            using var stream = new MemoryStream(body.ToArray());
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 20 });
            reader.MoveToContent();
            while (!reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element || reader.Depth != 1)
                {
                    reader.Read();
                    continue;
                }

                // ReadElementContentAsString moves past the element, so the loop must not Read() again.
                switch (reader.LocalName)
                {
                    case "Code": code = reader.ReadElementContentAsString(); break;
                    case "Message": message = reader.ReadElementContentAsString(); break;
                    case "RequestId": requestId = reader.ReadElementContentAsString(); break;
                    case "HostId": hostId = reader.ReadElementContentAsString(); break;
                    case "Recommend": recommend = reader.ReadElementContentAsString(); break;
                    default: reader.Skip(); break;
                }
            }
        }
        catch (XmlException)
        {
            // HTML pages and truncated XML end here; keep whatever was read before the fault.
        }

        return new ErrorBody(code, message, requestId, hostId, recommend);
    }

    /// <summary>
    /// Retry-after hint from <c>x-ratelimit-user-api</c> and <c>x-ratelimit-user</c>
    /// (<c>Limit:1,Remain:0,TimeLeft:2000,Reset:1234</c>, TimeLeft in ms); the larger wins.
    /// </summary>
    public static TimeSpan? RetryAfter(string? userApiHeader, string? userHeader)
    {
        var a = TimeLeft(userApiHeader);
        var b = TimeLeft(userHeader);
        if (a is null)
        {
            return b;
        }

        return b is null || a >= b ? a : b;
    }

    private static TimeSpan? TimeLeft(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && part.AsSpan(0, colon).Trim().Equals("TimeLeft", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(part.AsSpan(colon + 1).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            {
                return TimeSpan.FromMilliseconds(ms);
            }
        }

        return null;
    }

    /// <summary>A printable, bounded excerpt of a body for error messages.</summary>
    public static string Snippet(ReadOnlySpan<byte> body, int max = 160)
    {
        if (body.IsEmpty)
        {
            return "<empty body>";
        }

        var text = Encoding.UTF8.GetString(body[..Math.Min(body.Length, max * 4)]);
        var builder = new StringBuilder(Math.Min(text.Length, max) + 3);
        foreach (var c in text)
        {
            if (builder.Length >= max)
            {
                builder.Append("...");
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
