using System.Text.Json;
using Microsoft.Extensions.Logging;
using Terway.Cloud.Json;

namespace Terway.Cloud.Credentials;

/// <summary>
/// A mounted credentials file, re-read before its <c>Expiration</c> or every <c>refreshInterval</c>. Two formats:
/// JSON <c>{"AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}</c> (a Kubernetes secret or an addon token file),
/// or the official tools' INI file (<c>[default]</c>, <c>type = access_key|sts</c>, <c>access_key_id</c>,
/// <c>access_key_secret</c>, <c>security_token</c>; profile from <c>ALIBABA_CLOUD_PROFILE</c>).
/// </summary>
internal sealed class CredentialsFileProvider(string path, string profile, TimeProvider time, ILogger logger, TimeSpan refreshMargin, TimeSpan refreshInterval)
    : RefreshingCredentialProvider(time, logger, refreshMargin, refreshInterval)
{
    public override string Name => "credentials-file";

    public string Path => path;

    protected override async Task<CloudCredential> FetchAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CloudCredentialException(Name, $"cannot read '{path}': {ex.GetType().Name}", ex);
        }

        var trimmed = text.TrimStart();
        var credential = trimmed.StartsWith('{') ? ParseJson(trimmed) : ParseIni(trimmed);
        if (credential.IsStale(Time.GetUtcNow(), TimeSpan.Zero))
        {
            throw new CloudCredentialException(Name, $"credentials in '{path}' expired at {credential.Expiration:u}");
        }

        return credential;
    }

    private CloudCredential ParseJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            var id = root.Str("AccessKeyId") ?? root.Str("access.key.id");
            var secret = root.Str("AccessKeySecret") ?? root.Str("access.key.secret");
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
            {
                throw new CloudCredentialException(Name, $"'{path}' has no AccessKeyId/AccessKeySecret");
            }

            return new CloudCredential(id, secret, root.Str("SecurityToken") ?? root.Str("security.token"), root.Time("Expiration") ?? root.Time("expiration"), Name);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            // The message of a JSON error may quote the file's bytes, so it is not passed on.
            throw new CloudCredentialException(Name, $"'{path}' is not valid credentials JSON");
        }
    }

    private CloudCredential ParseIni(string text)
    {
        var section = string.Empty;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1].Trim();
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && string.Equals(section, profile, StringComparison.Ordinal))
            {
                values[line[..eq].Trim()] = line[(eq + 1)..].Trim().Trim('"');
            }
        }

        if (values.Count == 0)
        {
            throw new CloudCredentialException(Name, $"'{path}' has no profile [{profile}]");
        }

        var type = values.GetValueOrDefault("type", "access_key");
        if (type is not ("access_key" or "sts"))
        {
            throw new CloudCredentialException(Name, $"profile [{profile}] in '{path}' has unsupported type '{type}'");
        }

        var id = values.GetValueOrDefault("access_key_id");
        var secret = values.GetValueOrDefault("access_key_secret");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new CloudCredentialException(Name, $"profile [{profile}] in '{path}' lacks access_key_id/access_key_secret");
        }

        return new CloudCredential(id, secret, values.GetValueOrDefault("security_token"), source: Name);
    }
}
