using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.Sandbox.KubeApi.Errors;
using Terway.Sandbox.KubeApi.Selectors;

namespace Terway.Sandbox.KubeApi.Rest;

/// <summary>The parsed query of a LIST or WATCH.</summary>
internal sealed class ListOptions
{
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;
    public FieldSelector Fields { get; init; } = FieldSelector.Everything;
    public long? Limit { get; init; }
    public string? Continue { get; init; }
    public string? ResourceVersion { get; init; }
    public string? ResourceVersionMatch { get; init; }
    public bool AllowWatchBookmarks { get; init; }
    public bool? SendInitialEvents { get; init; }
    public long? TimeoutSeconds { get; init; }
}

/// <summary>Continue tokens in the real server's format: base64 of <c>{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}</c>.</summary>
internal static class ContinueToken
{
    public static string Encode(long rv, string startKey)
    {
        var o = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = startKey };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(o.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static (long Rv, string Start) Decode(string token)
    {
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
            var o = JsonNode.Parse(Convert.FromBase64String(s)) as JsonObject ?? throw new FormatException();
            if ((string?)o["v"] != "meta.k8s.io/v1")
            {
                throw StatusException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }

            var rv = (long?)o["rv"] ?? 0;
            var start = (string?)o["start"] ?? "";
            if (rv == 0)
            {
                throw StatusException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            }

            return (rv, start.TrimEnd('\0'));
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw StatusException.BadRequest("continue key is not valid: " + e.Message);
        }
    }
}
