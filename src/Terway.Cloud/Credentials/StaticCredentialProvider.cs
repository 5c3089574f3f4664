namespace Terway.Cloud.Credentials;

/// <summary>A fixed credential (AccessKey or STS token given by configuration).</summary>
internal sealed class StaticCredentialProvider(CloudCredential credential, string name = "static") : ICloudCredentialProvider
{
    public string Name { get; } = name;

    public ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credential);

    public void Invalidate(CloudCredential credential)
    {
        // A fixed credential cannot be replaced; the caller sees the auth error.
    }
}
