using System.Globalization;
using System.Text;

namespace Terway.Sandbox.Cloud.Api;

/// <summary>
/// Opaque NextToken values. A token names the position after the last returned item (by creation
/// order), so items deleted between pages do not shift later pages.
/// </summary>
internal static class PageToken
{
    public static string Encode(string scope, long after) => EncodeKey(scope, after.ToString(CultureInfo.InvariantCulture));

    public static string EncodeKey(string scope, string after) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(scope + ":" + after));

    /// <summary>Decodes a token carrying a string key; throws InvalidParameter for anything else.</summary>
    public static string DecodeKey(string scope, string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith(scope + ":", StringComparison.Ordinal) && text.Length > scope.Length + 1)
            {
                return text[(scope.Length + 1)..];
            }
        }
        catch (FormatException)
        {
            // Not base64: falls through to the rejection below.
        }

        throw CloudErrors.InvalidParameter("NextToken", "The token is not one this API returned.");
    }

    /// <summary>Decodes a token of <paramref name="scope"/>; throws InvalidParameter for anything else.</summary>
    public static long Decode(string scope, string token) =>
        long.TryParse(DecodeKey(scope, token), NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            ? after
            : throw CloudErrors.InvalidParameter("NextToken", "The token is not one this API returned.");
}
