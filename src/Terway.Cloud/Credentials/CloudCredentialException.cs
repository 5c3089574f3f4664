namespace Terway.Cloud.Credentials;

/// <summary>No credential could be obtained (missing configuration, unreadable file, STS or metadata failure).</summary>
public sealed class CloudCredentialException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="provider">Provider that failed.</param>
    /// <param name="message">What went wrong; never contains a secret.</param>
    /// <param name="innerException">Underlying failure, if any.</param>
    public CloudCredentialException(string provider, string message, Exception? innerException = null)
        : base($"credential provider '{provider}': {message}", innerException)
    {
        Provider = provider;
    }

    /// <summary>Provider that failed.</summary>
    public string Provider { get; }
}
