using System.Security.Cryptography;
using System.Text;

namespace Terway.Cloud.Resilience;

/// <summary>
/// Idempotency tokens derived from what a call is for. The same intent and parameters always give the
/// same token, so a call repeated after a crash (or by another replica) returns the first result
/// instead of creating a second ENI; changed parameters give a different token.
/// </summary>
public static class ClientTokens
{
    private const string Domain = "terway-client-token-v1";

    /// <summary>
    /// Derives a 32-character lowercase hex ClientToken (≤ 64 ASCII as the API requires) from an intent such as
    /// <c>"create member ENI for PodENI 0b7f…"</c> and the call's parameters. Parameter order does not matter.
    /// </summary>
    /// <param name="intent">What the call is for, including the identity of the owning object (e.g. a PodENI UID).</param>
    /// <param name="parameters">The parameters that define the result (vSwitch, security groups, counts, ...).</param>
    public static string Derive(string intent, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(intent);
        var builder = new StringBuilder(256).Append(Domain).Append('\n').Append(intent.Length).Append(':').Append(intent).Append('\n');
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            // Length prefixes keep ("a","bc") and ("ab","c") apart.
            builder.Append(key.Length).Append(':').Append(key).Append('=').Append(value.Length).Append(':').Append(value).Append('\n');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>Derives a token from an intent and positional parts (order matters).</summary>
    /// <param name="intent">What the call is for.</param>
    /// <param name="parts">Values that define the result.</param>
    public static string Derive(string intent, params string[] parts) =>
        Derive(intent, parts.Select((p, i) => new KeyValuePair<string, string>(i.ToString("D3"), p)));

    /// <summary>A random token, for calls that only need idempotency across the retries of one call.</summary>
    public static string NewRandom() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
