namespace Terway.Cloud.Errors;

/// <summary>Codes the client itself assigns when there is no server error code.</summary>
public static class ClientErrorCodes
{
    /// <summary>The attempt did not complete within the per-attempt timeout.</summary>
    public const string Timeout = "Client.Timeout";

    /// <summary>No HTTP response: connection refused or reset, DNS or TLS failure.</summary>
    public const string Network = "Client.NetworkError";

    /// <summary>The body could not be read as the API's JSON (HTML, XML without a code, truncated, wrong types).</summary>
    public const string MalformedResponse = "Client.MalformedResponse";

    /// <summary>A 2xx response lacks a field the API always returns.</summary>
    public const string MissingField = "Client.MissingField";

    /// <summary>A non-2xx response without an error code in its body.</summary>
    public const string HttpError = "Client.HttpError";

    /// <summary>No credential could be obtained from the configured sources.</summary>
    public const string CredentialsUnavailable = "Client.CredentialsUnavailable";
}
