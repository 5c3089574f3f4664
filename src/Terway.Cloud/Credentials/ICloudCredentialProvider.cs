namespace Terway.Cloud.Credentials;

/// <summary>Supplies the credential used to sign OpenAPI requests; implementations refresh before expiry and are thread-safe.</summary>
public interface ICloudCredentialProvider
{
    /// <summary>Short name for logs (e.g. <c>environment</c>, <c>rrsa</c>, <c>ecs-ram-role</c>).</summary>
    string Name { get; }

    /// <summary>Returns a credential that is valid for at least the provider's refresh margin.</summary>
    /// <param name="cancellationToken">Cancels a refresh in progress.</param>
    ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells the provider the server rejected <paramref name="credential"/> (e.g. an expired STS token), so the
    /// next <see cref="GetCredentialAsync"/> fetches a new one. Static providers ignore it.
    /// </summary>
    /// <param name="credential">The credential that was rejected.</param>
    void Invalidate(CloudCredential credential);
}
