namespace Terway.Cloud.Credentials;

/// <summary>
/// AccessKey from the environment: <c>ALIBABA_CLOUD_ACCESS_KEY_ID</c>/<c>ALIBABA_CLOUD_ACCESS_KEY_SECRET</c>
/// (+ <c>ALIBABA_CLOUD_SECURITY_TOKEN</c> for STS), or Terway's legacy <c>ALICLOUD_ACCESS_KEY</c>/<c>ALICLOUD_SECRET_KEY</c>
/// (+ <c>ALICLOUD_SECURITY_TOKEN</c>). Read on every call, so a changed environment takes effect.
/// </summary>
internal sealed class EnvironmentCredentialProvider(Func<string, string?> environment) : ICloudCredentialProvider
{
    public string Name => "environment";

    public bool IsConfigured => TryRead() is not null;

    public ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryRead() ?? throw new CloudCredentialException(Name, "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set"));

    public void Invalidate(CloudCredential credential)
    {
        // The environment is re-read on every call; nothing is cached.
    }

    private CloudCredential? TryRead()
    {
        var id = environment("ALIBABA_CLOUD_ACCESS_KEY_ID");
        var secret = environment("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        var token = environment("ALIBABA_CLOUD_SECURITY_TOKEN");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            id = environment("ALICLOUD_ACCESS_KEY");
            secret = environment("ALICLOUD_SECRET_KEY");
            token = environment("ALICLOUD_SECURITY_TOKEN");
        }

        return string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret) ? null : new CloudCredential(id, secret, token, source: Name);
    }
}
