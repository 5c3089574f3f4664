using System.Text;
using Microsoft.Extensions.Logging;

namespace Terway.Cloud.Credentials;

/// <summary>Tries providers in order; the first that yields a credential is used from then on (as credentials-go does).</summary>
internal sealed partial class CredentialChain(IReadOnlyList<ICloudCredentialProvider> providers, ILogger logger) : ICloudCredentialProvider, IDisposable
{
    private volatile ICloudCredentialProvider? _chosen;

    public string Name => _chosen?.Name ?? "chain(" + string.Join(",", providers.Select(p => p.Name)) + ")";

    public IReadOnlyList<ICloudCredentialProvider> Providers => providers;

    public async ValueTask<CloudCredential> GetCredentialAsync(CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
        {
            return await chosen.GetCredentialAsync(cancellationToken).ConfigureAwait(false);
        }

        var failures = new StringBuilder();
        foreach (var provider in providers)
        {
            try
            {
                var credential = await provider.GetCredentialAsync(cancellationToken).ConfigureAwait(false);
                _chosen = provider;
                Log.Chosen(logger, provider.Name);
                return credential;
            }
            catch (CloudCredentialException ex)
            {
                failures.Append("; ").Append(ex.Message);
            }
        }

        throw new CloudCredentialException("chain", providers.Count == 0 ? "no credential source is configured" : "no provider produced a credential" + failures);
    }

    public void Invalidate(CloudCredential credential) => _chosen?.Invalidate(credential);

    public void Dispose()
    {
        foreach (var provider in providers)
        {
            (provider as IDisposable)?.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Using credentials from {Provider}")]
        public static partial void Chosen(ILogger logger, string provider);
    }
}
