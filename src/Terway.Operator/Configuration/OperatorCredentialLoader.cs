using System.Text.Json;
using System.Text.Json.Nodes;
using Terway.Crds.Yaml;

namespace Terway.Operator.Configuration;

/// <summary>An AccessKey read from Terway's controlplane credential file (<c>ctrl-secret.yaml</c>).</summary>
/// <param name="AccessKeyId">The AccessKey ID.</param>
/// <param name="AccessKeySecret">The AccessKey secret (never logged).</param>
/// <param name="SecurityToken">An STS token going with a temporary AccessKey, if any.</param>
internal sealed record FileCredential(string AccessKeyId, string AccessKeySecret, string? SecurityToken)
{
    /// <summary>Keeps the secret out of logs and exception messages that print the record.</summary>
    public override string ToString() => $"FileCredential {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>
/// Reads Terway's controlplane credential file: a YAML mapping with <c>accessKeyID</c> (or <c>accessKey</c>) and
/// <c>accessKeySecret</c> (or <c>accessSecret</c>), optionally <c>securityToken</c>. An empty file or an empty
/// mapping (<c>{}</c>, how Terway ships it when the RAM role or RRSA is used) means "no AccessKey": the cloud
/// client's credentials chain decides.
/// </summary>
internal static class OperatorCredentialLoader
{
    private static readonly string[] IdKeys = ["accessKeyID", "accessKeyId", "accessKey"];
    private static readonly string[] SecretKeys = ["accessKeySecret", "accessSecret"];

    /// <summary>Parses the file's text; null when it names no AccessKey.</summary>
    /// <exception cref="OperatorConfigException">The file is not a mapping, or has only half an AccessKey.</exception>
    public static FileCredential? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonNode? root;
        try
        {
            root = YamlJson.Parse(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The parser's message may quote the line, i.e. the secret: say where, not what.
            throw new OperatorConfigException(["the credential file is not valid YAML (" + ex.GetType().Name + ")"]);
        }

        if (root is null)
        {
            return null;
        }

        if (root is not JsonObject map)
        {
            throw new OperatorConfigException(["the credential file must be a YAML mapping (accessKeyID, accessKeySecret)"]);
        }

        var id = First(map, IdKeys);
        var secret = First(map, SecretKeys);
        var token = First(map, ["securityToken"]);
        return (id, secret) switch
        {
            (null, null) => null,
            ({ } i, { } s) => new FileCredential(i, s, token),
            (null, _) => throw new OperatorConfigException(["the credential file has an AccessKey secret but no accessKeyID"]),
            (_, null) => throw new OperatorConfigException(["the credential file has accessKeyID but no accessKeySecret"]),
        };
    }

    private static string? First(JsonObject map, string[] keys)
    {
        foreach (var key in keys)
        {
            if (map[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } text)
            {
                return text.Trim();
            }
        }

        return null;
    }
}
