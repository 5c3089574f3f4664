using System.Text;

namespace Terway.Cloud.Signing;

/// <summary>
/// RFC 3986 percent-encoding as Alibaba Cloud signs it: unreserved characters
/// (A-Z a-z 0-9 - _ . ~) stay, every other UTF-8 byte becomes %XY with uppercase hex.
/// Unlike form encoding, space is %20 and * ! ' ( ) are encoded.
/// </summary>
internal static class PercentEncoder
{
    private const string Hex = "0123456789ABCDEF";

    public static string Encode(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        // Fast path: most parameter names and IDs need no encoding at all.
        var clean = true;
        foreach (var c in value)
        {
            if (!IsUnreserved(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 16);
        AppendEncoded(builder, value);
        return builder.ToString();
    }

    public static void AppendEncoded(StringBuilder builder, string value)
    {
        Span<byte> buffer = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsUnreserved(c))
            {
                builder.Append(c);
                continue;
            }

            int written;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                written = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), buffer);
                i++;
            }
            else
            {
                written = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), buffer);
            }

            for (var b = 0; b < written; b++)
            {
                builder.Append('%').Append(Hex[buffer[b] >> 4]).Append(Hex[buffer[b] & 0xF]);
            }
        }
    }

    private static bool IsUnreserved(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~';
}
