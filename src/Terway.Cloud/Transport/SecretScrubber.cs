using Terway.Cloud.Credentials;
using Terway.Cloud.Signing;

namespace Terway.Cloud.Transport;

/// <summary>Removes credentials from text that came back from a server before it reaches a log or an exception.</summary>
internal static class SecretScrubber
{
    public const string Mask = "***";

    public static string Scrub(string text, CloudCredential? credential)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // SignatureDoesNotMatch echoes the server's string-to-sign, which carries SecurityToken for STS callers.
        var marker = text.IndexOf("string to sign is:", StringComparison.OrdinalIgnoreCase);
        if (marker >= 0)
        {
            text = text[..(marker + "string to sign is:".Length)] + " [redacted]";
        }

        if (credential is null)
        {
            return text;
        }

        text = ScrubValue(text, credential.AccessKeySecret);
        if (credential.SecurityToken is { } token)
        {
            text = ScrubValue(text, token);
        }

        return text;
    }

    public static string ScrubValue(string text, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = text.Replace(secret, Mask, StringComparison.Ordinal);
        var once = PercentEncoder.Encode(secret);
        if (!string.Equals(once, secret, StringComparison.Ordinal))
        {
            text = text.Replace(once, Mask, StringComparison.Ordinal);
            text = text.Replace(PercentEncoder.Encode(once), Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
